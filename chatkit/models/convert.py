"""GGUF to a Hugging Face safetensors directory, once, so later loads take seconds instead of a dequantization."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chatkit.errors import ModelLoadError, one_line
from chatkit.hashing import sha256_file
from chatkit.models.cards import MODEL_CARD
from chatkit.models.catalogue import models_dir

log = logging.getLogger(__name__)

GGUF_NAME = "model.gguf"  # a pulled catalogue model's GGUF file, kept beside its conversion


def convert_gguf(gguf_file: Path, out: Path, *, card: dict[str, Any], readme: str | None = None, progress: bool = False,
                 keep_gguf: bool = False) -> Path:
    """Dequantize ``gguf_file`` to float32 safetensors in ``out``, with its tokenizer and chat template.

    ``keep_gguf`` moves the file itself into ``out`` too (``GGUF_NAME``): the llama.cpp engine loads it as shipped.

    float32 keeps the dequantized weights exactly; chatkit casts at load time (``model.dtype``).
    ``out`` is written whole or not at all: the directory is built beside it and renamed.
    """
    try:
        import gguf  # noqa: F401  (transformers reads GGUF through it)
    except ImportError:
        raise ModelLoadError("reading a .gguf file needs the gguf package: pip install gguf") from None
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        try:
            with _bars(progress):
                tokenizer = AutoTokenizer.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name)
                model = AutoModelForCausalLM.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name, dtype=torch.float32)
        except (OSError, ValueError, KeyError, RuntimeError, TypeError) as e:
            raise ModelLoadError(f"cannot read {gguf_file} as a GGUF chat model: {one_line(e)}") from None
        if not getattr(tokenizer, "chat_template", None):
            raise ModelLoadError(f"{gguf_file} carries no chat template (tokenizer.chat_template); use a chat model")
        quantizer = getattr(model, "hf_quantizer", None)
        if quantizer is not None:  # transformers refuses to save a GGUF-loaded model while its quantizer is attached
            quantizer.remove_quantization_config(model)
        with _bars(progress):
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
        (tmp / MODEL_CARD).write_text(json.dumps({**card, "dtype": "float32"}, indent=2) + "\n")
        if readme:
            (tmp / "README.md").write_text(readme, encoding="utf-8")
        if keep_gguf:
            shutil.move(gguf_file, tmp / GGUF_NAME)
        tmp.chmod(0o755)  # mkdtemp's 0700 would hide a shared models directory from other users
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("converted %s to %s in %.1f s", gguf_file, out, time.perf_counter() - t0)
    return out


@contextlib.contextmanager
def _bars(show: bool) -> Iterator[None]:
    """transformers' GGUF reader draws a tqdm bar that its progress-bar switch does not reach; tqdm writes to the
    stderr of the moment, so a quiet conversion swaps it out (log handlers keep the real one)."""
    with contextlib.nullcontext() if show else contextlib.redirect_stderr(io.StringIO()):
        yield


def converted_gguf(gguf_file: Path) -> Path:
    """The cached safetensors directory for a GGUF file, converting it the first time."""
    if not gguf_file.is_file():
        raise ModelLoadError(f"GGUF file {gguf_file} does not exist")
    sha = sha256_file(gguf_file)
    target = models_dir() / f"gguf-{sha[:16]}"
    if not (target / MODEL_CARD).is_file():
        log.warning("chatkit: converting %s once to %s", gguf_file, target)
        convert_gguf(gguf_file, target, card={"name": gguf_file.stem, "source": str(gguf_file), "gguf_sha256": sha})
    return target

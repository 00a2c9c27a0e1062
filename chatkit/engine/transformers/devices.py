"""Where and in which precision a model runs: device and dtype choice, from what the hardware offers."""

from __future__ import annotations

from pathlib import Path

from chatkit.errors import ModelLoadError
from chatkit.hardware import cpu_has_fast_bf16


def pick_device(device: str) -> str:
    """``auto``: a CUDA GPU, else Apple's MPS, else the CPU. A device that is not there is a ModelLoadError."""
    import torch

    if device.startswith("cuda"):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(device.partition(":")[2] or 0)
        if index >= count:
            raise ModelLoadError(f"device {device} is not available (this torch sees {count} CUDA GPUs"
                                 f"{'' if torch.version.cuda else '; it is a CPU-only build'}); use --device cpu or auto")
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if device == "mps" and not mps:
        raise ModelLoadError("device mps is not available (Apple silicon with an MPS build of torch only); use --device cpu or auto")
    if device != "auto":
        return device
    return "cuda" if torch.cuda.is_available() else "mps" if mps else "cpu"


DTYPES = ("auto", "bfloat16", "float32", "float16")


BF16_MIN_WIDTH = 512  # below this, bf16's per-op overhead outweighs its faster matrix products on a CPU


def pick_dtype(dtype: str, device: str, model_dir: Path | None = None) -> str:
    """``auto``: bfloat16 on GPUs that have it; on a CPU, bfloat16 when it has native bf16 instructions and the
    model is wide enough to gain from them, float32 otherwise.

    Measured on an AMD EPYC with avx512_bf16 (bench/generation.py): SmolLM2-135M (width 576) decodes 1.24x
    faster in bf16 and reads prompts 2-4x faster; the 4M-parameter ``tiny`` model (width 256) decodes 2.6x
    slower in bf16 and trains a LoRA adapter 37x slower. On CPUs without bf16 instructions it is emulated.
    """
    if dtype != "auto":
        return dtype
    import torch

    if device.startswith("cuda"):
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    if device == "cpu" and cpu_has_fast_bf16() and _width(model_dir) >= BF16_MIN_WIDTH:
        return "bfloat16"
    return "float32"


def _width(model_dir: Path | None) -> int:
    import json

    try:
        return int(json.loads((model_dir / "config.json").read_text()).get("hidden_size", 0)) if model_dir else 0
    except (OSError, ValueError, TypeError):
        return 0

"""A peft LoRA adapter (as ``chatkit train-lora`` writes it) in llama.cpp's GGUF LoRA form, converted on first use.

The layout follows llama.cpp's ``convert_lora_to_gguf.py``: ``general.type = "adapter"``, ``adapter.type = "lora"``,
``adapter.lora.alpha``, and per adapted weight ``<gguf name>.lora_a`` (peft's A, rank x in) and ``.lora_b`` (peft's B,
out x rank). llama.cpp's Llama conversion permutes the rows of q and k for its rotary layout, so B of q and k is
permuted the same way. The file is cached beside the adapter (in the models directory for a shipped adapter, or when
the adapter's folder is read-only), named by a hash of the adapter's weights and the base's shape, so a retrained
adapter or another base converts anew.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatkit.engine.llamacpp.native import gguf_metadata
from chatkit.errors import LoraAdapterError, one_line
from chatkit.hashing import sha256_file
from chatkit.models.catalogue import models_dir
from chatkit.models.lora import bundled_adapter, check_adapter_dir

log = logging.getLogger(__name__)

PERMUTED_ARCHS = ("llama",)  # architectures whose GGUF conversion permutes q/k rows (convert_hf_to_gguf's LlamaModel)


@dataclass(frozen=True)
class BaseShape:
    """What the conversion needs to know of the base model, read from its GGUF file."""

    arch: str
    blocks: int
    heads: int
    kv_heads: int


def base_shape(gguf_file: Path) -> BaseShape:
    meta = gguf_metadata(gguf_file)
    arch = str(meta.get("general.architecture"))

    def number(key: str) -> int:  # absent, or a per-layer array (the header reader skips arrays): 0
        value = meta.get(f"{arch}.{key}")
        return value if isinstance(value, int) else 0

    heads = number("attention.head_count")
    return BaseShape(arch, number("block_count"), heads, number("attention.head_count_kv") or heads)


def gguf_lora(name: str, adapter_dir: Path, base: BaseShape) -> Path:
    """The adapter as a GGUF LoRA file for this base, converting it the first time; LoraAdapterError if it cannot be."""
    check_adapter_dir(name, adapter_dir)
    weights = adapter_dir / "adapter_model.safetensors"
    if not weights.is_file():
        raise LoraAdapterError(f"adapter {name!r}: the llama.cpp engine reads adapter_model.safetensors, which {adapter_dir} "
                               "lacks; save the adapter with safetensors (peft's default)")
    key = hashlib.sha256(f"{sha256_file(weights)}:{base}".encode()).hexdigest()[:16]
    shared = models_dir() / "lora-gguf"
    # a shipped adapter lives inside the installed package, which is no place for a cache (nor, for an editable
    # install, the source tree): its GGUF form goes to the models directory
    shipped = adapter_dir.resolve().is_relative_to(bundled_adapter("").resolve())
    folders = (shared,) if shipped else (adapter_dir, shared)
    for folder in folders:
        cached = folder / f"adapter-{key}.gguf"
        if cached.is_file():
            return cached
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return _write(name, adapter_dir, weights, base, folder / f"adapter-{key}.gguf")
        except PermissionError:
            continue  # a shipped adapter inside a read-only site-packages: cache it in the models directory
    raise LoraAdapterError(f"adapter {name!r}: nowhere to write its GGUF form (neither {adapter_dir} nor the models "
                           "directory is writable); set CHATKIT_MODELS_DIR to a writable folder")


def _write(name: str, adapter_dir: Path, weights: Path, base: BaseShape, out: Path) -> Path:
    import gguf
    import numpy as np
    from safetensors.torch import load_file  # torch, not numpy: numpy has no bfloat16, which adapters are often saved in

    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    if config.get("use_dora") or config.get("rank_pattern") or config.get("alpha_pattern") or config.get("modules_to_save"):
        raise LoraAdapterError(f"adapter {name!r}: DoRA, per-module ranks or alphas and saved modules are not supported by "
                               "the llama.cpp engine; use model.engine = \"transformers\" for it")
    rank, alpha = int(config["r"]), float(config["lora_alpha"])
    if config.get("use_rslora"):
        alpha *= math.sqrt(rank)  # rsLoRA scales by alpha / sqrt(r); llama.cpp by alpha / r
    try:
        tensors = load_file(str(weights))
    except Exception as e:  # safetensors raises its own error type for a corrupt file
        raise LoraAdapterError(f"adapter {name!r}: cannot read {weights} ({one_line(e, 200)}); train or copy it again") from None
    names = gguf.get_tensor_name_map(_arch(base.arch), base.blocks)
    pairs: dict[str, dict[str, Any]] = {}
    for key, value in tensors.items():
        part = "lora_a" if ".lora_A." in key else "lora_b" if ".lora_B." in key else None
        if part is None:
            raise LoraAdapterError(f"adapter {name!r}: tensor {key} is not a LoRA A or B matrix; only plain LoRA adapters "
                                   "are supported by the llama.cpp engine")
        hf = key.removeprefix("base_model.model.").replace(f".lora_{part[-1].upper()}.weight", ".weight")
        target = names.get_name(hf, try_suffixes=(".weight",))
        if target is None:
            raise LoraAdapterError(f"adapter {name!r} adapts {hf}, which the base model ({base.arch}, {base.blocks} layers) "
                                   "does not have; it was trained for another base model")
        pairs.setdefault(target, {})[part] = value.float().numpy()
    writer = gguf.GGUFWriter(str(out) + ".part", base.arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, alpha)
    for target, pair in sorted(pairs.items()):
        if set(pair) != {"lora_a", "lora_b"}:
            raise LoraAdapterError(f"adapter {name!r}: {target} has only {', '.join(pair)}; the adapter is incomplete")
        b = pair["lora_b"]
        if base.arch in PERMUTED_ARCHS and target.endswith(("attn_q.weight", "attn_k.weight")):
            b = _permute(b, base.heads if target.endswith("attn_q.weight") else base.kv_heads)
        writer.add_tensor(f"{target}.lora_a", np.ascontiguousarray(pair["lora_a"]))
        writer.add_tensor(f"{target}.lora_b", np.ascontiguousarray(b))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(str(out) + ".part", out)  # whole or not at all
    log.info("converted adapter %r to llama.cpp's GGUF LoRA form: %s", name, out)
    return out


def _arch(name: str) -> Any:
    import gguf

    for arch, arch_name in gguf.MODEL_ARCH_NAMES.items():
        if arch_name == name:
            return arch
    raise LoraAdapterError(f"the base model's architecture {name!r} is unknown to the gguf package; update it (pip install -U gguf)")


def _permute(rows: Any, heads: int) -> Any:
    """llama.cpp's rotary layout for the rows of q and k (as its converter writes the base weights)."""
    return rows.reshape(heads, 2, rows.shape[0] // heads // 2, *rows.shape[1:]).swapaxes(1, 2).reshape(rows.shape)


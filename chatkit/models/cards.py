"""The cards chatkit writes beside what it makes: a model card in every model directory it pulls or converts, an
adapter card in every LoRA adapter it trains; and the cheap identities those cards record."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

MODEL_CARD = "chatkit_model.json"  # written by chatkit into every model directory it pulls or converts
ADAPTER_CARD = "chatkit_adapter.json"  # written by chatkit into every adapter it trains


def read_card(path: Path, card: str = MODEL_CARD) -> dict[str, Any]:
    """The card ``card`` in directory ``path``; empty if there is none or it is not a JSON object."""
    try:
        data = json.loads((path / card).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def model_fingerprint(model_dir: Path) -> str:
    """A cheap identity of a base model: its config, and the size, head and tail of each weight file. The config's
    ``transformers_version`` is left out: the same weights saved by another transformers are the same model."""
    config = json.loads((model_dir / "config.json").read_text())
    config.pop("transformers_version", None)
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for weights in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")):
        with weights.open("rb") as f:
            digest.update(str(weights.stat().st_size).encode())
            digest.update(f.read(1 << 20))
            f.seek(max(0, weights.stat().st_size - (1 << 20)))
            digest.update(f.read())
    return digest.hexdigest()[:16]

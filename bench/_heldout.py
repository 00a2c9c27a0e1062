"""The bundled model's held-out conversations: the split the training script recorded in heldout.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from train_chat_model import load_conversations  # the training script's own reading of the corpus

from chatkit.models.catalogue import bundled_model_path


def heldout_conversations(model_dir: Path | None = None) -> list[list[str]]:
    """Turns of each held-out conversation (needs the chitchat-dataset package: pip install '.[bench]')."""
    ids = json.loads(((model_dir or bundled_model_path()) / "heldout.json").read_text())["ids"]
    by_id = dict(load_conversations())
    return [by_id[i] for i in ids]

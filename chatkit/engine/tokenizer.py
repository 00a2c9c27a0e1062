"""A model's tokenizer with its chat template: the local engine counts and encodes with it, the remote one counts
with it when it has one, and LoRA training renders chats with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatkit.errors import ModelLoadError, one_line


def load_chat_tokenizer(model_dir: Path) -> Any:
    """The model's tokenizer; ModelLoadError if it cannot be loaded or has no chat template."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    except (OSError, ValueError, TypeError) as e:
        raise ModelLoadError(f"cannot load a tokenizer from {model_dir}: {one_line(e)}") from None
    if not getattr(tokenizer, "chat_template", None):
        raise ModelLoadError(
            f"{model_dir} has no chat template; use a chat model, or add a 'chat_template' to its tokenizer_config.json"
        )
    return tokenizer

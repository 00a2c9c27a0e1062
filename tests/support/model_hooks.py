"""Where a test hooks a generator's model: the transformer itself, inside peft's wrapper when adapters are attached
(peft's generate goes straight to the base model, so a hook on the wrapper never fires)."""

from __future__ import annotations

from typing import Any


def core(generator: Any) -> Any:
    model = generator.model
    return model.get_base_model() if hasattr(model, "get_base_model") else model

"""LoRA adapters (peft) served: named, swappable voices and domains on one base model.

Loading attaches every configured adapter to the base model once; a request picks one by name
(or ``"base"`` for none) in the model's own thread, so switching never reloads anything and two
conversations never see each other's adapter. Training is ``chatkit.models.lora_train``.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chatkit.errors import LoraAdapterError, one_line
from chatkit.models.cards import ADAPTER_CARD, model_fingerprint, read_card

log = logging.getLogger(__name__)

BASE = "base"  # the adapter name that means: no adapter
CHAT = "chat"  # the shipped chat adapter of the default model: the default adapter, and the one others stack on


def bundled_adapter(name: str) -> Path:
    from importlib import resources

    return Path(str(resources.files("chatkit") / "assets" / "adapters" / name))


def resolve_path(path: str) -> Path:
    """A directory, or ``bundled:NAME`` for an adapter shipped with chatkit."""
    return bundled_adapter(path.removeprefix("bundled:")) if path.startswith("bundled:") else Path(path).expanduser()


def shipped_adapters() -> dict[str, Path]:
    """Every adapter shipped inside chatkit, by name."""
    root = bundled_adapter("")
    return {p.name: p for p in sorted(root.iterdir()) if (p / "adapter_config.json").is_file()} if root.is_dir() else {}


def shipped_for(base_dir: Path, base_name: str | None) -> tuple[dict[str, Path], dict[str, str]]:
    """The shipped adapters that fit this base model, and those that do not with the reason why."""
    fits: dict[str, Path] = {}
    other: dict[str, str] = {}
    base_id = None
    for name, path in shipped_adapters().items():
        card = read_card(path, ADAPTER_CARD)
        wanted = card.get("base_name")
        if wanted and base_name:
            ok = wanted == base_name
        else:
            base_id = base_id or model_fingerprint(base_dir)
            ok = card.get("base_fingerprint") == base_id
        if ok:
            fits[name] = path
        else:
            other[name] = f"trained for {wanted or card.get('base_model', 'another model')}, not {base_name or base_dir}"
    return fits, other


def check_adapter_dir(name: str, path: Path) -> None:
    if not path.is_dir():
        raise LoraAdapterError(f"adapter {name!r}: {path} does not exist; check [adapters.paths] or --adapter")
    config = path / "adapter_config.json"
    if not config.is_file():
        raise LoraAdapterError(f"adapter {name!r}: {path} has no adapter_config.json; is it a peft adapter directory?")
    try:
        json.loads(config.read_text())
    except ValueError as e:
        raise LoraAdapterError(f"adapter {name!r}: {config} is corrupt ({e}); train or copy the adapter again") from None
    if not any((path / f).is_file() for f in ("adapter_model.safetensors", "adapter_model.bin")):
        raise LoraAdapterError(f"adapter {name!r}: {path} has no adapter weights (adapter_model.safetensors)")


def attach(model: Any, adapters: Mapping[str, Path], base_dir: Path, stack_on: str | None = None) -> Any:
    """The base model with every adapter loaded under its name (a PeftModel), or the model itself if none.

    With ``stack_on`` naming one of ``adapters``, every other adapter is served on top of it: the two are joined into
    one adapter of both ranks (peft's ``cat`` combination), whose change to each weight is exactly the sum of theirs.
    A user's adapter trained on the plain base model thus keeps the chat adapter's manners.
    """
    if not adapters:
        return model
    from peft import PeftModel

    base_id = model_fingerprint(base_dir) if (base_dir / "config.json").is_file() else ""
    under = adapters.get(stack_on) if stack_on else None
    peft_model = None
    for name, path in sorted(adapters.items(), key=lambda item: item[0] != stack_on):  # the layer below loads first
        if name == BASE:
            raise LoraAdapterError(f"'{BASE}' is reserved (it means no adapter); rename that adapter")
        check_adapter_dir(name, path)
        stacked = under is not None and name != stack_on and path.resolve() != under.resolve()
        own = f"{name}__own" if stacked else name
        card = read_card(path, ADAPTER_CARD)
        trained_on = card.get("base_model", json.loads((path / "adapter_config.json").read_text()).get("base_model_name_or_path"))
        try:
            with warnings.catch_warnings():  # peft calls a method transformers 5 deprecates: not the user's to fix
                warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning)
                if peft_model is None:
                    peft_model = PeftModel.from_pretrained(model, str(path), adapter_name=own, is_trainable=False)
                else:
                    peft_model.load_adapter(str(path), adapter_name=own, is_trainable=False)
        except (RuntimeError, ValueError, KeyError) as e:
            raise LoraAdapterError(f"adapter {name!r} was trained for base model {trained_on or 'unknown'}, which does not fit "
                               f"the loaded base model {base_dir}: {one_line(e, 300)}") from None
        except Exception as e:  # a truncated or corrupt weights file (safetensors raises its own error type)
            raise LoraAdapterError(f"adapter {name!r}: cannot read {path} ({type(e).__name__}: {one_line(e, 300)}); "
                               "train or copy the adapter again") from None
        if stacked:
            _stack(peft_model, str(stack_on), own, name)
        if card.get("base_fingerprint") and base_id and card["base_fingerprint"] != base_id:
            log.warning("adapter %r was trained on another version of the base model (%s); its output may suffer",
                        name, trained_on)
    return peft_model


def _stack(peft_model: Any, under: str, own: str, name: str) -> None:
    """Replace adapter ``own`` by ``name``: ``under`` and ``own`` joined, their weight changes summed."""
    try:
        peft_model.add_weighted_adapter([under, own], [1.0, 1.0], adapter_name=name, combination_type="cat")
    except (ValueError, TypeError) as e:
        raise LoraAdapterError(f"adapter {name!r} cannot be stacked on {under!r} ({one_line(e, 200)}); set [adapters] "
                               'stack_on = "" to serve it alone') from None
    peft_model.delete_adapter(own)
    log.info("adapter %r is served on top of %r", name, under)

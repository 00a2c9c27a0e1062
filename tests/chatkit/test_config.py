from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from chatkit import ConfigError, DecodingConfig, Settings, load_settings
from chatkit.engine.decoding import PRESETS, preset


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chatkit.toml"
    path.write_text(text)
    return path


def test_defaults_need_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHATKIT_CONFIG", raising=False)
    settings = load_settings()
    assert settings.source == "defaults"
    assert settings.decoding.resolve() == PRESETS["balanced"]


def test_a_file_overrides_defaults_and_the_preset(tmp_path: Path) -> None:
    path = write(tmp_path, '[chat]\nsystem_prompt = "Be brief."\n[decoding]\npreset = "greedy"\nmax_new_tokens = 20\n')
    settings = load_settings(path)
    assert settings.chat.system_prompt == "Be brief."
    assert settings.decoding.resolve() == PRESETS["greedy"].with_overrides(max_new_tokens=20)


def test_the_environment_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATKIT_CONFIG", str(write(tmp_path, "[chat]\nmax_message_chars = 10\n")))
    assert load_settings().chat.max_message_chars == 10


def test_shown_config_is_valid_toml_that_loads_back(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, '[decoding]\npreset = "creative"\nstop = ["\\n\\n"]\n'))
    shown = settings.to_toml()
    tomllib.loads(shown)
    again = load_settings(write(tmp_path, shown))
    assert again.model_dump() == settings.model_dump()


@pytest.mark.parametrize(("text", "message"), [
    ("[chat\nsystem_prompt = 1", "not valid TOML"),
    ("[chat]\nsystem_promt = 'x'", "chat.system_promt"),
    ("[nonsense]\na = 1", "nonsense"),
    ("[chat]\nmax_message_chars = -5", "chat.max_message_chars"),
    ("[model]\ndevice = 'gpu'", "model.device"),
    ("[decoding]\npreset = 'wild'", "unknown decoding preset 'wild'"),
    ("[decoding]\ntemperature = 'hot'", "temperature"),
    ("[decoding]\ntop_p = 1.5", "top_p"),
    ("[decoding]\nbogus = 1", "bogus"),
])
def test_broken_config_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, text))


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "absent.toml")
    binary = tmp_path / "junk.toml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(ConfigError, match=r"junk\.toml"):
        load_settings(binary)


def test_updated_validates_overrides() -> None:
    with pytest.raises(ConfigError, match="max_new_tokens"):
        Settings().updated("decoding", max_new_tokens=0)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_are_valid_and_named(name: str) -> None:
    assert preset(name) == DecodingConfig(**PRESETS[name].model_dump())


def test_decoding_overrides_are_validated() -> None:
    assert PRESETS["balanced"].with_overrides(top_k=40).top_k == 40
    with pytest.raises(ConfigError, match="temperature"):
        PRESETS["balanced"].with_overrides(temperature=-1)
    with pytest.raises(ConfigError, match="unknown decoding preset"):
        preset("nope")


@pytest.mark.parametrize("keys", [["***"], ["short"], ["has space in it"]])
def test_placeholder_or_guessable_api_keys_are_refused(keys: list[str]) -> None:
    from chatkit.config import validate_settings

    with pytest.raises(ConfigError, match=r"serve\.api_keys"):
        validate_settings({"serve": {"api_keys": keys}}, "test")


def test_the_shown_config_never_turns_a_masked_key_into_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatkit.config import validate_settings

    shown = validate_settings({"serve": {"api_keys": ["a-real-key-123"]}}, "test").to_toml()
    assert "a-real-key-123" not in shown
    with pytest.raises(ConfigError, match=r"serve\.api_keys"):
        validate_settings(tomllib.loads(shown), "pasted back")
    monkeypatch.setenv("CHATKIT_API_KEYS", "x,***")
    with pytest.raises(ConfigError, match="CHATKIT_API_KEYS"):
        validate_settings({}, "env").serve.keys()

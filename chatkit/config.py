"""Configuration: one TOML file (``chatkit.toml``) mapped onto typed, validated settings.

Every field has a default that works offline with the bundled model, so no file is needed.
Secrets never live here by default: they come from the environment.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chatkit.decoding import DecodingConfig, describe_validation_error, parse_decoding, preset

CONFIG_ENV = "CHATKIT_CONFIG"
DEFAULT_FILE = "chatkit.toml"
DEFAULT_SYSTEM_PROMPT = "You are a friendly chat partner."


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelSettings(_Section):
    path: str = Field("", description="Directory of a Hugging Face causal LM with a chat template; empty: the bundled model.")
    device: str = Field("auto", pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$", description="auto, cpu, mps, cuda or cuda:N.")
    threads: int = Field(0, ge=0, description="CPU threads for torch; 0 keeps torch's default.")
    max_context_tokens: int = Field(0, ge=0, description="Context window in tokens; 0 uses the model's own limit.")


class ChatSettings(_Section):
    system_prompt: str = Field(DEFAULT_SYSTEM_PROMPT, description="Sent first in every prompt; /system changes it per conversation.")
    max_message_chars: int = Field(8000, ge=1, le=1_000_000, description="Longer user messages are rejected with an error.")
    notes: bool = Field(False, description="Remember what the user said about themselves in turns that left the context window.")


class DecodingSettings(BaseModel):
    """A preset name plus any DecodingConfig field to override it."""

    model_config = ConfigDict(frozen=True, extra="allow")

    preset: str = Field("balanced", description="greedy, balanced or creative.")

    @model_validator(mode="after")
    def _check(self) -> DecodingSettings:
        self.resolve()  # raises ConfigError with the field that is wrong
        return self

    def resolve(self) -> DecodingConfig:
        base = preset(self.preset)
        return parse_decoding({**base.model_dump(), **(self.model_extra or {})}) if self.model_extra else base


class StoreSettings(_Section):
    backend: Literal["sqlite", "memory", "redis"] = Field("sqlite", description="Where conversations live.")
    path: str = Field("", description="SQLite file; empty: conversations.sqlite3 in the user's data directory.")
    url: str = Field("redis://127.0.0.1:6379/0", pattern=r"^(redis|rediss|unix)://", description="Redis server, for backend redis.")
    max_turns: int = Field(0, ge=0, description="Keep only the newest N turns of each conversation; 0 keeps all.")
    ttl_days: float = Field(0.0, ge=0.0, description="Forget conversations idle this many days; 0 never.")
    lock_timeout_s: float = Field(120.0, gt=0.0, description="Redis: a crashed process holds a conversation this long at most.")


class Settings(_Section):
    model: ModelSettings = ModelSettings()
    chat: ChatSettings = ChatSettings()
    decoding: DecodingSettings = DecodingSettings()
    store: StoreSettings = StoreSettings()
    source: str = Field("defaults", exclude=True, description="Where these settings came from.")

    def updated(self, section: str, **values: Any) -> Settings:
        """A copy with fields of one section changed (for command-line overrides), validated."""
        current = getattr(self, section).model_dump()
        data = self.model_dump()
        data[section] = {**current, **values}
        return validate_settings(data, self.source)

    def to_toml(self) -> str:
        lines = [f"# effective configuration ({self.source})"]
        for section, values in self.model_dump().items():
            lines.append(f"\n[{section}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in values.items() if v is not None]
        return "\n".join(lines) + "\n"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, int | float):
        return repr(v)
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def validate_settings(data: dict[str, Any], source: str) -> Settings:
    from chatkit.errors import ConfigError

    try:
        return Settings(**data, source=source)
    except ValidationError as e:
        raise ConfigError(f"{source}: {describe_validation_error(e)}") from None


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Settings from ``path``, else $CHATKIT_CONFIG, else ./chatkit.toml if present, else defaults."""
    from chatkit.errors import ConfigError

    if path is None:
        path = os.environ.get(CONFIG_ENV) or (DEFAULT_FILE if Path(DEFAULT_FILE).is_file() else None)
    if path is None:
        return Settings()
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {file} does not exist; check the path or drop --config") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read config file {file}: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{file} is not valid TOML: {e}") from None
    return validate_settings(data, str(file))

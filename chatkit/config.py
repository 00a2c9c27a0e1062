"""Configuration: one TOML file (``chatkit.toml``) mapped onto typed, validated settings.

Every field has a default that works offline with the bundled model, so no file is needed.
Secrets never live here by default: they come from the environment.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from chatkit.engine.decoding import DecodingConfig, describe_validation_error, parse_decoding, preset
from chatkit.errors import ConfigError

CONFIG_ENV = "CHATKIT_CONFIG"
DEFAULT_FILE = "chatkit.toml"
DEFAULT_SYSTEM_PROMPT = "You are a friendly chat partner."


# never printed by `chatkit config show`; each may come from its environment variable instead
SECRETS = {"token": "TELEGRAM_BOT_TOKEN", "webhook_secret": "TELEGRAM_WEBHOOK_SECRET", "api_keys": "CHATKIT_API_KEYS"}


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelSettings(_Section):
    path: str = Field("smollm2-135m", description="A catalogue name (smollm2-135m, tiny), a .gguf file, or a Hugging Face "
                                                   "model directory with a chat template; empty: the default, smollm2-135m.")
    engine: Literal["auto", "transformers", "llamacpp"] = Field(
        "auto", description="local backend: llamacpp runs a GGUF model (a catalogue GGUF model or a .gguf file) as shipped "
                            "in llama.cpp (pip install 'chatkit[llamacpp]'); transformers runs any model in torch; auto: "
                            "llamacpp for a GGUF model when llama-cpp-python is installed, else transformers.")
    device: str = Field("auto", pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$", description="auto, cpu, mps, cuda or cuda:N.")
    dtype: Literal["auto", "bfloat16", "float32", "float16"] = Field(
        "auto", description="auto: bfloat16 on GPUs and on CPUs with bf16 instructions, float32 elsewhere.")
    threads: int = Field(0, ge=0, description="CPU threads for torch (or llama.cpp); 0: torch's default (all cores for llama.cpp).")
    max_context_tokens: int = Field(2048, ge=0, description="Context window in tokens, at most the model's own; 0: the model's own "
                                                            "limit (8,192 for smollm2-135m: slow on a CPU as a chat grows).")
    max_batch: int = Field(8, ge=1, le=256, description="local backend: replies of different conversations generated together "
                                                     "in one batch; 1: one at a time.")
    batch_wait_ms: float = Field(5.0, ge=0.0, le=1000.0, description="local backend: how long a reply waits for others to "
                                                                     "join its batch.")
    prefix_cache_tokens: int = Field(16384, ge=0, description="local backend: keys and values of recent prompts kept for the "
                                                              "next turn to reuse, in tokens (LRU); 0: off.")
    backend: Literal["local", "openai"] = Field("local", description="local: the model runs here; openai: an OpenAI-compatible "
                                                                      "server (vLLM, llama.cpp, TGI, Ollama, transformers serve).")
    base_url: str = Field("", description="openai backend: the server's API root, e.g. http://127.0.0.1:8001/v1. Key: "
                                          "$CHATKIT_BACKEND_API_KEY.")
    name: str = Field("", description="openai backend: the model id the server serves.")
    tokenizer: str = Field("", description="openai backend: a local copy of the model's tokenizer (catalogue name or directory) "
                                           "for exact token counts; empty: a conservative estimate.")
    vendor_fields: bool = Field(True, description="openai backend: send repetition_penalty, top_k, min_p, typical_p, "
                                                  "min_tokens and DRY as vLLM and llama.cpp take them.")
    timeout_s: float = Field(60.0, gt=0.0, description="openai backend: the longest wait for the server's next bytes.")
    retries: int = Field(3, ge=0, le=20, description="openai backend: retries, with backoff, of 429, 5xx and connection errors.")


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
    lock_ttl_s: float = Field(5.0, ge=1.0, le=600.0, description="Redis, SQLite: a conversation's lock lives this long "
                                                               "unless its holder renews it (every third of it): a killed "
                                                               "process holds it this long at most.")
    lock_wait_s: float = Field(120.0, gt=0.0, description="Redis, SQLite: how long a turn waits for a conversation busy elsewhere.")


class PolicyRule(_Section):
    """One moderation policy: ``[policies.NAME]``. NAME is a built-in policy unless ``use`` names another."""

    use: str = Field("", description="Built-in name, installed entry point, or 'module:attr'; empty: the table's name.")
    enabled: bool = Field(True, description="false turns the policy off.")
    stages: tuple[Literal["input", "output"], ...] = Field(("input", "output"), description="Where it runs.")
    action: Literal["allow", "flag", "redact", "regenerate", "block", "respond"] | None = Field(
        None, description="Overrides its default.")
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="Score at which it acts; empty: its default.")
    fail_open: bool = Field(False, description="Allow (instead of block) when the policy itself fails.")
    timeout_s: float = Field(5.0, gt=0.0, le=300.0, description="A policy with no verdict after this long has failed.")
    options: dict[str, Any] = Field(default_factory=dict, description="Passed to the policy's constructor.")


DEFAULT_RULES: dict[str, dict[str, Any]] = {
    # toxicity's action is per category (its options.actions and options.input_actions); "action" sets them all
    # hazard's action is per category and stage too (options.actions, input_actions, output_actions)
    "hazard": {"stages": ("input", "output")},
    "toxicity": {"stages": ("input", "output")},
    "bias": {"stages": ("input", "output"), "action": "block"},
    "language": {"stages": ("input",), "options": {"allowed": ["en"]}},
    "pii": {"stages": ("output",), "action": "redact"},
    "context": {"stages": ("output",), "action": "regenerate"},
}


class PolicySettings(BaseModel):
    """``[policies]``: general settings, then one ``[policies.NAME]`` table per policy."""

    model_config = ConfigDict(frozen=True, extra="allow")
    __pydantic_extra__: dict[str, PolicyRule] = Field(init=False)  # type: ignore[assignment]

    fail_fast: bool = Field(False, description="Stop checking a text at the first block.")
    max_regenerations: int = Field(2, ge=0, le=10, description="Retries of a reply that a policy asked to regenerate.")
    first_release_chars: int = Field(1, ge=0, le=200, description="A live stream's first piece is checked and shown "
                                     "once it has this many characters (whole words where it has a space), before its "
                                     "sentence ends; the rest of that sentence is checked with it. 0: sentence by sentence.")
    refusal: str = Field("Sorry, I can't help with that message.", description="Answer to a blocked user message.")
    fallback: str = Field("Sorry, I don't have a good answer to that.", description="Sent instead of a blocked reply.")

    @model_validator(mode="before")
    @classmethod
    def _merge_defaults(cls, data: Any) -> Any:
        user = dict(data or {})
        merged: dict[str, Any] = {k: user.pop(k) for k in list(user) if k in cls.model_fields}
        for name, defaults in DEFAULT_RULES.items():  # built-in policies first, then the user's own, in file order
            own = user.pop(name, {})
            merged[name] = ({**defaults, **own, "options": {**defaults.get("options", {}), **own.get("options", {})}}
                            if isinstance(own, dict) else own)
        return {**merged, **user}

    @property
    def rules(self) -> dict[str, PolicyRule]:
        return dict(self.model_extra or {})


class AdapterSettings(_Section):
    """``[adapters]``: LoRA adapters by name; conversations pick one with /adapter or ChatBot.set_adapter."""

    paths: dict[str, str] = Field(default_factory=dict, description="name -> adapter directory ('bundled:NAME' for shipped ones).")
    default: str = Field("chat", description="The adapter a conversation uses unless it picks another; 'base' or empty: the "
                                              "base model. 'chat' (the shipped chat adapter) falls back to the base model "
                                              "where none fits the model (tiny, a remote backend).")
    stack_on: str = Field("chat", description="Load every other adapter on top of this one (its weights added to theirs, "
                                              "exactly) where it is loaded; empty: each adapter alone, as trained.")
    merge: bool = Field(False, description="Merge a single adapter into the base weights: faster, no switching.")
    served: dict[str, str] = Field(default_factory=dict, description="openai backend: adapter name -> the model id the server "
                                                                      "serves it as (vLLM: --lora-modules NAME=PATH).")


class TelegramSettings(_Section):
    """``[telegram]``. The token comes from $TELEGRAM_BOT_TOKEN (``token`` here only if you must)."""

    token: str = Field("", repr=False, description="Bot token; prefer the TELEGRAM_BOT_TOKEN environment variable.")
    api_base: str = Field("", description="Another Bot API server, e.g. http://127.0.0.1:8081; empty: Telegram's.")
    admins: tuple[int, ...] = Field((), description="User ids allowed to run admin commands such as /stats.")
    stream: bool = Field(False, description="Show replies while they are generated (drafts in private chats, edits in groups).")
    edit_interval_s: float = Field(1.0, ge=0.3, description="Least time between two updates of a streamed reply.")
    rate_limit: int = Field(20, ge=1, description="Messages one user may send per rate_window_s; more get a polite notice.")
    rate_window_s: float = Field(60.0, gt=0.0, description="The rate limit's window.")
    max_concurrency: int = Field(16, ge=1, description="Updates handled at once.")
    typing_interval_s: float = Field(4.0, gt=0.5, description="How often the 'typing' action is renewed (it lasts 5 s).")
    unconfirmed_sends: Literal["resend", "drop"] = Field(
        "resend", description="A reply whose connection broke after it was sent may or may not have reached Telegram (the Bot "
                              "API has no idempotency key): resend it (the user may get it twice) or drop it (may get none).")
    webhook_url: str = Field("", description="Public HTTPS URL of the webhook; empty: long polling.")
    webhook_host: str = Field("127.0.0.1", description="Where the webhook server listens.")
    webhook_port: int = Field(8080, ge=1, le=65535)
    webhook_path: str = Field("/telegram", pattern=r"^/")
    webhook_secret: str = Field("", repr=False, description="Checked on every webhook call; prefer $TELEGRAM_WEBHOOK_SECRET.")


MIN_KEY_CHARS = 8  # shorter keys are guessable; and a masked "***" pasted back from `config show` must not become one


class ServeSettings(_Section):
    """``[serve]``: the HTTP API and web page of ``chatkit serve``. Keys come from $CHATKIT_API_KEYS (comma-separated)."""

    host: str = Field("127.0.0.1", description="Where the server listens; 0.0.0.0 for every interface.")
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64, description="Server processes, each with its own model; share a Redis store past 1.")
    api_keys: tuple[Annotated[str, StringConstraints(min_length=MIN_KEY_CHARS, pattern=r"^[^*\s]+$")], ...] = Field(
        (), repr=False, description="Bearer keys (8+ characters, no '*': a masked '***' from `config show` is refused); "
                                    "empty (and $CHATKIT_API_KEYS unset): no auth.")
    rate_limit: int = Field(60, ge=0, description="Requests one key (or one client address) may make per rate_window_s; 0: no limit.")
    rate_window_s: float = Field(60.0, gt=0.0, description="The rate limit's window.")
    trusted_proxies: tuple[str, ...] = Field((), description="Addresses whose X-Forwarded-For is believed (your reverse "
                                                             "proxy's); empty: none, each connection's own address counts.")
    max_body_bytes: int = Field(1_000_000, ge=1024, description="Larger request bodies get 413.")
    cors_origins: tuple[str, ...] = Field((), description="Origins allowed to call the API from a browser; empty: none (CORS off).")
    log_messages: bool = Field(False, description="Put message lengths and conversation ids in the access log (never the text).")
    shutdown_timeout_s: float = Field(30.0, ge=0.0, description="On SIGTERM, streams in progress get this long to finish.")
    moderation_threshold: float = Field(0.5, ge=0.0, le=1.0, description="/v1/moderations: a category score at which "
                                        "the category (and the result) is flagged.")

    def keys(self) -> tuple[str, ...]:
        """The configured keys, else those in $CHATKIT_API_KEYS."""
        if self.api_keys:
            return self.api_keys
        keys = tuple(k.strip() for k in os.environ.get(SECRETS["api_keys"], "").split(",") if k.strip())
        if any(len(k) < MIN_KEY_CHARS or "*" in k for k in keys):
            raise ConfigError(f"${SECRETS['api_keys']}: each key needs at least {MIN_KEY_CHARS} characters and no '*'")
        return keys


class Settings(_Section):
    model: ModelSettings = ModelSettings()
    chat: ChatSettings = ChatSettings()
    decoding: DecodingSettings = DecodingSettings()
    store: StoreSettings = StoreSettings()
    policies: PolicySettings = PolicySettings()
    adapters: AdapterSettings = AdapterSettings()
    telegram: TelegramSettings = TelegramSettings()
    serve: ServeSettings = ServeSettings()
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
            tables = {k: v for k, v in values.items() if isinstance(v, dict) and section in ("policies", "adapters")}
            lines.append(f"\n[{section}]")
            lines += [_toml_line(k, v) for k, v in values.items() if v is not None and k not in tables]
            for name, table in tables.items():
                lines.append(f"\n[{section}.{name}]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in table.items() if v is not None and not isinstance(v, dict)]
                if table.get("options"):
                    lines.append(f"options = {_toml_inline(table['options'])}")
        return "\n".join(lines) + "\n"


def _toml_line(key: str, value: Any) -> str:
    if key not in SECRETS:
        return f"{key} = {_toml_value(value)}"
    masked, empty = ('["***"]', "[]") if isinstance(value, list | tuple) else ('"***"', '""')
    if value:
        return f"{key} = {masked}"
    env = SECRETS[key]
    return f"{key} = {masked}  # from ${env}" if os.environ.get(env) else f"{key} = {empty}  # unset; ${env} is unset too"


def _toml_inline(d: dict[str, Any]) -> str:
    return "{ " + ", ".join(f"{k} = {_toml_inline(v) if isinstance(v, dict) else _toml_value(v)}" for k, v in d.items()) + " }"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, int | float):
        return repr(v)
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def validate_settings(data: dict[str, Any], source: str) -> Settings:
    try:
        return Settings(**data, source=source)
    except ValidationError as e:
        raise ConfigError(f"{source}: {describe_validation_error(e)}") from None


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Settings from ``path``, else $CHATKIT_CONFIG, else ./chatkit.toml if present, else defaults."""
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

"""The composition root: a configuration becomes the parts of a bot, here and nowhere else.

    Settings -> generator (engine/), store (storage/), policies (policies/), notes (turn/notes.py)

``ChatBot.from_config``, the CLI and the HTTP app factory all build through ``parts``; each part's errors name the
config file and say what to fix, and a cheap check (the store, the policies) fails before the slow one (the model).
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chatkit.config import Settings, StoreSettings
from chatkit.engine.base import Generator
from chatkit.engine.llamacpp.generator import LlamaCppGenerator, llama_cpp_available, single_threaded_torch
from chatkit.engine.remote import OpenAIBackend
from chatkit.engine.transformers.generator import TransformersGenerator
from chatkit.errors import ConfigError, ModelLoadError, StoreError
from chatkit.models.resolve import is_gguf
from chatkit.policies.base import PolicySet
from chatkit.policies.errors import PolicyConfigError, PolicyLoadError
from chatkit.policies.registry import build_policy_set
from chatkit.redact import mask_url
from chatkit.storage.base import Retention, Store
from chatkit.storage.memory import MemoryStore
from chatkit.storage.redis import RedisStore
from chatkit.storage.sqlite import SQLiteStore, default_path
from chatkit.turn.notes import DropHook, SelfNotes


def policies_from_settings(settings: Settings, *, load: bool = False) -> PolicySet:
    """The PolicySet that ``[policies]`` describes; a policy that cannot be found or built is a ConfigError.
    With ``load``, the policies' models load now, and one that cannot is a ModelLoadError."""
    config_dir = Path(settings.source).parent.resolve() if Path(settings.source).is_file() else None
    if config_dir is not None and str(config_dir) not in sys.path:
        # `use = "mybot.policies:Shouting"` finds mybot/ next to chatkit.toml, as a user expects; the chatkit
        # command, unlike `python -m`, does not put the working directory on the import path
        sys.path.append(str(config_dir))
    try:
        policies = build_policy_set(settings.policies.rules, fail_fast=settings.policies.fail_fast)
    except PolicyConfigError as e:
        raise ConfigError(f"{settings.source}: {e}") from None
    try:
        if load:
            policies.load()
    except PolicyLoadError as e:
        raise ModelLoadError(f"{e}. Fix its [policies.NAME] options in {settings.source}, or set fail_open = true "
                             "there to run without it") from None
    return policies


@dataclass(frozen=True)
class Parts:
    """What a configured bot is made of; ``ChatBot(**vars(parts))`` puts them together."""

    generator: Generator
    settings: Settings
    store: Store
    policies: PolicySet
    on_drop: DropHook | None


def parts(settings: Settings, *, announce: Callable[[str], None] | None = None) -> Parts:
    """Every part the configuration describes, the cheap checks first: an unreachable store fails in a second and a
    broken policy before the chat model loads."""
    check_store(settings.store)
    if settings.model.backend != "openai" and local_engine(settings) == "llamacpp":
        single_threaded_torch()  # before the policies' models run: see there
    policies = policies_from_settings(settings, load=True)
    generator = build_generator(settings, announce=announce)
    return Parts(generator, settings, open_store(settings.store), policies, SelfNotes() if settings.chat.notes else None)


def build_generator(settings: Settings, *, announce: Callable[[str], None] | None = None) -> Generator:
    """The engine ``[model]`` names: a local one (transformers, or llama.cpp for GGUF models), or a remote
    OpenAI-compatible server. Either way a
    reply that a policy asks to regenerate is retried up to ``policies.max_regenerations`` times."""
    m, a = settings.model, settings.adapters
    if m.backend == "openai":
        return OpenAIBackend.from_settings(settings, announce=announce)
    if local_engine(settings) == "llamacpp":
        if a.merge:
            raise ConfigError(f"{settings.source}: adapters.merge is a transformers engine setting; the llama.cpp engine "
                              "applies adapters per batch. Set merge = false or model.engine = \"transformers\"")
        return LlamaCppGenerator.load(m.path or None, threads=m.threads, max_context_tokens=m.max_context_tokens,
                                      adapters=a.paths, default_adapter=a.default or None, stack_on=a.stack_on or None,
                                      max_batch=m.max_batch, announce=announce)
    return TransformersGenerator.load(m.path or None, device=m.device, dtype=m.dtype, threads=m.threads,
                                      max_context_tokens=m.max_context_tokens, adapters=a.paths,
                                      default_adapter=a.default or None, merge=a.merge, stack_on=a.stack_on or None,
                                      max_batch=m.max_batch, batch_wait_s=m.batch_wait_ms / 1000,
                                      prefix_cache_tokens=m.prefix_cache_tokens, announce=announce)


def local_engine(settings: Settings) -> str:
    """The local engine ``model.engine`` picks: ``auto`` is llamacpp for a GGUF model when llama-cpp-python is
    installed, else transformers."""
    engine = settings.model.engine
    if engine == "auto":
        return "llamacpp" if is_gguf(settings.model.path or None) and llama_cpp_available() else "transformers"
    if engine == "llamacpp" and not is_gguf(settings.model.path or None):
        raise ConfigError(f"{settings.source}: model.engine = \"llamacpp\" runs GGUF models only (a catalogue GGUF model "
                          f"or a .gguf file), not {settings.model.path!r}; set model.engine = \"auto\" or \"transformers\"")
    return engine


def open_store(settings: StoreSettings) -> Store:
    """The store the configuration names."""
    retention = Retention(max_turns=settings.max_turns, ttl_s=settings.ttl_days * 86400)
    if settings.backend == "memory":
        return MemoryStore(retention)
    if settings.backend == "redis":
        return RedisStore(settings.url, retention=retention, lock_ttl_s=settings.lock_ttl_s, lock_wait_s=settings.lock_wait_s)
    return SQLiteStore(settings.path or default_path(), retention=retention, lock_ttl_s=settings.lock_ttl_s,
                       lock_wait_s=settings.lock_wait_s)


def check_store(settings: StoreSettings) -> None:
    """Fail now, with what to do, if the configured store cannot be used (called before a model loads)."""
    if settings.backend == "redis":
        import redis  # the client library, only for this check

        client = redis.Redis.from_url(settings.url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        except redis.RedisError as e:
            raise StoreError(mask_url(f"cannot reach Redis at {settings.url} ({e}); start redis-server or fix store.url")) from None
        finally:
            client.close()
    elif settings.backend == "sqlite":
        path = Path(settings.path or default_path()).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.closing(sqlite3.connect(path, timeout=5)) as db:
                db.execute("PRAGMA schema_version").fetchone()  # reads the header: a file that is not SQLite fails here
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"cannot use {path} as the conversation database ({e}); fix store.path") from None

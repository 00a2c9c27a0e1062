"""Conversation stores: where each conversation's messages and settings live between turns.

Every store implements the same ``Store`` protocol and passes the same contract tests
(tests/chatkit/test_store.py). A user message and its reply are appended in one call, so a
store records both or neither. ``open_store`` builds the configured one: memory, SQLite
(the default) or Redis.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from chatkit.policies.base import Verdict
from chatkit.types import Message, Role

if TYPE_CHECKING:
    from chatkit.config import StoreSettings


@dataclass(frozen=True)
class StoredMessage:
    role: Role
    content: str
    created_at: float = field(default_factory=time.time)
    verdicts: tuple[Verdict, ...] = ()  # the moderation audit trail of this message

    def message(self) -> Message:
        return Message(self.role, self.content)


@dataclass(frozen=True)
class Options:
    """A conversation's own settings; None and empty mean the bot's configured defaults."""

    system_prompt: str | None = None
    adapter: str | None = None
    decoding: Mapping[str, Any] = field(default_factory=dict)  # overrides of DecodingConfig fields

    def as_dict(self) -> dict[str, Any]:
        return {"system_prompt": self.system_prompt, "adapter": self.adapter, "decoding": dict(self.decoding)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Options:
        unknown = set(d) - {"system_prompt", "adapter", "decoding"}
        if unknown:
            raise ValueError(f"unknown conversation options {sorted(unknown)}")
        for name in ("system_prompt", "adapter"):
            if d.get(name) is not None and not isinstance(d[name], str):
                raise ValueError(f"option {name!r} must be a string or null")
        if not isinstance(d.get("decoding", {}), dict):
            raise ValueError("option 'decoding' must be an object")
        return cls(d.get("system_prompt"), d.get("adapter"), dict(d.get("decoding", {})))


@dataclass(frozen=True)
class Conversation:
    key: str
    messages: tuple[StoredMessage, ...] = ()  # the newest ones when loaded with a limit
    options: Options = Options()
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    total: int | None = None  # messages stored, when more than ``messages`` holds

    @property
    def message_count(self) -> int:
        return len(self.messages) if self.total is None else self.total


@dataclass(frozen=True)
class Delivery:
    """A reply owed to someone on a platform: written with its turn, marked delivered once the platform took it.

    ``source`` is the platform's id of the message answered ("telegram:update:123"): a redelivered message is
    recognised by it and never answered twice, and a reply the process died before sending is sent after a restart.
    """

    source: str
    key: str  # the conversation
    target: str  # where the reply goes, in the platform's terms (a chat id)
    text: str
    delivered: bool = False
    created_at: float = field(default_factory=time.time)


DELIVERY_KEEP_S = 2 * 86400  # delivered records older than this are pruned; Telegram redelivers within a day


@dataclass(frozen=True)
class ConversationInfo:
    key: str
    message_count: int
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Retention:
    """How much a store keeps. Zero means no limit."""

    max_turns: int = 0  # keep the newest N user/assistant pairs of each conversation
    ttl_s: float = 0.0  # forget conversations not updated for this long

    def expired(self, updated_at: float, now: float | None = None) -> bool:
        return bool(self.ttl_s) and (now or time.time()) - updated_at > self.ttl_s

    @property
    def max_messages(self) -> int:
        return 2 * self.max_turns


@runtime_checkable
class Store(Protocol):
    async def load(self, key: str, limit: int | None = None) -> Conversation | None:
        """The conversation with its newest ``limit`` messages (all if None), or None if unknown."""
        ...

    async def append(self, key: str, messages: Sequence[StoredMessage], delivery: Delivery | None = None) -> None:
        """Add messages at the end, all or none, with the delivery they owe if any; creates the conversation if needed."""
        ...

    async def delivery(self, source: str) -> Delivery | None:
        """The delivery recorded for this platform message, if its turn was recorded."""
        ...

    async def mark_delivered(self, source: str) -> None:
        """The platform accepted the reply."""
        ...

    async def undelivered(self) -> list[Delivery]:
        """Replies recorded but not yet accepted by their platform, oldest first."""
        ...

    async def set_options(self, key: str, options: Options) -> None:
        """Replace the conversation's own settings; creates the conversation if needed."""
        ...

    async def reset(self, key: str) -> None:
        """Forget the messages; the conversation's options stay."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove the conversation; False if there was none."""
        ...

    async def list(self) -> list[ConversationInfo]:
        """Every conversation, most recently updated first."""
        ...

    async def put(self, conversation: Conversation) -> None:
        """Replace a conversation whole (import)."""
        ...

    async def prune(self) -> int:
        """Delete the conversations the retention policy has expired; returns how many."""
        ...

    def lock(self, key: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Held while a turn runs: serialises turns of one conversation across processes where the store can."""
        ...

    async def close(self) -> None:
        ...


class MemoryStore:
    """Conversations in a dict: fast, and gone when the process ends."""

    def __init__(self, retention: Retention | None = None) -> None:
        self.retention = retention or Retention()
        self._data: dict[str, Conversation] = {}
        self._deliveries: dict[str, Delivery] = {}

    def _live(self, key: str) -> Conversation | None:
        conv = self._data.get(key)
        if conv is not None and self.retention.expired(conv.updated_at):
            del self._data[key]
            return None
        return conv

    async def load(self, key: str, limit: int | None = None) -> Conversation | None:
        conv = self._live(key)
        if conv is None or limit is None or limit >= len(conv.messages):
            return conv
        return replace(conv, messages=conv.messages[len(conv.messages) - limit:] if limit else (), total=len(conv.messages))

    async def append(self, key: str, messages: Sequence[StoredMessage], delivery: Delivery | None = None) -> None:
        conv = self._live(key) or Conversation(key)
        kept = conv.messages + tuple(messages)
        if self.retention.max_turns:
            kept = kept[-self.retention.max_messages:]
        self._data[key] = replace(conv, messages=kept, updated_at=time.time())
        if delivery is not None:
            self._deliveries[delivery.source] = delivery

    async def delivery(self, source: str) -> Delivery | None:
        return self._deliveries.get(source)

    async def mark_delivered(self, source: str) -> None:
        if (d := self._deliveries.get(source)) is not None:
            self._deliveries[source] = replace(d, delivered=True)

    async def undelivered(self) -> list[Delivery]:
        return sorted((d for d in self._deliveries.values() if not d.delivered), key=lambda d: d.created_at)

    async def set_options(self, key: str, options: Options) -> None:
        conv = self._live(key) or Conversation(key)
        self._data[key] = replace(conv, options=options, updated_at=time.time())

    async def reset(self, key: str) -> None:
        if (conv := self._live(key)) is not None:
            self._data[key] = replace(conv, messages=(), updated_at=time.time())

    async def delete(self, key: str) -> bool:
        return self._data.pop(key, None) is not None

    async def list(self) -> list[ConversationInfo]:
        live = [c for k in list(self._data) if (c := self._live(k)) is not None]
        return [ConversationInfo(c.key, len(c.messages), c.created_at, c.updated_at)
                for c in sorted(live, key=lambda c: c.updated_at, reverse=True)]

    async def put(self, conversation: Conversation) -> None:
        self._data[conversation.key] = replace(conversation, total=None)

    async def prune(self) -> int:
        before = len(self._data)
        for key in list(self._data):
            self._live(key)
        old = time.time() - DELIVERY_KEEP_S
        self._deliveries = {s: d for s, d in self._deliveries.items() if not d.delivered or d.created_at > old}
        return before - len(self._data)

    def lock(self, key: str) -> contextlib.AbstractAsyncContextManager[None]:
        return _no_lock()

    async def close(self) -> None:
        pass


@contextlib.asynccontextmanager
async def _no_lock() -> AsyncIterator[None]:
    """In-process stores need no lock of their own: ChatBot already orders turns per conversation."""
    yield


def open_store(settings: StoreSettings) -> Store:
    """The store the configuration names."""
    retention = Retention(max_turns=settings.max_turns, ttl_s=settings.ttl_days * 86400)
    if settings.backend == "memory":
        return MemoryStore(retention)
    if settings.backend == "redis":
        from chatkit.redis_store import RedisStore

        return RedisStore(settings.url, retention=retention, lock_ttl_s=settings.lock_ttl_s, lock_wait_s=settings.lock_wait_s)
    from chatkit.sqlite_store import SQLiteStore, default_path

    return SQLiteStore(settings.path or default_path(), retention=retention, lock_ttl_s=settings.lock_ttl_s,
                       lock_wait_s=settings.lock_wait_s)


def check_store(settings: StoreSettings) -> None:
    """Fail now, with what to do, if the configured store cannot be used (called before a model loads)."""
    from chatkit.errors import StoreError
    from chatkit.redact import mask_url

    if settings.backend == "redis":
        import redis

        client = redis.Redis.from_url(settings.url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        except redis.RedisError as e:
            raise StoreError(mask_url(f"cannot reach Redis at {settings.url} ({e}); start redis-server or fix store.url")) from None
        finally:
            client.close()
    elif settings.backend == "sqlite":
        import sqlite3

        from chatkit.sqlite_store import default_path

        path = Path(settings.path or default_path()).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.closing(sqlite3.connect(path, timeout=5)) as db:
                db.execute("PRAGMA schema_version").fetchone()  # reads the header: a file that is not SQLite fails here
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"cannot use {path} as the conversation database ({e}); fix store.path") from None

"""Conversation stores: where each conversation's messages and settings live between turns.

Every store implements the same ``Store`` protocol and passes the same contract tests
(tests/chatkit/storage/test_contract.py). A user message and its reply are appended in one call, so a
store records both or neither. ``chatkit.build.open_store`` builds the configured one: memory
(``memory.py``), SQLite (the default, ``sqlite.py``) or Redis (``redis.py``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from chatkit.policies.base import Verdict
from chatkit.types import Message, Role


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
    async def load(self, conversation_id: str, limit: int | None = None) -> Conversation | None:
        """The conversation with its newest ``limit`` messages (all if None), or None if unknown."""
        ...

    async def append(self, conversation_id: str, messages: Sequence[StoredMessage], delivery: Delivery | None = None) -> None:
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

    async def set_options(self, conversation_id: str, options: Options) -> None:
        """Replace the conversation's own settings; creates the conversation if needed."""
        ...

    async def reset(self, conversation_id: str) -> None:
        """Forget the messages; the conversation's options stay."""
        ...

    async def delete(self, conversation_id: str) -> bool:
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

    def lock(self, conversation_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Held while a turn runs: serialises turns of one conversation across processes where the store can."""
        ...

    async def close(self) -> None:
        ...


@contextlib.asynccontextmanager
async def no_lock() -> AsyncIterator[None]:
    """In-process stores need no lock of their own: ChatBot already orders turns per conversation."""
    yield

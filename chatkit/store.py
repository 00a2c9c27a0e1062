"""Conversation stores: where each conversation's messages and settings live between turns.

Every store implements the same ``Store`` protocol and passes the same contract tests.
A user message and its reply are appended in one call, so a store records both or neither.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

from chatkit.types import Message, Role
from policies.base import Verdict


@dataclass(frozen=True)
class StoredMessage:
    role: Role
    content: str
    created_at: float = field(default_factory=time.time)
    verdicts: tuple[Verdict, ...] = ()  # the moderation audit trail of this message

    def message(self) -> Message:
        return Message(self.role, self.content)


@dataclass(frozen=True)
class Conversation:
    key: str
    messages: tuple[StoredMessage, ...] = ()
    system_prompt: str | None = None  # None: the configured default
    adapter: str | None = None  # None: the configured default
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)


@runtime_checkable
class Store(Protocol):
    async def load(self, key: str) -> Conversation | None:
        """The conversation, or None if there is none under this key."""
        ...

    async def append(self, key: str, messages: Sequence[StoredMessage]) -> None:
        """Add messages at the end, all or none; creates the conversation if needed."""
        ...

    async def set_options(self, key: str, *, system_prompt: str | None, adapter: str | None) -> None:
        """Replace the conversation's own system prompt and adapter (None: use the defaults)."""
        ...

    async def reset(self, key: str) -> None:
        """Forget the messages; the conversation's options stay."""
        ...

    async def delete(self, key: str) -> None:
        ...

    async def keys(self) -> list[str]:
        ...

    async def close(self) -> None:
        ...


class MemoryStore:
    """Conversations in a dict: fast, and gone when the process ends."""

    def __init__(self) -> None:
        self._data: dict[str, Conversation] = {}

    async def load(self, key: str) -> Conversation | None:
        return self._data.get(key)

    async def append(self, key: str, messages: Sequence[StoredMessage]) -> None:
        conv = self._data.get(key) or Conversation(key)
        self._data[key] = replace(conv, messages=conv.messages + tuple(messages), updated_at=time.time())

    async def set_options(self, key: str, *, system_prompt: str | None, adapter: str | None) -> None:
        conv = self._data.get(key) or Conversation(key)
        self._data[key] = replace(conv, system_prompt=system_prompt, adapter=adapter, updated_at=time.time())

    async def reset(self, key: str) -> None:
        if key in self._data:
            self._data[key] = replace(self._data[key], messages=(), updated_at=time.time())

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def keys(self) -> list[str]:
        return list(self._data)

    async def close(self) -> None:
        pass

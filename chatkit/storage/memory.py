"""MemoryStore: conversations in a dict, for tests, benchmarks and bots that need no memory across restarts."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import replace

from chatkit.storage.base import (
    DELIVERY_KEEP_S,
    Conversation,
    ConversationInfo,
    Delivery,
    Options,
    Retention,
    StoredMessage,
    no_lock,
)


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

    async def load(self, conversation_id: str, limit: int | None = None) -> Conversation | None:
        conv = self._live(conversation_id)
        if conv is None or limit is None or limit >= len(conv.messages):
            return conv
        return replace(conv, messages=conv.messages[len(conv.messages) - limit:] if limit else (), total=len(conv.messages))

    async def append(self, conversation_id: str, messages: Sequence[StoredMessage], delivery: Delivery | None = None) -> None:
        conv = self._live(conversation_id) or Conversation(conversation_id)
        kept = conv.messages + tuple(messages)
        if self.retention.max_turns:
            kept = kept[-self.retention.max_messages:]
        self._data[conversation_id] = replace(conv, messages=kept, updated_at=time.time())
        if delivery is not None:
            self._deliveries[delivery.source] = delivery

    async def delivery(self, source: str) -> Delivery | None:
        return self._deliveries.get(source)

    async def mark_delivered(self, source: str) -> None:
        if (d := self._deliveries.get(source)) is not None:
            self._deliveries[source] = replace(d, delivered=True)

    async def undelivered(self) -> list[Delivery]:
        return sorted((d for d in self._deliveries.values() if not d.delivered), key=lambda d: d.created_at)

    async def set_options(self, conversation_id: str, options: Options) -> None:
        conv = self._live(conversation_id) or Conversation(conversation_id)
        self._data[conversation_id] = replace(conv, options=options, updated_at=time.time())

    async def reset(self, conversation_id: str) -> None:
        if (conv := self._live(conversation_id)) is not None:
            self._data[conversation_id] = replace(conv, messages=(), updated_at=time.time())

    async def delete(self, conversation_id: str) -> bool:
        return self._data.pop(conversation_id, None) is not None

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

    def lock(self, conversation_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        return no_lock()

    async def close(self) -> None:
        pass

"""Exactly-once delivery, in one place: a platform message (an ``Origin``) is answered once.

The reply is recorded as owed to its origin in the same store write as the turn; a redelivered origin gets the
recorded reply back (``finish_reason = "replayed"``), never a second answer; an adapter marks the reply delivered
once the platform confirmed it, and at start-up sends what is still owed (the process died in between).
"""

from __future__ import annotations

import time

from chatkit.storage.base import Delivery, Store
from chatkit.types import Origin, Reply, Timings


class Deliveries:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def replay(self, origin: Origin | None, started: float) -> Reply | None:
        """The reply already recorded for ``origin``, if it was answered before (a redelivered platform message)."""
        if origin is None or (known := await self.store.delivery(origin.source)) is None:
            return None
        return Reply(known.text, finish_reason="replayed", timings=Timings(total_s=time.perf_counter() - started))

    async def answered(self, origin: Origin) -> bool:
        """Whether ``origin``'s reply already reached the platform: then it is not answered, nor sent, again."""
        known = await self.store.delivery(origin.source)
        return known is not None and known.delivered

    @staticmethod
    def owed(origin: Origin | None, conversation_id: str, text: str, now: float) -> Delivery | None:
        """The record that the reply ``text`` is owed to ``origin``; stored with the turn, atomically."""
        return Delivery(origin.source, conversation_id, origin.target, text, created_at=now) if origin is not None else None

    async def delivered(self, origin: Origin | str) -> None:
        await self.store.mark_delivered(origin if isinstance(origin, str) else origin.source)

    async def pending(self, prefix: str = "") -> list[Delivery]:
        """Replies recorded but never confirmed delivered, oldest first (those of sources starting with ``prefix``)."""
        return [d for d in await self.store.undelivered() if d.source.startswith(prefix)]

"""A conversation lock that holds across processes on one SQLite file (``chatkit serve --workers N``).

The same semantics as the Redis store's lock: a lease row per conversation in the database itself, taken in an
immediate transaction, renewed by a heartbeat while its holder works, and free for others once the lease runs out
(a holder that was killed stops beating). Release deletes only the holder's own row.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from chatkit.errors import StoreError

T = TypeVar("T")
Run = Callable[[Callable[[sqlite3.Connection], Any]], Awaitable[Any]]  # runs fn(db) on the store's own thread

TABLE = "CREATE TABLE IF NOT EXISTS conversation_locks (key TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at REAL NOT NULL)"
POLL_S = 0.02


@contextlib.asynccontextmanager
async def lease(run: Run, key: str, *, ttl_s: float = 5.0, wait_s: float = 120.0) -> AsyncIterator[None]:
    """Hold ``key`` for the block; waits up to ``wait_s`` for a holder in another process (StoreError after)."""
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait_s
    while not await run(lambda db: _take(db, key, token, ttl_s)):
        if time.monotonic() > deadline:
            raise StoreError(f"conversation {key!r} stayed busy in another process for {wait_s:.0f} s; try again")
        await asyncio.sleep(POLL_S)
    beat = asyncio.create_task(_heartbeat(run, key, token, ttl_s))
    try:
        yield
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
        await asyncio.shield(run(lambda db: _release(db, key, token)))


def _take(db: sqlite3.Connection, key: str, token: str, ttl_s: float) -> bool:
    db.execute(TABLE)
    now = time.time()
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("DELETE FROM conversation_locks WHERE key = ? AND expires_at < ?", (key, now))
        taken = db.execute("INSERT OR IGNORE INTO conversation_locks (key, token, expires_at) VALUES (?, ?, ?)",
                           (key, token, now + ttl_s)).rowcount == 1
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return taken


async def _heartbeat(run: Run, key: str, token: str, ttl_s: float) -> None:
    while True:  # a holder that stops beating (killed) frees the conversation within ttl_s
        await asyncio.sleep(ttl_s / 3)
        await run(lambda db: db.execute("UPDATE conversation_locks SET expires_at = ? WHERE key = ? AND token = ?",
                                        (time.time() + ttl_s, key, token)))


def _release(db: sqlite3.Connection, key: str, token: str) -> None:
    db.execute("DELETE FROM conversation_locks WHERE key = ? AND token = ?", (key, token))

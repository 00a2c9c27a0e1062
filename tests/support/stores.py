"""Building each kind of store for the contract tests."""

from __future__ import annotations

import uuid
from pathlib import Path

from chatkit import MemoryStore, Retention, Store
from chatkit.storage.sqlite import SQLiteStore


def make_store(kind: str, tmp_path: Path, redis_url: str | None = None, retention: Retention | None = None) -> Store:
    if kind == "memory":
        return MemoryStore(retention)
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "conversations.sqlite3", retention=retention)
    from chatkit.storage.redis import RedisStore

    assert redis_url is not None
    return RedisStore(redis_url, retention=retention, prefix=f"test-{uuid.uuid4().hex}:", lock_ttl_s=5)

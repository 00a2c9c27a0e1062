"""The SQLite store, chatkit's default: one file, WAL mode, each append one transaction.

sqlite3 blocks, so every call runs on one dedicated thread that owns the connection; the
event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from chatkit.errors import StoreError
from chatkit.policies.base import Verdict
from chatkit.storage.base import DELIVERY_KEEP_S, Conversation, ConversationInfo, Delivery, Options, Retention, StoredMessage
from chatkit.storage.sqlite_lock import lease
from chatkit.types import Role

T = TypeVar("T")
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    key TEXT PRIMARY KEY,
    options TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    message_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL REFERENCES conversations(key) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL,
    created_at REAL NOT NULL,
    verdicts TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS deliveries (
    source TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    target TEXT NOT NULL,
    text TEXT NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries(delivered, created_at);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(key, id);
CREATE INDEX IF NOT EXISTS conversations_by_update ON conversations(updated_at);
"""


def default_path() -> Path:
    import platformdirs

    return platformdirs.user_data_path("chatkit") / "conversations.sqlite3"


class SQLiteStore:
    def __init__(self, path: str | Path, *, retention: Retention | None = None, lock_ttl_s: float = 5.0,
                 lock_wait_s: float = 120.0) -> None:
        self.path = Path(path).expanduser()
        self.retention = retention or Retention()
        self.lock_ttl_s, self.lock_wait_s = lock_ttl_s, lock_wait_s  # the cross-process lock (chatkit/sqlite_lock.py)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chatkit-sqlite")
        self._db: sqlite3.Connection | None = None

    # -- plumbing -------------------------------------------------------------------------------
    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._call, fn)

    def _call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return fn(self._connect())
        except (sqlite3.OperationalError, sqlite3.IntegrityError) as e:
            raise StoreError(f"conversation database {self.path}: {e}") from None
        except sqlite3.DatabaseError as e:  # what is left: the file is corrupt or not SQLite at all
            raise StoreError(f"{self.path} is not a usable conversation database ({e}); move it away to start a new one") from None
        except sqlite3.Error as e:
            raise StoreError(f"conversation database {self.path}: {e}") from None

    def _connect(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"cannot open the conversation database {self.path}: {e}; set store.path to a writable file") from None
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")  # a reply the user saw is on disk before the turn ends
        db.execute("PRAGMA foreign_keys=ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer chatkit (schema {version}); upgrade chatkit")
        db.executescript(SCHEMA)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._db = db
        return db

    @staticmethod
    @contextlib.contextmanager
    def _transaction(db: sqlite3.Connection) -> Any:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _expire(self, db: sqlite3.Connection, key: str | None = None) -> int:
        if not self.retention.ttl_s:
            return 0
        cutoff = time.time() - self.retention.ttl_s
        where, args = ("updated_at < ?", [cutoff]) if key is None else ("key = ? AND updated_at < ?", [key, cutoff])
        return db.execute(f"DELETE FROM conversations WHERE {where}", args).rowcount

    # -- the Store protocol ---------------------------------------------------------------------
    async def load(self, conversation_id: str, limit: int | None = None) -> Conversation | None:
        def op(db: sqlite3.Connection) -> Conversation | None:
            self._expire(db, conversation_id)
            row = db.execute("SELECT options, created_at, updated_at, message_count FROM conversations "
                             "WHERE key = ?", (conversation_id,)).fetchone()
            if row is None:
                return None
            rows = db.execute("SELECT role, content, created_at, verdicts FROM messages WHERE key = ? ORDER BY id DESC LIMIT ?",
                              (conversation_id, -1 if limit is None else limit)).fetchall()
            messages = tuple(_message(r) for r in reversed(rows))
            return Conversation(conversation_id, messages, _options(row[0]), row[1], row[2], total=row[3])

        return await self._run(op)

    async def append(self, conversation_id: str, messages: Sequence[StoredMessage], delivery: Delivery | None = None) -> None:
        def op(db: sqlite3.Connection) -> None:
            now = time.time()
            with self._transaction(db):
                self._expire(db, conversation_id)
                db.execute("INSERT INTO conversations (key, created_at, updated_at) VALUES (?, ?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET updated_at = excluded.updated_at", (conversation_id, now, now))
                db.executemany("INSERT INTO messages (key, role, content, created_at, verdicts) VALUES (?, ?, ?, ?, ?)",
                               [(conversation_id, str(m.role), m.content, m.created_at, _verdicts_json(m.verdicts)) for m in messages])
                db.execute("UPDATE conversations SET message_count = message_count + ? WHERE key = ?",
                           (len(messages), conversation_id))
                if delivery is not None:  # in the turn's transaction: recorded with it or not at all
                    d = delivery
                    db.execute("INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?)",
                               (d.source, d.key, d.target, d.text, int(d.delivered), d.created_at))
                if self.retention.max_turns:
                    keep = self.retention.max_messages
                    db.execute("DELETE FROM messages WHERE key = ? AND id NOT IN "
                               "(SELECT id FROM messages WHERE key = ? ORDER BY id DESC LIMIT ?)",
                               (conversation_id, conversation_id, keep))
                    db.execute("UPDATE conversations SET message_count = MIN(message_count, ?) WHERE key = ?", (keep, conversation_id))

        await self._run(op)

    async def set_options(self, conversation_id: str, options: Options) -> None:
        def op(db: sqlite3.Connection) -> None:
            now = time.time()
            db.execute("INSERT INTO conversations (key, options, created_at, updated_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET options = excluded.options, updated_at = excluded.updated_at",
                       (conversation_id, json.dumps(options.as_dict()), now, now))

        await self._run(op)

    async def reset(self, conversation_id: str) -> None:
        def op(db: sqlite3.Connection) -> None:
            with self._transaction(db):
                db.execute("DELETE FROM messages WHERE key = ?", (conversation_id,))
                db.execute("UPDATE conversations SET message_count = 0, updated_at = ? WHERE key = ?", (time.time(), conversation_id))

        await self._run(op)

    async def delete(self, conversation_id: str) -> bool:
        return await self._run(lambda db: db.execute("DELETE FROM conversations WHERE key = ?", (conversation_id,)).rowcount > 0)

    async def list(self) -> list[ConversationInfo]:
        def op(db: sqlite3.Connection) -> list[ConversationInfo]:
            self._expire(db)
            rows = db.execute("SELECT key, message_count, created_at, updated_at FROM conversations ORDER BY updated_at DESC")
            return [ConversationInfo(*r) for r in rows]

        return await self._run(op)

    async def put(self, conversation: Conversation) -> None:
        c = conversation

        def op(db: sqlite3.Connection) -> None:
            with self._transaction(db):
                db.execute("DELETE FROM conversations WHERE key = ?", (c.key,))
                db.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)",
                           (c.key, json.dumps(c.options.as_dict()), c.created_at, c.updated_at, len(c.messages)))
                db.executemany("INSERT INTO messages (key, role, content, created_at, verdicts) VALUES (?, ?, ?, ?, ?)",
                               [(c.key, str(m.role), m.content, m.created_at, _verdicts_json(m.verdicts)) for m in c.messages])

        await self._run(op)

    async def delivery(self, source: str) -> Delivery | None:
        row = await self._run(lambda db: db.execute(f"SELECT {_DELIVERY} FROM deliveries WHERE source = ?", (source,)).fetchone())
        return None if row is None else _delivery(row)

    async def mark_delivered(self, source: str) -> None:
        await self._run(lambda db: db.execute("UPDATE deliveries SET delivered = 1 WHERE source = ?", (source,)))

    async def undelivered(self) -> list[Delivery]:
        rows = await self._run(lambda db: db.execute(f"SELECT {_DELIVERY} FROM deliveries WHERE delivered = 0 "
                                                     "ORDER BY created_at").fetchall())
        return [_delivery(r) for r in rows]

    async def prune(self) -> int:
        def op(db: sqlite3.Connection) -> int:
            db.execute("DELETE FROM deliveries WHERE delivered = 1 AND created_at < ?", (time.time() - DELIVERY_KEEP_S,))
            return self._expire(db)

        return await self._run(op)

    def lock(self, conversation_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Orders one conversation's turns across processes on this file (``--workers N``): a lease row with a heartbeat."""
        return lease(self._run, conversation_id, ttl_s=self.lock_ttl_s, wait_s=self.lock_wait_s)

    async def close(self) -> None:
        def op() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        await asyncio.get_running_loop().run_in_executor(self._executor, op)
        self._executor.shutdown(wait=True)


def _verdicts_json(verdicts: Sequence[Verdict]) -> str:
    return json.dumps([v.as_dict() for v in verdicts], ensure_ascii=False)


def _options(raw: str) -> Options:
    try:
        return Options.from_dict(json.loads(raw))
    except (ValueError, TypeError) as e:
        raise StoreError(f"a stored conversation has unreadable options: {e}") from None


def _message(row: tuple[str, str, float, str]) -> StoredMessage:
    try:
        verdicts = tuple(Verdict.from_dict(v) for v in json.loads(row[3]))
    except (ValueError, KeyError, TypeError) as e:
        raise StoreError(f"a stored message has unreadable moderation verdicts: {e}") from None
    return StoredMessage(Role(row[0]), row[1], row[2], verdicts)


_DELIVERY = "source, key, target, text, delivered, created_at"


def _delivery(row: Sequence[Any]) -> Delivery:
    return Delivery(row[0], row[1], row[2], row[3], bool(row[4]), row[5])

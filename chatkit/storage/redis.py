"""The Redis store: conversations shared by several processes or machines.

Layout under a prefix (default ``chatkit:``): a hash per conversation (options and times), a
list per conversation (messages as JSON), and a sorted set indexing conversations by update
time. An append is one MULTI/EXEC transaction. Turns of one conversation are serialised across
processes by a Redis lock that lives ``lock_ttl_s`` unless renewed; its holder renews it (a
heartbeat every third of that) while it lives, so a killed holder blocks the conversation for
``lock_ttl_s`` at most, however long turns may take.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from chatkit.errors import StoreError
from chatkit.policies.base import Verdict
from chatkit.redact import mask_url
from chatkit.storage.base import DELIVERY_KEEP_S, Conversation, ConversationInfo, Delivery, Options, Retention, StoredMessage
from chatkit.types import Role

log = logging.getLogger(__name__)


class RedisStore:
    def __init__(self, url: str = "redis://127.0.0.1:6379/0", *, retention: Retention | None = None,
                 lock_ttl_s: float = 5.0, lock_wait_s: float = 120.0, prefix: str = "chatkit:") -> None:
        import redis.asyncio as aioredis

        self.url = url
        self.retention = retention or Retention()
        self.lock_ttl_s, self.lock_wait_s = lock_ttl_s, lock_wait_s
        self.prefix = prefix
        self._redis = aioredis.Redis.from_url(url, decode_responses=True)

    def _conv(self, key: str) -> str:
        return f"{self.prefix}conv:{key}"

    def _msgs(self, key: str) -> str:
        return f"{self.prefix}msgs:{key}"

    @property
    def _index(self) -> str:
        return f"{self.prefix}index"

    @contextlib.asynccontextmanager
    async def _errors(self) -> AsyncIterator[None]:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import RedisError

        try:
            yield
        except RedisConnectionError as e:
            raise StoreError(mask_url(f"cannot reach Redis at {self.url} ({e}); start redis-server or fix store.url")) from None
        except RedisError as e:
            raise StoreError(mask_url(f"Redis at {self.url} failed: {e}")) from None

    def _touch(self, pipe: Any, key: str, now: float) -> None:
        pipe.hsetnx(self._conv(key), "created_at", now)
        pipe.hset(self._conv(key), "updated_at", now)
        pipe.zadd(self._index, {key: now})
        if self.retention.ttl_s:
            ttl_ms = max(1, int(self.retention.ttl_s * 1000))
            pipe.pexpire(self._conv(key), ttl_ms)
            pipe.pexpire(self._msgs(key), ttl_ms)

    async def load(self, conversation_id: str, limit: int | None = None) -> Conversation | None:
        async with self._errors():
            pipe = self._redis.pipeline(transaction=True)
            pipe.hgetall(self._conv(conversation_id))
            pipe.lrange(self._msgs(conversation_id), 0 if limit is None else -limit, -1)
            pipe.llen(self._msgs(conversation_id))
            meta, raw, total = await pipe.execute()
        if not meta:
            return None
        messages = tuple(_decode(m) for m in raw) if limit != 0 else ()  # LRANGE -0 means everything
        return Conversation(conversation_id, messages, _options(meta.get("options", "{}")), float(meta["created_at"]),
                            float(meta["updated_at"]), total=int(total))

    async def append(self, conversation_id: str, messages: Sequence[StoredMessage], delivery: Delivery | None = None) -> None:
        async with self._errors():
            pipe = self._redis.pipeline(transaction=True)
            pipe.rpush(self._msgs(conversation_id), *(_encode(m) for m in messages))
            if self.retention.max_turns:
                pipe.ltrim(self._msgs(conversation_id), -self.retention.max_messages, -1)
            self._touch(pipe, conversation_id, time.time())
            if delivery is not None:  # in the turn's MULTI/EXEC: recorded with it or not at all
                d = delivery
                pipe.hset(self._delivery(d.source), mapping={"key": d.key, "target": d.target, "text": d.text,
                                                             "delivered": int(d.delivered), "created_at": d.created_at})
                if not d.delivered:
                    pipe.zadd(self._undelivered, {d.source: d.created_at})
            await pipe.execute()

    def _delivery(self, source: str) -> str:
        return f"{self.prefix}delivery:{source}"

    @property
    def _undelivered(self) -> str:
        return f"{self.prefix}undelivered"

    async def delivery(self, source: str) -> Delivery | None:
        async with self._errors():
            fields = await self._redis.hgetall(self._delivery(source))
        return _delivery(source, fields) if fields else None

    async def mark_delivered(self, source: str) -> None:
        async with self._errors():
            pipe = self._redis.pipeline(transaction=True)
            pipe.hset(self._delivery(source), "delivered", 1)
            pipe.expire(self._delivery(source), DELIVERY_KEEP_S)  # kept as long as a redelivery can come
            pipe.zrem(self._undelivered, source)
            await pipe.execute()

    async def undelivered(self) -> list[Delivery]:
        async with self._errors():
            sources = await self._redis.zrange(self._undelivered, 0, -1)
            pipe = self._redis.pipeline(transaction=False)
            for source in sources:
                pipe.hgetall(self._delivery(source))
            found = await pipe.execute() if sources else []
        return [_delivery(source, fields) for source, fields in zip(sources, found, strict=True) if fields]

    async def set_options(self, conversation_id: str, options: Options) -> None:
        async with self._errors():
            pipe = self._redis.pipeline(transaction=True)
            pipe.hset(self._conv(conversation_id), "options", json.dumps(options.as_dict()))
            self._touch(pipe, conversation_id, time.time())
            await pipe.execute()

    async def reset(self, conversation_id: str) -> None:
        async with self._errors():
            if await self._redis.exists(self._conv(conversation_id)):
                pipe = self._redis.pipeline(transaction=True)
                pipe.delete(self._msgs(conversation_id))
                self._touch(pipe, conversation_id, time.time())
                await pipe.execute()

    async def delete(self, conversation_id: str) -> bool:
        async with self._errors():
            pipe = self._redis.pipeline(transaction=True)
            pipe.delete(self._conv(conversation_id), self._msgs(conversation_id))
            pipe.zrem(self._index, conversation_id)
            removed, _ = await pipe.execute()
        return bool(removed)

    async def list(self) -> list[ConversationInfo]:
        await self.prune()
        async with self._errors():
            keys = await self._redis.zrevrange(self._index, 0, -1)
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                pipe.hmget(self._conv(key), "created_at", "updated_at")
                pipe.llen(self._msgs(key))
            replies = await pipe.execute()
        return [ConversationInfo(key, int(count), float(created), float(updated))
                for key, (created, updated), count in zip(keys, replies[::2], replies[1::2], strict=True) if created]

    async def put(self, conversation: Conversation) -> None:
        c = conversation
        async with self._errors():
            pipe = self._redis.pipeline(transaction=True)
            pipe.delete(self._conv(c.key), self._msgs(c.key))
            pipe.hset(self._conv(c.key), mapping={"options": json.dumps(c.options.as_dict()), "created_at": c.created_at,
                                                  "updated_at": c.updated_at})
            if c.messages:
                pipe.rpush(self._msgs(c.key), *(_encode(m) for m in c.messages))
            pipe.zadd(self._index, {c.key: c.updated_at})
            await pipe.execute()

    async def prune(self) -> int:
        """Drop index entries of conversations Redis has expired (its own TTL does the deleting)."""
        async with self._errors():
            keys = await self._redis.zrange(self._index, 0, -1)
            if not keys:
                return 0
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                pipe.exists(self._conv(key))
            gone = [k for k, alive in zip(keys, await pipe.execute(), strict=True) if not alive]
            if gone:
                await self._redis.zrem(self._index, *gone)
        return len(gone)

    @contextlib.asynccontextmanager
    async def lock(self, conversation_id: str) -> AsyncIterator[None]:
        from redis.exceptions import LockError

        lock = self._redis.lock(f"{self.prefix}lock:{conversation_id}", timeout=self.lock_ttl_s, sleep=0.02,
                                blocking_timeout=self.lock_wait_s, thread_local=False)
        async with self._errors():
            try:
                acquired = await lock.acquire()
            except LockError as e:
                raise StoreError(f"conversation {conversation_id!r} is locked: {e}") from None
        if not acquired:
            raise StoreError(f"conversation {conversation_id!r} stayed busy in another process for {self.lock_wait_s:.0f} s; "
                             "try again")
        renew = asyncio.create_task(self._renew(lock))
        try:
            yield
        finally:
            renew.cancel()
            with contextlib.suppress(LockError):  # it expired while we worked: nothing left to release
                await lock.release()

    async def _renew(self, lock: Any) -> None:
        while True:  # the heartbeat: a holder that stops beating (killed) frees the conversation within lock_ttl_s
            await asyncio.sleep(self.lock_ttl_s / 3)
            await lock.reacquire()

    async def close(self) -> None:
        await self._redis.aclose()


def _options(raw: str) -> Options:
    try:
        return Options.from_dict(json.loads(raw))
    except (ValueError, TypeError) as e:
        raise StoreError(f"a conversation in Redis has unreadable options: {e}") from None


def _encode(m: StoredMessage) -> str:
    return json.dumps({"role": str(m.role), "content": m.content, "created_at": m.created_at,
                       "verdicts": [v.as_dict() for v in m.verdicts]}, ensure_ascii=False)


def _decode(raw: str) -> StoredMessage:
    try:
        d = json.loads(raw)
        return StoredMessage(Role(d["role"]), d["content"], float(d["created_at"]),
                             tuple(Verdict.from_dict(v) for v in d.get("verdicts", [])))
    except (ValueError, KeyError, TypeError) as e:
        raise StoreError(f"a message in Redis is unreadable: {e}") from None


def _delivery(source: str, fields: dict[str, str]) -> Delivery:
    return Delivery(source, fields["key"], fields["target"], fields["text"], fields.get("delivered") == "1",
                    float(fields["created_at"]))

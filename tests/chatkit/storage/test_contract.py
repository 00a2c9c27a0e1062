"""One contract for every store: memory, SQLite (a real file) and Redis (a real server)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from stores import make_store

from chatkit import Conversation, Options, Retention, Role, Store, StoredMessage, StoreError
from chatkit.policies.base import Action, Verdict
from chatkit.storage.sqlite import SQLiteStore
from chatkit.storage.transfer import export_conversations, import_conversations


def pair(i: int, verdict: bool = False) -> list[StoredMessage]:
    verdicts = (Verdict("pii", Action.REDACT, 0.75, "email", "[EMAIL]"),) if verdict else ()
    return [StoredMessage(Role.USER, f"user {i}", 1000.0 + i, verdicts), StoredMessage(Role.ASSISTANT, f"bot {i}", 1000.5 + i)]


async def test_append_and_load_round_trip(store: Store) -> None:
    assert await store.load("a") is None
    await store.append("a", pair(0, verdict=True))
    await store.append("a", pair(1))
    conv = await store.load("a")
    assert conv is not None and conv.message_count == 4
    assert [m.content for m in conv.messages] == ["user 0", "bot 0", "user 1", "bot 1"]
    assert conv.messages[0] == pair(0, verdict=True)[0]
    assert conv.messages[0].verdicts[0].action == Action.REDACT


async def test_load_with_a_limit_returns_the_newest_and_the_total(store: Store) -> None:
    for i in range(5):
        await store.append("a", pair(i))
    conv = await store.load("a", limit=3)
    assert conv is not None
    assert [m.content for m in conv.messages] == ["bot 3", "user 4", "bot 4"]
    assert conv.message_count == 10
    empty = await store.load("a", limit=0)
    assert empty is not None and empty.messages == () and empty.message_count == 10


async def test_options_reset_and_delete(store: Store) -> None:
    await store.set_options("a", Options("Be a pirate.", "pirate", {"temperature": 0.2}))
    await store.append("a", pair(0))
    await store.reset("a")
    conv = await store.load("a")
    assert conv is not None and conv.messages == () and conv.message_count == 0
    assert conv.options == Options("Be a pirate.", "pirate", {"temperature": 0.2})
    await store.set_options("a", Options())
    conv = await store.load("a")
    assert conv is not None and conv.options == Options()
    assert await store.delete("a") is True
    assert await store.delete("a") is False
    assert await store.load("a") is None


async def test_list_is_newest_first_with_counts(store: Store) -> None:
    await store.append("old", pair(0))
    await asyncio.sleep(0.01)
    await store.append("new", pair(0) + pair(1))
    infos = await store.list()
    assert [(i.key, i.message_count) for i in infos] == [("new", 4), ("old", 2)]
    assert infos[0].updated_at >= infos[1].updated_at


@pytest.mark.parametrize("content", ["emoji 🙂 and ünïcödé", "line\nbreaks\tand tabs", "x" * 100_000, "'; DROP TABLE messages; --"])
async def test_any_text_survives(store: Store, content: str) -> None:
    await store.append("k", [StoredMessage(Role.USER, content, 1.0)])
    conv = await store.load("k")
    assert conv is not None and conv.messages[0].content == content


async def test_concurrent_appends_keep_pairs_together(store: Store) -> None:
    await asyncio.gather(*(store.append("busy", pair(i)) for i in range(40)))
    conv = await store.load("busy")
    assert conv is not None and conv.message_count == 80
    for user, bot in zip(conv.messages[::2], conv.messages[1::2], strict=True):
        assert user.content.replace("user", "bot") == bot.content


async def test_export_import_round_trip(store: Store, store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    await store.set_options("a", Options(system_prompt="Be kind.", decoding={"top_k": 5}))
    await store.append("a", pair(0, verdict=True))
    await store.append("b", pair(1))
    exported = await export_conversations(store)
    target = make_store(store_kind, tmp_path / "copy", request.getfixturevalue("redis_url") if store_kind == "redis" else None)
    (tmp_path / "copy").mkdir(exist_ok=True)
    try:
        assert await import_conversations(target, exported) == 2
        assert await export_conversations(target) == exported
        for key in ("a", "b"):
            assert await target.load(key) == await store.load(key)
    finally:
        await target.close()


async def test_put_replaces_a_conversation_whole(store: Store) -> None:
    await store.append("a", pair(0) + pair(1))
    await store.put(Conversation("a", tuple(pair(7)), Options("new prompt"), 5.0, 6.0))
    conv = await store.load("a")
    assert conv is not None and [m.content for m in conv.messages] == ["user 7", "bot 7"]
    assert conv.options.system_prompt == "new prompt" and conv.message_count == 2


async def test_retention_keeps_the_newest_turns(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("redis_url") if store_kind == "redis" else None
    store = make_store(store_kind, tmp_path, url, Retention(max_turns=2))
    try:
        for i in range(5):
            await store.append("a", pair(i))
        conv = await store.load("a")
        assert conv is not None and [m.content for m in conv.messages] == ["user 3", "bot 3", "user 4", "bot 4"]
        assert conv.message_count == 4
    finally:
        await store.close()


async def test_retention_forgets_idle_conversations(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("redis_url") if store_kind == "redis" else None
    store = make_store(store_kind, tmp_path, url, Retention(ttl_s=0.3))
    try:
        await store.append("idle", pair(0))
        await asyncio.sleep(0.45)
        await store.append("fresh", pair(1))
        assert await store.load("idle") is None
        assert [i.key for i in await store.list()] == ["fresh"]
        await store.prune()
        assert await store.load("fresh") is not None
    finally:
        await store.close()


# -- SQLite specifics ---------------------------------------------------------------------------

async def test_sqlite_persists_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    first = SQLiteStore(path)
    await first.append("a", pair(0))
    await first.close()
    second = SQLiteStore(path)
    conv = await second.load("a")
    await second.close()
    assert conv is not None and len(conv.messages) == 2
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_sqlite_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    store = SQLiteStore(path)
    with pytest.raises(StoreError, match="not a usable conversation database"):
        await store.load("a")
    await store.close()
    assert path.read_bytes() == b"this is not sqlite" * 100, "the file is left as it was"


async def test_sqlite_reports_an_unwritable_location(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = SQLiteStore(blocker / "sub" / "c.sqlite3")
    with pytest.raises(StoreError, match="cannot open"):
        await store.append("a", pair(0))
    await store.close()


async def test_redis_that_is_not_there_gives_a_clear_error() -> None:
    from chatkit.storage.redis import RedisStore

    store = RedisStore("redis://127.0.0.1:1/0")
    with pytest.raises(StoreError, match="cannot reach Redis"):
        await store.load("a")
    await store.close()


async def test_a_delivery_is_recorded_with_its_turn_and_kept_until_delivered(store: Store) -> None:
    from chatkit.storage.base import Delivery

    assert await store.delivery("tg:1") is None and await store.undelivered() == []
    await store.append("a", pair(0), Delivery("tg:1", "a", "42", "bot 0", created_at=1.0))
    await store.append("b", pair(1), Delivery("tg:2", "b", "43", "bot 1", created_at=2.0))
    await store.append("a", pair(2))  # a turn that owes nothing (the console)
    assert [(d.source, d.key, d.target, d.text, d.delivered) for d in await store.undelivered()] == \
        [("tg:1", "a", "42", "bot 0", False), ("tg:2", "b", "43", "bot 1", False)]
    await store.mark_delivered("tg:1")
    assert [d.source for d in await store.undelivered()] == ["tg:2"]
    delivered = await store.delivery("tg:1")
    assert delivered is not None and delivered.delivered and delivered.text == "bot 0"
    await store.reset("a")  # forgetting the conversation does not forget what was already answered
    assert await store.delivery("tg:1") is not None
    await store.mark_delivered("unknown")  # nothing to mark: no error

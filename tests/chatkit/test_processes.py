"""Conversations across processes: killed writers, restarts, and two processes on one conversation."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from fakes import CountingGenerator

from chatkit import ChatBot, Role, Settings
from chatkit.storage.redis import RedisStore
from chatkit.storage.sqlite import SQLiteStore

TESTS = Path(__file__).resolve().parents[1] / "support"
ENV = {**os.environ, "PYTHONPATH": str(TESTS)}  # the test helpers; chatkit itself is the installed package


def _python(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, text=True, env=ENV)


CHATTER = """
import asyncio, sys
from fakes import CountingGenerator
from chatkit import ChatBot
from chatkit.storage.sqlite import SQLiteStore

async def main():
    bot = ChatBot(CountingGenerator(), store=SQLiteStore(sys.argv[1] if len(sys.argv) > 1 else {path!r}))
    for i in range(100000):
        await bot.reply("c", f"message {{i}}")
        print(i, flush=True)

asyncio.run(main())
"""


@pytest.mark.parametrize("attempt", range(3))
async def test_a_killed_process_leaves_every_completed_turn_and_no_half_turn(tmp_path: Path, attempt: int) -> None:
    path = tmp_path / "c.sqlite3"
    proc = _python(CHATTER.format(path=str(path)))
    assert proc.stdout is not None
    done = -1
    for _ in range(20 + attempt * 15):  # let it finish a number of turns, then kill it mid-stride
        done = int(proc.stdout.readline())
    time.sleep(random.Random(attempt).uniform(0.0, 0.05))
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = SQLiteStore(path)
    conv = await store.load("c")
    await store.close()
    assert conv is not None
    turns = len(conv.messages) // 2
    assert len(conv.messages) % 2 == 0 and conv.message_count == len(conv.messages), "no half-written turn"
    assert turns >= done + 1, "every turn the process reported is there"
    for i in range(turns):
        user, bot = conv.messages[2 * i], conv.messages[2 * i + 1]
        assert (user.role, user.content) == (Role.USER, f"message {i}")
        assert (bot.role, bot.content) == (Role.ASSISTANT, f"saw {2 * i + 1}")


async def test_a_conversation_continues_after_a_restart(generator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.sqlite3"
    first = ChatBot(generator, store=SQLiteStore(path), settings=Settings(decoding={"preset": "greedy", "max_new_tokens": 12}))
    one = await first.reply("c", "hi, i am sam")
    await first.store.close()
    second = ChatBot(generator, store=SQLiteStore(path), settings=Settings(decoding={"preset": "greedy", "max_new_tokens": 12}))
    two = await second.reply("c", "what did i say?")
    history = await second.history("c")
    await second.store.close()
    assert [m.content for m in history] == ["hi, i am sam", one.text, "what did i say?", two.text]
    assert two.usage.prompt_tokens > one.usage.prompt_tokens + one.usage.completion_tokens


REDIS_CHATTER = """
import asyncio, sys
from fakes import CountingGenerator
from chatkit import ChatBot
from chatkit.storage.redis import RedisStore

async def main():
    bot = ChatBot(CountingGenerator(delay=0.02), store=RedisStore({url!r}, prefix={prefix!r}, lock_ttl_s=5))
    for i in range(8):
        await bot.reply("shared", f"{{sys.argv[1]}} {{i}}")
    await bot.aclose()

asyncio.run(main())
"""


async def test_two_processes_take_turns_on_one_redis_conversation(redis_url: str) -> None:
    prefix = f"procs-{time.time_ns()}:"
    code = REDIS_CHATTER.format(url=redis_url, prefix=prefix)
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), name], env=ENV) for name in ("a", "b")]
    for p in procs:
        assert p.wait(60) == 0
    store = RedisStore(redis_url, prefix=prefix)
    conv = await store.load("shared")
    await store.close()
    assert conv is not None and len(conv.messages) == 32
    # Each reply saw every message before it: no two turns overlapped, across processes.
    assert [m.content for m in conv.messages[1::2]] == [f"saw {2 * i + 1}" for i in range(16)]
    for name in ("a", "b"):
        assert [m.content for m in conv.messages[::2] if m.content.startswith(name)] == [f"{name} {i}" for i in range(8)]


async def test_turns_in_one_process_are_ordered_on_every_store(store) -> None:  # type: ignore[no-untyped-def]
    bot = ChatBot(CountingGenerator(delay=0.005), store=store)
    await asyncio.gather(*(bot.reply("c", f"m {i}") for i in range(12)))
    conv = await store.load("c")
    assert conv is not None
    assert [m.content for m in conv.messages[1::2]] == [f"saw {2 * i + 1}" for i in range(12)]


async def test_a_crashed_lock_holder_blocks_only_until_the_timeout(redis_url: str) -> None:
    prefix = f"lock-{time.time_ns()}:"
    crashed = RedisStore(redis_url, prefix=prefix, lock_ttl_s=1.0)
    lock = crashed._redis.lock(f"{prefix}lock:c", timeout=1.0)  # taken and never released: its holder "died"
    assert await lock.acquire()
    bot = ChatBot(CountingGenerator(), store=RedisStore(redis_url, prefix=prefix, lock_ttl_s=1.0))
    start = time.monotonic()
    reply = await asyncio.wait_for(bot.reply("c", "hello"), timeout=5)
    assert reply.text == "saw 1" and 0.5 < time.monotonic() - start < 3
    await bot.aclose()
    await crashed.close()

"""SQLite's conversation lock holds across processes: two stores on one file (as two workers have) take turns."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from chatkit.errors import StoreError
from chatkit.storage.sqlite import SQLiteStore


async def test_a_second_store_on_the_same_file_waits_for_the_holder(tmp_path: Path) -> None:
    a, b = SQLiteStore(tmp_path / "c.sqlite3"), SQLiteStore(tmp_path / "c.sqlite3")
    order: list[str] = []
    holding, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with a.lock("k"):
            order.append("a in")
            holding.set()
            await release.wait()
            order.append("a out")

    async def second() -> None:
        await holding.wait()
        async with b.lock("k"):
            order.append("b in")

    async def other_key() -> None:
        await holding.wait()
        async with b.lock("other"):  # another conversation is not held up
            order.append("other")
        release.set()

    await asyncio.gather(first(), second(), other_key())
    assert order == ["a in", "other", "a out", "b in"]
    await a.close()
    await b.close()


async def test_a_holder_that_waits_too_long_gets_a_store_error(tmp_path: Path) -> None:
    a = SQLiteStore(tmp_path / "c.sqlite3")
    b = SQLiteStore(tmp_path / "c.sqlite3", lock_wait_s=0.2)
    async with a.lock("k"):
        with pytest.raises(StoreError, match="busy in another process"):
            async with b.lock("k"):
                pass
    async with b.lock("k"):  # released: free again
        pass
    await a.close()
    await b.close()


HOLD = """
import asyncio, sys
from chatkit.storage.sqlite import SQLiteStore

async def main():
    store = SQLiteStore(sys.argv[1], lock_ttl_s=1.0)
    async with store.lock("k"):
        print("held", flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


@pytest.mark.slow
async def test_a_killed_holder_frees_the_conversation_when_its_lease_ends(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        waiting = SQLiteStore(path, lock_wait_s=0.3)
        with pytest.raises(StoreError):  # alive and beating: held
            async with waiting.lock("k"):
                pass
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        patient = SQLiteStore(path, lock_wait_s=60)
        async with patient.lock("k"):  # the lease (1 s) runs out without its heartbeat
            pass
    finally:
        proc.kill()
        proc.wait()
    await waiting.close()
    await patient.close()

"""``chatkit serve`` as a user runs it: a real process, stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from http_server import call, sse_events

from chatkit.testing import free_port, wait_until_serving

CONFIG = """
[model]
path = "tiny"
[store]
path = "{store}"
[decoding]
preset = "greedy"
max_new_tokens = 300
min_new_tokens = 300
[policies.toxicity]
enabled = false
[policies.bias]
enabled = false
[policies.language]
enabled = false
[policies.context]
enabled = false
[policies.hazard]
enabled = false
[serve]
port = {port}
"""


def start(tmp_path: Path, *args: str, config: Path | None = None, port: int | None = None) -> tuple[subprocess.Popen[str], str]:
    """``chatkit serve`` on the default test config, or on ``config`` (which serves on ``port``)."""
    if config is None:
        port = free_port()
        config = tmp_path / "chatkit.toml"
        config.write_text(CONFIG.format(store=tmp_path / "conv.sqlite3", port=port))
    proc = subprocess.Popen([sys.executable, "-m", "chatkit.cli", "serve", "--config", str(config), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    if wait_until_serving(f"{url}/healthz", proc, 120):
        return proc, url
    proc.kill()
    raise AssertionError(f"chatkit serve did not start:\n{proc.communicate()[0]}")


@pytest.mark.slow
def test_sigterm_lets_a_stream_in_progress_finish(tmp_path: Path) -> None:
    proc, url = start(tmp_path)
    request = urllib.request.Request(f"{url}/v1/conversations/t/messages?stream=true", method="POST",
                                     data=json.dumps({"content": "tell me a long story"}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        first = response.readline()
        assert first.startswith(b"event: delta")
        proc.send_signal(signal.SIGTERM)  # mid-stream
        rest = response.read().decode()
    events = sse_events(first.decode() + rest)
    assert events[-1][0] == "reply" and events[-1][1]["usage"]["completion_tokens"] >= 300
    output = proc.communicate(timeout=60)[0]
    assert proc.returncode in (0, -signal.SIGTERM), output  # uvicorn re-raises the signal once it has shut down cleanly
    assert "Finished server process" in output and "Traceback" not in output


@pytest.mark.slow
def test_several_workers_share_one_store(tmp_path: Path) -> None:
    proc, url = start(tmp_path, "--workers", "2", "--model", "tiny")
    try:
        for i in range(4):
            status, _, reply = call("POST", f"{url}/v1/conversations/w/messages", {"content": f"message {i}"})
            assert status == 200 and reply["text"]
        _, _, conv = call("GET", f"{url}/v1/conversations/w")
        assert [m["content"] for m in conv["messages"] if m["role"] == "user"] == [f"message {i}" for i in range(4)]
        output = ""
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=60)[0]
    assert output.count("Started server process") == 2


@pytest.mark.slow
async def test_three_workers_on_redis_lose_nothing_when_one_is_killed_mid_stream(tmp_path: Path, redis_url: str) -> None:
    import asyncio
    import uuid

    import aiohttp

    run = uuid.uuid4().hex[:8]
    port = free_port()
    config = tmp_path / "chatkit.toml"
    config.write_text(CONFIG.format(store="", port=port).replace('path = ""', f'backend = "redis"\nurl = "{redis_url}"')
                      .replace('path = "tiny"', 'path = "tiny"\nmax_batch = 2')
                      .replace("[serve]\n", "[serve]\nrate_limit = 0\n"))  # 90 requests from one address: not a rate-limit test
    proc, url = start(tmp_path, "--workers", "3", config=config, port=port)
    try:
        workers = [int(p) for p in subprocess.run(["pgrep", "-f", "-P", str(proc.pid), "spawn_main"], capture_output=True,
                                                   text=True).stdout.split()]
        assert len(workers) == 3

        async def turn(session: aiohttp.ClientSession, cid: str) -> str:
            try:
                async with session.post(f"{url}/v1/conversations/{cid}/messages?stream=true",
                                        json={"content": "tell me a long story"}) as r:
                    return "done" if "event: reply" in await r.text() else "cut"
            except aiohttp.ClientError:
                return "cut"

        ids = [f"{run}-{i}" for i in range(18)]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
            turns = [asyncio.create_task(turn(session, cid)) for cid in ids]
            await asyncio.sleep(0.5)
            before = {pid: _cpu_ticks(pid) for pid in workers}
            await asyncio.sleep(0.5)  # every stream has started; the busiest worker is mid-reply
            busiest = max(workers, key=lambda pid: _cpu_ticks(pid) - before[pid])
            os.kill(busiest, signal.SIGKILL)
            outcomes = await asyncio.gather(*turns)
            assert "cut" in outcomes  # the kill hit streams in progress (one worker may have accepted them all)
            for cid, outcome in zip(ids, outcomes, strict=True):
                _, _, conv = await asyncio.to_thread(call, "GET", f"{url}/v1/conversations/{cid}")
                recorded = conv["messages"] if isinstance(conv, dict) and "messages" in conv else []
                assert len(recorded) == (2 if outcome == "done" else 0), (cid, outcome, recorded)  # never half a turn
            # every conversation is usable again: changing options takes its lock, and a lock the killed worker held
            # is free after store.lock_ttl_s (5 s), not after the 120 s a turn may wait
            t0 = time.monotonic()
            short = {"decoding": {"min_new_tokens": 0, "max_new_tokens": 8}}
            changed = await asyncio.gather(*(asyncio.to_thread(call, "PUT", f"{url}/v1/conversations/{cid}/options", short,
                                                               timeout=120) for cid in ids))
            assert [status for status, _, _ in changed] == [200] * len(ids) and time.monotonic() - t0 < 15
            again = await asyncio.gather(*(asyncio.to_thread(call, "POST", f"{url}/v1/conversations/{cid}/messages",
                                                             {"content": "and then?"}, timeout=120) for cid in ids))
            assert [status for status, _, _ in again] == [200] * len(ids)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime

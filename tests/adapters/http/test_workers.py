"""``chatkit serve --workers 2`` on one SQLite file: what must hold across worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from http_server import call

from chatkit.testing import free_port, wait_until_serving

CONFIG = """
[model]
path = "tiny"
[store]
path = "{store}"
[decoding]
preset = "greedy"
max_new_tokens = 6
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
[policies.pii]
enabled = false
[serve]
port = {port}
{serve}
"""


PIDS: dict[str, int] = {}  # each server's process, by its URL


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[object]:
    procs: list[subprocess.Popen[str]] = []

    def start(serve: str = "", n: int = 2) -> str:
        port = free_port()
        config = tmp_path / f"chatkit-{port}.toml"
        config.write_text(CONFIG.format(store=tmp_path / "conv.sqlite3", port=port, serve=serve))
        proc = subprocess.Popen([sys.executable, "-m", "chatkit.cli", "serve", "--config", str(config), "--workers", str(n)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        PIDS[url] = proc.pid
        if not wait_until_serving(f"{url}/healthz", proc, 180):
            proc.kill()
            raise AssertionError(f"chatkit serve did not start:\n{proc.communicate()[0]}")
        return url

    yield start
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
def test_concurrent_turns_of_one_conversation_each_see_the_turn_before(workers: object) -> None:
    url = workers()  # type: ignore[operator]
    turns = 12

    def turn(_: int) -> int:
        status, _, reply = call("POST", f"{url}/v1/conversations/same/messages", {"content": "and then?"}, timeout=180)
        assert status == 200, reply
        return int(reply["usage"]["prompt_tokens"])

    with ThreadPoolExecutor(turns) as pool:
        prompts = sorted(pool.map(turn, range(turns)))
    # in order, each turn's prompt holds every turn stored before it: no two turns saw the same history
    assert len(set(prompts)) == turns, prompts
    _, _, conv = call("GET", f"{url}/v1/conversations/same")
    assert conv["total_messages"] == 2 * turns
    assert [m["role"] for m in conv["messages"]] == ["user", "assistant"] * turns


def _models(url: str, headers: dict[str, str] | None = None) -> int:
    return call("GET", f"{url}/v1/models", headers=headers)[0]


@pytest.mark.slow
def test_a_forwarded_for_header_from_an_untrusted_peer_gets_no_fresh_bucket(workers: object) -> None:
    url = workers("rate_limit = 5", n=1)  # type: ignore[operator]
    statuses = [_models(url, {"X-Forwarded-For": f"10.0.0.{i}"}) for i in range(12)]
    assert statuses.count(200) == 5 and statuses.count(429) == 7


@pytest.mark.slow
def test_a_stream_still_running_at_the_end_of_the_shutdown_grace_is_told_so(workers: object) -> None:
    import http.client
    import json
    import urllib.request

    from http_server import sse_events

    url = workers("shutdown_timeout_s = 1", n=1)  # type: ignore[operator]
    assert call("PUT", f"{url}/v1/conversations/long/options",
                {"decoding": {"min_new_tokens": 450, "max_new_tokens": 450}})[0] == 200
    request = urllib.request.Request(f"{url}/v1/conversations/long/messages?stream=true", method="POST",
                                     data=json.dumps({"content": "tell me a long story"}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        first = response.readline()
        assert first.startswith(b"event: delta")
        os.kill(PIDS[url], signal.SIGTERM)  # mid-stream, far from its 450 tokens
        try:
            rest = response.read().decode()
        except http.client.IncompleteRead as e:  # the server cut the stream off
            rest = e.partial.decode()
    events = sse_events(first.decode() + rest)
    assert events[-1][0] == "error", events[-3:]
    assert events[-1][1]["error"]["code"] == "server_shutting_down"

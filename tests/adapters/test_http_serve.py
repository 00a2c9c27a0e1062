"""``chatkit serve`` as a user runs it: a real process, stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from http_server import call, sse_events

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
[serve]
port = {port}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    config = tmp_path / "chatkit.toml"
    config.write_text(CONFIG.format(store=tmp_path / "conv.sqlite3", port=port))
    proc = subprocess.Popen([sys.executable, "-m", "chatkit.cli", "serve", "--config", str(config), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if call("GET", f"{url}/healthz", timeout=2)[0] == 200:
                return proc, url
        except OSError:
            time.sleep(0.2)
        if proc.poll() is not None:
            break
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

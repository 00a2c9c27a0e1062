"""A real uvicorn server on 127.0.0.1 (a free port) in a background thread, for tests that speak HTTP to chatkit."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from chatkit import Settings


@contextmanager
def serving(app: Any, **config: Any) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", **config))
    thread = threading.Thread(target=server.run, name="test-http-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test HTTP server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


BLOCKED_WORD = "grimblewort"  # what the test servers' blocklist policy refuses, in input and output


def http_settings(**serve: object) -> Settings:
    """Settings for a test server: a SQLite store, one blocklist policy (the built-in models are slow to load and
    tested elsewhere), and ``[serve]`` as given."""
    from chatkit.config import validate_settings

    off = {"enabled": False}
    return validate_settings({"policies": {"toxicity": off, "bias": off, "language": off, "pii": off, "context": off, "hazard": off,
                                           "blocklist": {"options": {"words": [BLOCKED_WORD]}}},
                              "decoding": {"preset": "greedy", "max_new_tokens": 24}, "serve": serve}, "tests")


def call(method: str, url: str, body: object = None, *, headers: dict[str, str] | None = None,
         timeout: float = 60) -> tuple[int, dict[str, str], Any]:
    """One request; returns (status, headers with lower-case names, body as JSON, or text when it is not JSON)."""
    import json
    import urllib.error
    import urllib.request

    data = None if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            status, got, raw = r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        status, got, raw = e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()
    text = raw.decode("utf-8", errors="replace")
    try:
        return status, got, json.loads(text) if text else None
    except ValueError:
        return status, got, text


def sse_events(text: str) -> list[tuple[str, Any]]:
    """Server-sent events as (event name, JSON data); unnamed events are 'message'."""
    import json

    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        data = fields.get("data", "")
        events.append((fields.get("event", "message"), data if data == "[DONE]" else json.loads(data)))
    return events

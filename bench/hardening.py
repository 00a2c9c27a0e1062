"""The hardening issue's reproductions, replayed against a real `chatkit serve` and a real redis-server, so they stay fixed.

    python bench/hardening.py [--model tiny] [--rounds 3]

Starts a redis-server with a password on a free loopback port, `chatkit serve --workers 2` on it (no keys), and a
second, single-worker server on SQLite with a small rate limit; then replays what a hostile client tried:

- one client's out-of-range seed among 15 ordinary requests (each round): only that one fails, with a 400
- a seed over 64 bits, in a request and in a conversation's options: 400 naming seed
- role "developer": answered, as system
- a blank or control-character conversation id: 400 quoting the client's id, never the store key
- a keyless id shaped like a keyed tenant's namespace: 400
- 12 concurrent turns of one conversation across the 2 workers: each turn's prompt holds the turns before it
- 120 rejected and unmatched requests: /metrics series stay bounded, no raw path in a label
- a varying X-Forwarded-For without keys: limited, not a fresh bucket each time
- fields chatkit does not implement (n, tools, response_format, logprobs): 400 naming the field
- Redis stopped: /healthz, the API's 503 bodies and the servers' log hold no password
- SIGTERM mid-stream past shutdown_timeout_s: the stream ends with an error event

Prints one line per check and exits 1 if any failed. (A hung policy's thread and its blame are checked by
tests/policies/test_policy_threads.py, failed keys' throttle by tests/adapters/test_http_hardening.py: the harness
would need a policy that hangs on purpose, and a server with keys.)
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from chatkit.testing import free_port, wait_until_serving

PASSWORD = "hunter2-harness-secret"
CONFIG = """
[model]
path = "{model}"
[store]
{store}
[decoding]
preset = "greedy"
max_new_tokens = 8
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
shutdown_timeout_s = 1
{serve}
"""


def call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
         timeout: float = 180) -> tuple[int, Any]:
    data = None if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    text = raw.decode("utf-8", errors="replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


@contextlib.contextmanager
def redis_with_password() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="chatkit-harness-redis-") as workdir:
        proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                 "--requirepass", PASSWORD, "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        try:
            yield f"redis://:{PASSWORD}@127.0.0.1:{port}/0", proc
        finally:
            proc.terminate()
            proc.wait(10)


class Server:
    def __init__(self, workdir: Path, model: str, store: str, serve: str, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / f"chatkit-{self.port}.toml"
        config.write_text(CONFIG.format(model=model, store=store, port=self.port, serve=serve))
        self.log = workdir / f"serve-{self.port}.log"
        self._out = self.log.open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "chatkit.cli", "serve", "--config", str(config),
                                      "--workers", str(workers)], stdout=self._out, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=workdir)
        if not wait_until_serving(f"{self.url}/healthz", self.proc, 300):
            self.stop()
            sys.exit(f"chatkit serve did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._out.close()


def chat(url: str, headers: dict[str, str] | None = None, **body: Any) -> tuple[int, Any]:
    return call("POST", f"{url}/v1/chat/completions",
                {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], **body}, headers)


MODEL = "tiny"
Check = Callable[[], str | None]  # None: held; else what went wrong


def run(checks: list[tuple[str, Check]]) -> bool:
    ok = True
    for name, check in checks:
        t0 = time.perf_counter()
        try:
            problem = check()
        except Exception as e:  # a check that crashes has failed
            problem = f"{type(e).__name__}: {e}"
        ok &= problem is None
        why = "" if problem is None else f": {problem}"
        print(f"{'ok  ' if problem is None else 'FAIL'} {name} ({time.perf_counter() - t0:.1f} s){why}", flush=True)
    return ok


def main() -> None:
    global MODEL
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of 15 ordinary requests and one bad seed")
    args = parser.parse_args()
    MODEL = args.model
    with tempfile.TemporaryDirectory(prefix="chatkit-harness-") as tmp, redis_with_password() as (redis_url, redis):
        workdir = Path(tmp)
        main_server = Server(workdir, args.model, f'backend = "redis"\nurl = "{redis_url}"', "rate_limit = 0", workers=2)
        limited = Server(workdir, args.model, f'path = "{workdir / "limited.sqlite3"}"', "rate_limit = 5\nrate_window_s = 5",
                         workers=1)
        try:
            ok = run(checks(main_server.url, limited.url, args.rounds))
            redis.terminate()
            redis.wait(10)
            ok &= run([("Redis down: no password in /healthz, 503 bodies or the log",
                        lambda: no_password(main_server, redis_url))])
            ok &= run([("SIGTERM mid-stream past the grace: an error event ends the stream", lambda: shutdown(limited))])
        finally:
            main_server.stop()
            limited.stop()
    sys.exit(0 if ok else 1)


def checks(url: str, limited: str, rounds: int) -> list[tuple[str, Check]]:
    def bad_seed_alone() -> str | None:
        for r in range(rounds):
            def one(i: int, r: int = r) -> int:
                extra: dict[str, Any] = {"seed": 2**70, "temperature": 0.9} if i == 7 else {}
                return chat(url, messages=[{"role": "user", "content": f"hello {r} {i}"}], **extra)[0]

            with ThreadPoolExecutor(16) as pool:
                statuses = list(pool.map(one, range(16)))
            if statuses[7] != 400 or statuses[:7] + statuses[8:] != [200] * 15:
                return f"round {r}: {statuses}"
        return None

    def seed_entries() -> str | None:
        status, body = chat(url, seed=2**64)
        if status != 400 or body["error"]["param"] != "seed":
            return f"request: {status} {body}"
        status, body = call("PUT", f"{url}/v1/conversations/seeded/options", {"decoding": {"seed": 1180591620717411303424}})
        return None if status == 400 else f"options: {status} {body}"

    def developer() -> str | None:
        status, body = chat(url, messages=[{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "hi"}])
        return None if status == 200 else f"{status} {body}"

    def bad_ids() -> str | None:
        for raw, shown in (("%20", "' '"), ("a%00b", "'a\\x00b'")):
            status, body = call("POST", f"{url}/v1/conversations/{raw}/messages", {"content": "hi"})
            if status != 400 or shown not in body["error"]["message"] or "http:" in json.dumps(body):
                return f"{raw}: {status} {body}"
        status, body = call("GET", f"{url}/v1/conversations/0123456789ab:their-id")
        return None if status == 400 else f"keyed-looking id: {status} {body}"

    def turn_order() -> str | None:
        def turn(_: int) -> int:
            status, body = call("POST", f"{url}/v1/conversations/ordered/messages", {"content": "and then?"})
            assert status == 200, body
            return int(body["usage"]["prompt_tokens"])

        with ThreadPoolExecutor(12) as pool:
            prompts = sorted(pool.map(turn, range(12)))
        return None if len(set(prompts)) == 12 else f"two turns saw the same history: {prompts}"

    def metrics() -> str | None:
        def series() -> list[str]:
            time.sleep(2)  # a token for /metrics itself (5 per 5 s)
            text = call("GET", f"{limited}/metrics")[1]
            return [line for line in text.splitlines() if line.startswith("chatkit_http_requests_total{")]

        before = len(series())
        for i in range(40):  # past the first few, each is a 429 answered before routing
            call("POST", f"{limited}/v1/conversations/raw-{i}-zz/messages", {"content": "hi"})
            call("GET", f"{limited}/v1/nowhere-{i}-zz")
            call("GET", f"{url}/nowhere-{i}-zz")
        after = series()
        if any("-zz" in line for line in after):
            return "a raw path reached a label"
        return None if len(after) - before <= 6 else f"{len(after) - before} new series"

    def forwarded() -> str | None:
        statuses = [call("GET", f"{limited}/v1/models", headers={"X-Forwarded-For": f"10.1.2.{i}"})[0] for i in range(12)]
        return None if statuses.count(429) >= 5 else f"varying X-Forwarded-For: {statuses}"

    def fields() -> str | None:
        for field, value in (("n", 2), ("tools", [{"type": "function", "function": {"name": "f"}}]),
                             ("response_format", {"type": "json_object"}), ("logprobs", True)):
            status, body = chat(url, **{field: value})
            if status != 400 or body["error"]["param"] != field:
                return f"{field}: {status} {body}"
        return None

    return [("a bad seed fails only its own request (16 at once)", bad_seed_alone),
            ("seeds over 64 bits: 400 in a request and in options", seed_entries),
            ("role developer is answered", developer),
            ("bad conversation ids: 400 with the client's id", bad_ids),
            ("12 concurrent turns of one conversation on 2 workers stay in order", turn_order),
            ("a varying X-Forwarded-For gets no fresh bucket", forwarded),
            ("rejected requests do not grow /metrics", metrics),
            ("unimplemented OpenAI fields: 400 naming them", fields)]


def no_password(server: Server, redis_url: str) -> str | None:
    answers = [call("GET", f"{server.url}/healthz"), call("POST", f"{server.url}/v1/conversations/down/messages", {"content": "hi"}),
               call("GET", f"{server.url}/v1/conversations/down")]
    if [a[0] for a in answers] != [503, 503, 503]:
        return f"statuses {[a[0] for a in answers]}"
    time.sleep(0.5)  # the log line is written just after the answer
    leaked = [json.dumps(a[1]) for a in answers if PASSWORD in json.dumps(a[1])]
    if PASSWORD in server.log.read_text():
        leaked.append("the log")
    return f"leaked in {leaked}" if leaked else None


def shutdown(server: Server) -> str | None:
    time.sleep(3)  # tokens for two requests (5 per 5 s)
    auth = {"Content-Type": "application/json"}
    status, body = call("PUT", f"{server.url}/v1/conversations/long/options",
                        {"decoding": {"min_new_tokens": 450, "max_new_tokens": 450}}, auth)
    if status != 200:
        return f"options: {status} {body}"
    request = urllib.request.Request(f"{server.url}/v1/conversations/long/messages?stream=true", method="POST",
                                     data=json.dumps({"content": "tell me a long story"}).encode(), headers=auth)
    with urllib.request.urlopen(request, timeout=120) as response:
        first = response.readline()
        server.proc.send_signal(signal.SIGTERM)
        try:
            rest = response.read()
        except http.client.IncompleteRead as e:
            rest = e.partial
    events = [block for block in (first + rest).decode().strip().split("\n\n") if block]
    return None if events and events[-1].startswith("event: error") and "server_shutting_down" in events[-1] \
        else f"the stream ended with {events[-1:]}"


if __name__ == "__main__":
    main()

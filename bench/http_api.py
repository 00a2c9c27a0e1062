"""The HTTP server's cost: `chatkit serve` (a real process) against `ChatBot` called directly, same work.

    python bench/http_api.py [--model tiny] [--concurrency 1 8 32] [--requests 64] [--max-new-tokens 32] [--policies default]
                                [--engine auto]

Each request is a new conversation with the same kind of message (explain how a thing works), answered greedily with a fixed
reply length (min = max new tokens), so every request does the same work. Directly: `ChatBot.stream`
in this process. Over HTTP: `POST /v1/conversations/{id}/messages?stream=true` to `chatkit serve`
on 127.0.0.1 (its own process, same config), read with aiohttp. For 1, 8 and 32 concurrent clients:
requests/s, and the median and p95 time to first byte (the first text) and to the whole reply, and how many replies an
output policy acted on (each such reply was generated again: work a run without policies never does). The overhead is
direct requests/s over HTTP requests/s. Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from chatkit import ChatBot
from chatkit.config import DEFAULT_RULES, load_settings
from chatkit.testing import free_port, wait_until_serving

CONFIG = """
[model]
path = "{model}"
engine = "{engine}"
[store]
path = "{store}"
[decoding]
preset = "greedy"
max_new_tokens = {tokens}
min_new_tokens = {tokens}
[serve]
port = {port}
rate_limit = 0
{policies}
"""
NO_POLICIES = "\n".join(f"[policies.{p}]\nenabled = false" for p in DEFAULT_RULES)  # every built-in one that is on

Timing = tuple[float, float, bool]  # (first text, whole reply) in seconds; whether an output policy acted on it
# Questions whose answers run past the reply length, so no reply is forced on after its end: text generated past a
# reply's end ("user", a new turn) is what output policies exist to stop, and their regenerations would be work the
# run without policies never does
TOPICS = ["bread is made", "a bicycle works", "rain forms", "a fridge keeps food cold", "bees make honey",
          "a plane stays in the air", "a compass works", "cheese is made", "a rainbow forms", "a kettle boils water"]


def message(i: int) -> str:
    return f"can you explain in detail how {TOPICS[i % len(TOPICS)]}?"


async def load(concurrency: int, requests: int, one: Callable[[int], Awaitable[Timing]]) -> dict[str, float]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    timings: list[Timing] = []

    async def client() -> None:
        while not queue.empty():
            timings.append(await one(queue.get_nowait()))

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    first, whole = sorted(t[0] for t in timings), sorted(t[1] for t in timings)
    return {"requests_per_s": requests / wall, "acted_on": sum(t[2] for t in timings), "ttfb_p50_ms": 1000 * statistics.median(first),
            "ttfb_p95_ms": 1000 * first[int(0.95 * (len(first) - 1))], "latency_p50_ms": 1000 * statistics.median(whole),
            "latency_p95_ms": 1000 * whole[int(0.95 * (len(whole) - 1))]}


def direct(bot: ChatBot, run: str) -> Callable[[int], Awaitable[Timing]]:
    async def one(i: int) -> Timing:
        t0 = time.perf_counter()
        first = None
        stream = bot.stream(f"{run}-{i}", message(i))
        async for _ in stream:
            first = first or time.perf_counter() - t0
        acted = stream.reply is not None and any(v.stage == "output" and v.action.name != "ALLOW" for v in stream.reply.verdicts)
        return first or 0.0, time.perf_counter() - t0, acted

    return one


def over_http(session: aiohttp.ClientSession, url: str, run: str) -> Callable[[int], Awaitable[Timing]]:
    async def one(i: int) -> Timing:
        t0 = time.perf_counter()
        async with session.post(f"{url}/v1/conversations/{run}-{i}/messages?stream=true",
                                json={"content": message(i)}) as r:
            r.raise_for_status()
            await r.content.readuntil(b"\n\n")
            first = time.perf_counter() - t0
            body = await r.text()
        if "event: reply" not in body:
            raise RuntimeError(f"no reply: {body[-300:]}")
        reply = json.loads(body.split("event: reply", 1)[1].split("data:", 1)[1].split("\n\n", 1)[0])
        acted = any(v["stage"] == "output" and v["action"] != "allow" for v in reply["verdicts"])
        return first, time.perf_counter() - t0, acted

    return one


def start_server(config: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "chatkit.cli", "serve", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if wait_until_serving(f"http://127.0.0.1:{port}/healthz", proc, 300):
        return proc
    proc.kill()
    raise SystemExit("chatkit serve did not start; run it by hand with this config to see why")


async def measure(args: argparse.Namespace, config: Path, port: int) -> list[dict[str, Any]]:
    bot = ChatBot.from_config(settings=load_settings(config))
    server = start_server(config, port)
    rows = []
    try:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=600)) as session:
            url = f"http://127.0.0.1:{port}"
            await load(2, 4, direct(bot, "warm"))  # first calls pay for lazy initialisation on both sides
            await load(2, 4, over_http(session, url, "warm"))
            for c in args.concurrency:
                d = await load(c, args.requests, direct(bot, f"direct-{c}"))
                h = await load(c, args.requests, over_http(session, url, f"http-{c}"))
                rows.append({"concurrency": c, "direct": d, "http": h, "overhead": d["requests_per_s"] / h["requests_per_s"]})
                print(f"  {c} concurrent: direct {d['requests_per_s']:.2f} req/s, http {h['requests_per_s']:.2f} req/s",
                      file=sys.stderr)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
        await bot.aclose()
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="tiny")
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    p.add_argument("--requests", type=int, default=64, help="requests per concurrency level and path")
    p.add_argument("--max-new-tokens", type=int, default=32)
    p.add_argument("--policies", choices=["default", "none"], default="default", help="the default policies, or none")
    p.add_argument("--engine", choices=["auto", "transformers", "llamacpp"], default="auto", help="model.engine")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = p.parse_args()

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "chatkit.toml"
        config.write_text(CONFIG.format(model=args.model, engine=args.engine, store=Path(tmp) / "bench.sqlite3",
                                        tokens=args.max_new_tokens, port=port,
                                        policies=NO_POLICIES if args.policies == "none" else ""))
        rows = asyncio.run(measure(args, config, port))

    print(f"\nchatkit serve vs ChatBot.stream: {args.model}, {args.max_new_tokens} tokens a reply, {args.policies} policies, "
          f"{args.requests} requests per cell, {os.cpu_count()} CPUs")
    print(f"{'clients':>7} | {'direct req/s':>12} | {'http req/s':>10} | {'overhead':>8} | {'TTFB p50 direct/http ms':>23} | "
          f"{'TTFB p95 http ms':>16} | {'latency p50 direct/http ms':>26} | {'acted on direct/http':>20}")
    for r in rows:
        d, h = r["direct"], r["http"]
        print(f"{r['concurrency']:>7} | {d['requests_per_s']:>12.2f} | {h['requests_per_s']:>10.2f} | {r['overhead']:>7.3f}x | "
              f"{d['ttfb_p50_ms']:>10.0f} / {h['ttfb_p50_ms']:<10.0f} | {h['ttfb_p95_ms']:>16.0f} | "
              f"{d['latency_p50_ms']:>12.0f} / {h['latency_p50_ms']:<11.0f} | {d['acted_on']:>9} / {h['acted_on']:<8}")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"http-{args.model}-{args.engine}-{args.policies}.json"
    out.write_text(json.dumps({"model": args.model, "engine": args.engine, "max_new_tokens": args.max_new_tokens,
                               "policies": args.policies,
                               "requests": args.requests, "cpu": platform.processor() or platform.machine(),
                               "cpus": os.cpu_count(), "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

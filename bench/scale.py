"""Scaling out: 1, 2 and 4 chatkit workers on one Redis in front of one inference engine.

    python bench/scale.py [--model tiny] [--workers 1 2 4] [--clients 16] [--conversations 48] [--turns 2]
                          [--engine-url URL --engine-model ID]

The engine is `transformers serve` started here with the model (or, with --engine-url, one already running, a vLLM
on a GPU machine say). For each worker count: `chatkit serve --workers N` with `model.backend = "openai"`, the
default policies and a Redis store; `--clients` concurrent clients each hold whole conversations of `--turns`
turns through the conversations API. Reports conversations per second and the p50/p95 latency of a turn. On a
2-core machine the engine and the workers share the cores, so the ratio between rows is what counts. Prints a
table and writes JSON naming the device.
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
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aiohttp

from chatkit.models.catalogue import bundled_model_path
from chatkit.models.resolve import resolve_model
from chatkit.testing import free_port, local_redis_server, transformers_serve, wait_until_serving

CONFIG = """
[model]
backend = "openai"
base_url = "{engine}"
name = "{name}"
tokenizer = "{tokenizer}"
vendor_fields = false
[store]
backend = "redis"
url = "{redis}"
[decoding]
max_new_tokens = {tokens}
[serve]
port = {port}
rate_limit = 0
"""


def start_workers(config: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "chatkit.cli", "serve", "--config", str(config), "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if wait_until_serving(f"http://127.0.0.1:{port}/healthz", proc, 300):
        time.sleep(3 * workers)  # /healthz answers from the first worker up; let the others load too
        return proc
    proc.kill()
    raise SystemExit("chatkit serve did not start; run it by hand with this config to see why")


async def drive(url: str, clients: int, conversations: int, turns: int, run: str) -> dict[str, float]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(conversations):
        queue.put_nowait(i)
    latencies: list[float] = []

    async def client(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            for t in range(turns):
                t0 = time.perf_counter()
                async with session.post(f"{url}/v1/conversations/{run}-{i}/messages",
                                        json={"content": f"hello, this is message {t} of chat {i}. how are you?"}) as r:
                    r.raise_for_status()
                    await r.json()
                latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=900)) as s:
        await asyncio.gather(*(client(s) for _ in range(clients)))
    wall = time.perf_counter() - t0
    latencies.sort()
    return {"conversations_per_s": conversations / wall, "turn_p50_ms": 1000 * statistics.median(latencies),
            "turn_p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))], "wall_s": wall}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="tiny", help="catalogue name or model directory for the engine (and the tokenizer)")
    p.add_argument("--engine-url", help="an engine already running (its /v1 root); default: start transformers serve here")
    p.add_argument("--engine-model", help="the model id that engine serves")
    p.add_argument("--device", default="cpu", help="what the engine runs on, for the JSON (e.g. 'H100')")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--conversations", type=int, default=48)
    p.add_argument("--turns", type=int, default=2)
    p.add_argument("--max-new-tokens", type=int, default=32)
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = p.parse_args()

    model_dir = bundled_model_path() if args.model == "tiny" else resolve_model(args.model).path
    rows: list[dict[str, Any]] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        engine = args.engine_url or stack.enter_context(transformers_serve(model_dir))
        name = args.engine_model or str(model_dir)
        redis = stack.enter_context(local_redis_server())
        for n in args.workers:
            port = free_port()
            config = Path(tmp) / f"chatkit-{n}.toml"
            config.write_text(CONFIG.format(engine=engine, name=name, tokenizer=model_dir, redis=redis,
                                            tokens=args.max_new_tokens, port=port))
            proc = start_workers(config, port, n)
            try:
                url = f"http://127.0.0.1:{port}"
                asyncio.run(drive(url, 2, 2, 1, f"warm-{n}"))
                r = asyncio.run(drive(url, args.clients, args.conversations, args.turns, f"run-{n}"))
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(60)
            rows.append({"workers": n, **r})
            print(f"  {n} workers: {r['conversations_per_s']:.2f} conversations/s", file=sys.stderr)

    base = rows[0]["conversations_per_s"]
    print(f"\nchatkit workers on one Redis, one engine ({'given' if args.engine_url else 'transformers serve'}, {args.model} "
          f"on {args.device}); {args.clients} clients, {args.conversations} conversations of {args.turns} turns, "
          f"{args.max_new_tokens} new tokens, {os.cpu_count()} CPUs")
    print(f"{'workers':>7} | {'conversations/s':>15} | {'vs 1 worker':>11} | {'turn p50 ms':>11} | {'turn p95 ms':>11}")
    for r in rows:
        print(f"{r['workers']:>7} | {r['conversations_per_s']:>15.2f} | {r['conversations_per_s'] / base:>10.2f}x | "
              f"{r['turn_p50_ms']:>11.0f} | {r['turn_p95_ms']:>11.0f}")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"scale-{args.model}-{args.device}.json"
    out.write_text(json.dumps({"model": args.model, "engine": args.engine_url or "transformers serve", "device": args.device,
                               "cpus": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
                               "clients": args.clients, "turns": args.turns, "max_new_tokens": args.max_new_tokens,
                               "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

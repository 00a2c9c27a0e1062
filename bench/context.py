"""Benchmark: building a turn's prompt and recording a turn, against conversation length, per store.

    python bench/context.py [--turns 10 100 1000 10000] [--repeat 30] [--out bench/results/context.json]

"build" is ``ChatBot.prompt``, what a bot does before generating: load the conversation's newest
messages from the store and fit them into the bundled model's context window with its real
tokenizer (counts cached, as in a running bot). "append" records one user message and its reply. Both are
medians in milliseconds. Redis runs on a throwaway local redis-server when one is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from chatkit import ChatBot, Conversation, MemoryStore, Role, Settings, Store, StoredMessage
from chatkit.engine.transformers.generator import TransformersGenerator
from chatkit.storage.sqlite import SQLiteStore
from chatkit.testing import RedisUnavailable, local_redis_server

MAX_NEW_TOKENS = 64


def history(turns: int) -> tuple[StoredMessage, ...]:
    out = []
    for i in range(turns):
        out.append(StoredMessage(Role.USER, f"this is message {i}, about the weather and my weekend plans", float(i)))
        out.append(StoredMessage(Role.ASSISTANT, f"that sounds lovely, tell me more about plan {i}!", float(i)))
    return tuple(out)


async def measure(bot: ChatBot, turns: int, repeat: int) -> dict[str, float]:
    key = f"bench-{turns}"
    store = bot.store
    await store.put(Conversation(key, history(turns)))

    async def build() -> None:
        await bot.prompt(key, "and what about you?")

    await build()  # warm the token-count cache, as a running bot has it
    build_ms = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await build()
        build_ms.append((time.perf_counter() - t0) * 1000)
    append_ms = []
    for i in range(repeat):
        pair = [StoredMessage(Role.USER, f"new {i}"), StoredMessage(Role.ASSISTANT, f"reply {i}")]
        t0 = time.perf_counter()
        await store.append(key, pair)
        append_ms.append((time.perf_counter() - t0) * 1000)
    return {"build_ms": statistics.median(build_ms), "append_ms": statistics.median(append_ms)}


async def run(turn_counts: list[int], repeat: int, redis_url: str | None, tmp: Path) -> list[dict[str, object]]:
    generator = TransformersGenerator.load("tiny", device="cpu")
    stores: dict[str, Store] = {"memory": MemoryStore(), "sqlite": SQLiteStore(tmp / "bench.sqlite3")}
    if redis_url:
        from chatkit.storage.redis import RedisStore

        stores["redis"] = RedisStore(redis_url, prefix=f"bench-{time.time_ns()}:")
    rows = []
    for name, store in stores.items():
        for turns in turn_counts:
            bot = ChatBot(generator, store=store, settings=Settings(decoding={"max_new_tokens": MAX_NEW_TOKENS}))
            rows.append({"store": name, "turns": turns, **await measure(bot, turns, repeat)})
            print(f"{name:>7} {turns:>6} turns  build {rows[-1]['build_ms']:8.3f} ms  append {rows[-1]['append_ms']:8.3f} ms",
                  flush=True)
        await store.close()
    await generator.aclose()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--turns", type=int, nargs="+", default=[10, 100, 1000, 10000])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--redis-url", help="use this Redis instead of starting a local redis-server")
    ap.add_argument("--out", type=Path, default=Path("bench/results/context.json"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        url = args.redis_url
        if url is None:
            try:
                url = stack.enter_context(local_redis_server())
            except RedisUnavailable as e:
                print(f"skipping Redis: {e}")
        rows = asyncio.run(run(args.turns, args.repeat, url, Path(tmp)))
    print(f"\n{'store':>7} | " + " | ".join(f"{t:>7} turns build / append (ms)" for t in args.turns))
    for store in dict.fromkeys(r["store"] for r in rows):
        cells = [f"{r['build_ms']:>13.3f} / {r['append_ms']:<13.3f}" for r in rows if r["store"] == store]
        print(f"{store:>7} | " + " | ".join(cells))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"benchmark": "context", "machine": platform.platform(), "processor": platform.processor(),
                                    "max_new_tokens": MAX_NEW_TOKENS, "repeat": args.repeat, "rows": rows}, indent=2) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()

"""Throughput of the local backend: concurrent conversations batched together, against one reply at a time.

    python bench/throughput.py [--model tiny] [--dtype auto] [--concurrency 1 4 8 16 32] [--tokens 32] [--turns 2]

The model is loaded once; two generators share it: `max_batch = 1` without prefix reuse (as before) and
`max_batch = 32` with it. For each concurrency c, c conversations each send `--turns` messages, every
reply exactly `--tokens` tokens (greedy, min = max), through `ChatBot.reply` with no policies: replies/s and
tokens/s. Then time to first token at turns 1, 5, 10 and 20 of one conversation (prompts grow with the history),
with prefix reuse (`prefix_cache_tokens`, on by default) and without. Peak memory of the process. Prints a table,
writes JSON and a PNG.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import time
from pathlib import Path
from typing import Any

from chatkit import ChatBot, MemoryStore, Settings, TransformersGenerator


async def load(bot: ChatBot, concurrency: int, turns: int, run: str) -> dict[str, float]:
    tokens = 0

    async def conversation(i: int) -> None:
        nonlocal tokens
        for t in range(turns):
            reply = await bot.reply(f"{run}-{i}", f"hello, this is message {t} of conversation {i}. how are you?")
            tokens += reply.usage.completion_tokens

    t0 = time.perf_counter()
    await asyncio.gather(*(conversation(i) for i in range(concurrency)))
    wall = time.perf_counter() - t0
    return {"replies_per_s": concurrency * turns / wall, "tokens_per_s": tokens / wall, "wall_s": wall}


async def first_tokens(bot: ChatBot, marks: list[int]) -> dict[int, float]:
    out = {}
    for turn in range(1, max(marks) + 1):
        reply = await bot.reply("ttft", f"tell me one more thing about your day, part {turn}.")
        if turn in marks:
            out[turn] = 1000 * (reply.timings.first_token_s or 0.0)
    return out


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    # as before: one reply at a time, no prefix reuse; and now: batching and prefix reuse; one plain model under both
    base = TransformersGenerator.load(args.model, dtype=args.dtype, max_batch=1, prefix_cache_tokens=0, shipped_adapters=False)
    batched = TransformersGenerator(base.model, base.tokenizer, name=base.name, max_context_tokens=base.max_context_tokens,
                                    max_batch=max(args.concurrency))
    settings = Settings(decoding={"preset": "greedy", "max_new_tokens": args.tokens, "min_new_tokens": args.tokens})
    bots = {"sequential": ChatBot(base, settings=settings, store=MemoryStore()),
            "batched": ChatBot(batched, settings=settings, store=MemoryStore())}
    for bot in bots.values():
        await load(bot, 2, 1, "warm")
    rows = []
    for c in args.concurrency:
        row: dict[str, Any] = {"concurrency": c}
        for name, bot in bots.items():
            row[name] = await load(bot, c, args.turns, f"{name}-{c}")
        row["speedup"] = row["batched"]["replies_per_s"] / row["sequential"]["replies_per_s"]
        rows.append(row)
        print(f"  {c:>2} conversations: sequential {row['sequential']['replies_per_s']:.2f}, batched "
              f"{row['batched']['replies_per_s']:.2f} replies/s ({row['speedup']:.2f}x)", flush=True)
    ttft = {"reuse": await first_tokens(bots["batched"], [1, 5, 10, 20]),
            "no_reuse": await first_tokens(bots["sequential"], [1, 5, 10, 20])}
    await base.aclose()
    await batched.aclose()
    return {"rows": rows, "ttft_ms": ttft}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="tiny")
    p.add_argument("--dtype", default="auto")
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8, 16, 32])
    p.add_argument("--tokens", type=int, default=32)
    p.add_argument("--turns", type=int, default=2)
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = p.parse_args()
    result = asyncio.run(main_async(args))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"\nlocal backend, {args.model} ({args.dtype}), {args.tokens}-token greedy replies, {args.turns} per conversation, "
          f"{os.cpu_count()} CPUs; peak memory {peak_mb:,.0f} MB")
    print(f"{'conversations':>13} | {'sequential replies/s':>20} | {'batched replies/s':>17} | {'speed-up':>8} | "
          f"{'batched tokens/s':>16}")
    for r in result["rows"]:
        print(f"{r['concurrency']:>13} | {r['sequential']['replies_per_s']:>20.2f} | {r['batched']['replies_per_s']:>17.2f} | "
              f"{r['speedup']:>7.2f}x | {r['batched']['tokens_per_s']:>16.0f}")
    for name, marks in result["ttft_ms"].items():
        shown = ", ".join(f"turn {t}: {ms:.0f} ms" for t, ms in marks.items())
        print(f"time to first token by turn ({name.replace('_', ' ')}): {shown}")

    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"throughput-{args.model}-{args.dtype}-cpu"
    (args.out / f"{stem}.json").write_text(json.dumps({"model": args.model, "dtype": args.dtype, "tokens": args.tokens,
                                                      "turns": args.turns, "cpus": os.cpu_count(),
                                                      "cpu": platform.processor() or platform.machine(),
                                                      "peak_mb": peak_mb, **result}, indent=2) + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        cs = [r["concurrency"] for r in result["rows"]]
        plt.figure(figsize=(6, 4))
        for name in ("sequential", "batched"):
            plt.plot(cs, [r[name]["replies_per_s"] for r in result["rows"]], marker="o", label=name)
        plt.xscale("log", base=2)
        plt.xlabel("concurrent conversations")
        plt.ylabel("replies / s")
        plt.title(f"{args.model}: {args.tokens}-token replies on {os.cpu_count()} CPUs")
        plt.legend()
        plt.tight_layout()
        plt.savefig(args.out / f"{stem}.png", dpi=100)
    except ImportError:
        print("(pip install '.[bench]' for the PNG)")
    print(f"wrote {args.out / stem}.json")


if __name__ == "__main__":
    main()

"""What a streaming user pays for output moderation: time to first visible text with and without output policies.

    python bench/stream_moderation.py [--model tiny] [--concurrency 1 8] [--requests 32] [--max-new-tokens 48]

``ChatBot.stream`` called directly (no HTTP), each request a new conversation, greedy decoding, the same messages
both ways, so both bots generate the same replies. "off": the default input policies only; "on": the default output
policies too (toxicity, bias, pii, context), which release the reply sentence by sentence (a run-on sentence in
pieces of at most 200 characters) only after they passed it. The two bots take turns, cell by cell, so drift on a
shared machine falls on both. Prints a table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from chatkit import ChatBot
from chatkit.config import DEFAULT_RULES, validate_settings

MESSAGES = ("hello, tell me about your day", "what do you like to do on weekends?", "can you recommend a good book?",
            "how do I make a cup of tea?", "what is your favourite season and why?", "tell me a fun fact",
            "I had a long day at work", "what should I cook tonight?")

Timing = tuple[float, float]  # (first visible text, whole reply), seconds


def settings(model: str, tokens: int, output_policies: bool, first_release_chars: int | None = None) -> Any:
    rules: dict[str, Any] = {}
    for name, rule in DEFAULT_RULES.items():
        stages = tuple(rule["stages"]) if output_policies else tuple(s for s in rule["stages"] if s == "input")
        rules[name] = {"stages": list(stages)} if stages else {"enabled": False}
    if first_release_chars is not None:
        rules["first_release_chars"] = first_release_chars
    return validate_settings({"model": {"path": model}, "store": {"backend": "memory"}, "policies": rules,
                              "decoding": {"preset": "greedy", "max_new_tokens": tokens}}, "bench")


def one_request(bot: ChatBot, run: str) -> Callable[[int], Awaitable[Timing]]:
    async def one(i: int) -> Timing:
        t0 = time.perf_counter()
        first = None
        async for piece in bot.stream(f"{run}-{i}", MESSAGES[i % len(MESSAGES)]):
            if first is None and piece.strip():
                first = time.perf_counter() - t0
        whole = time.perf_counter() - t0
        return first if first is not None else whole, whole

    return one


async def load(concurrency: int, requests: int, one: Callable[[int], Awaitable[Timing]]) -> list[Timing]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    timings: list[Timing] = []

    async def client() -> None:
        while not queue.empty():
            timings.append(await one(queue.get_nowait()))

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return timings


def summary(timings: list[Timing]) -> dict[str, float]:
    first, whole = sorted(t[0] for t in timings), sorted(t[1] for t in timings)
    return {"first_text_p50_ms": 1000 * statistics.median(first), "first_text_p95_ms": 1000 * first[int(0.95 * (len(first) - 1))],
            "reply_p50_ms": 1000 * statistics.median(whole), "requests": len(timings)}


async def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    bots = {"off": ChatBot.from_config(settings=settings(args.model, args.max_new_tokens, False)),
            "on": ChatBot.from_config(settings=settings(args.model, args.max_new_tokens, True, args.first_release_chars))}
    rows = []
    try:
        for name, bot in bots.items():  # lazy initialisation (the policies' models) is not what is measured
            await load(2, 4, one_request(bot, f"warm-{name}"))
        for c in args.concurrency:
            timings: dict[str, list[Timing]] = {"off": [], "on": []}
            for part in range(args.rounds):  # alternate, so that drift on a shared machine falls on both
                for name, bot in bots.items():
                    timings[name] += await load(c, args.requests // args.rounds, one_request(bot, f"{name}-{c}-{part}"))
            off, on = summary(timings["off"]), summary(timings["on"])
            rows.append({"concurrency": c, "off": off, "on": on, "ratio_p50": on["first_text_p50_ms"] / off["first_text_p50_ms"]})
            print(f"  {c} clients: first text p50 {off['first_text_p50_ms']:.0f} ms without, {on['first_text_p50_ms']:.0f} ms "
                  f"with output policies ({rows[-1]['ratio_p50']:.2f}x)", file=sys.stderr)
    finally:
        for bot in bots.values():
            await bot.aclose()
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="tiny")
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    p.add_argument("--requests", type=int, default=32, help="requests per concurrency level and setting")
    p.add_argument("--rounds", type=int, default=2, help="alternations of off and on per cell")
    p.add_argument("--max-new-tokens", type=int, default=48)
    p.add_argument("--first-release-chars", type=int, help="policies.first_release_chars (default: chatkit's)")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = p.parse_args()
    rows = asyncio.run(measure(args))
    print("| model | clients | first text p50, no output policies | with | ratio | p95 without / with | reply p50 without / with |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        off, on = r["off"], r["on"]
        print(f"| `{args.model}` | {r['concurrency']} | {off['first_text_p50_ms']:,.0f} ms | {on['first_text_p50_ms']:,.0f} ms | "
              f"{r['ratio_p50']:.2f} | {off['first_text_p95_ms']:,.0f} / {on['first_text_p95_ms']:,.0f} ms | "
              f"{off['reply_p50_ms']:,.0f} / {on['reply_p50_ms']:,.0f} ms |")
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.first_release_chars is None else f"-first{args.first_release_chars}"
    out = args.out / f"stream_moderation-{Path(args.model).name}{suffix}.json"
    out.write_text(json.dumps({"model": args.model, "max_new_tokens": args.max_new_tokens, "requests": args.requests,
                               "first_release_chars": args.first_release_chars,
                               "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}", "rows": rows}, indent=2))
    print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()

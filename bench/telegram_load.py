"""Telegram under load: 50 users x 4 messages through aiogram long polling against the test Bot API server.

    python bench/telegram_load.py [--model tiny] [--users 50] [--messages 4] [--max-batch 1 8]

For each `model.max_batch` (1: one reply at a time, as before batching), users send their messages one after
another (the next once the reply to the last arrived) and all users at once; reported: p50 and p95 seconds from a
message to its reply, and replies per second. Default policies; 48-token replies. Prints a table, writes JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))  # the test Bot API server

from aiogram import Dispatcher
from telegram_server import FakeBotAPI

from chatkit import ChatBot, MemoryStore
from chatkit.adapters.telegram import build_router
from chatkit.adapters.telegram.api import make_bot
from chatkit.build import policies_from_settings
from chatkit.config import TelegramSettings, validate_settings
from chatkit.engine.transformers.generator import TransformersGenerator


async def run(model: str, max_batch: int, users: int, messages: int) -> dict[str, Any]:
    os.environ["TELEGRAM_BOT_TOKEN"] = "123456:bench-token-not-real"
    api = FakeBotAPI()
    await api.start()
    settings = validate_settings({"model": {"path": model, "max_batch": max_batch},
                                  "decoding": {"max_new_tokens": 48}}, "bench")
    generator = TransformersGenerator.load(model, max_batch=max_batch)
    chatbot = ChatBot(generator, settings=settings, store=MemoryStore(), policies=policies_from_settings(settings, load=True))
    telegram = TelegramSettings(rate_limit=1000, max_concurrency=users * 2)
    bot = make_bot(telegram, api.url)
    dispatcher = Dispatcher()
    dispatcher.include_router(build_router(chatbot, telegram))
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1))
    latencies: list[float] = []

    async def user(u: int) -> None:
        for m in range(messages):
            before = len(api.sent("sendMessage", chat=u))
            t0 = time.perf_counter()
            api.message(f"hello, this is message {m} from user {u}. how is your day going?", user=u)
            await api.wait_for("sendMessage", before + 1, chat=u, timeout=600)
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(user(1000 + u) for u in range(users)))
    wall = time.perf_counter() - t0
    await dispatcher.stop_polling()
    await polling
    await generator.aclose()
    await api.stop()
    latencies.sort()
    return {"max_batch": max_batch, "p50_s": statistics.median(latencies), "p95_s": latencies[int(0.95 * (len(latencies) - 1))],
            "replies_per_s": len(latencies) / wall, "wall_s": wall}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="tiny")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--messages", type=int, default=4)
    p.add_argument("--max-batch", type=int, nargs="+", default=[1, 8])
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = p.parse_args()
    rows = [asyncio.run(run(args.model, b, args.users, args.messages)) for b in args.max_batch]
    print(f"\nTelegram, {args.users} users x {args.messages} messages, {args.model}, default policies, {os.cpu_count()} CPUs")
    print(f"{'max_batch':>9} | {'p50 s':>6} | {'p95 s':>6} | {'replies/s':>9}")
    for r in rows:
        print(f"{r['max_batch']:>9} | {r['p50_s']:>6.2f} | {r['p95_s']:>6.2f} | {r['replies_per_s']:>9.2f}")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"telegram-load-{args.model}.json"
    out.write_text(json.dumps({"model": args.model, "users": args.users, "messages": args.messages, "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

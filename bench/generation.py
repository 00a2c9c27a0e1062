"""Generation speed: plain ``model.generate`` against ``ChatBot.reply`` and ``ChatBot.stream``.

    python bench/generation.py [--model tiny] [--dtype auto] [--turns 20] [--max-new-tokens 48] [--repeat 3] [--device auto]

For conversation turns 1..N of a held-out chitchat conversation, the same prompt (what the bot's
context window builds) is answered three ways with the same greedy decoding: (a) the model's own
``generate``, (b) ``ChatBot.reply``, (c) ``ChatBot.stream``. Reports tokens/s and time to first
token (medians over repeats) and the framework's overhead in tokens/s. Next to the measurement,
the memory-bandwidth bound: each generated token reads every weight once, so tokens/s cannot
exceed measured bandwidth / weight bytes. Also the load time and the process's peak resident
memory. Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import resource
import statistics
import time
from pathlib import Path
from typing import Any

import torch
from _heldout import heldout_conversations

from chatkit import ChatBot, Conversation, Role, StoredMessage, TransformersGenerator
from chatkit.engine.decoding import PRESETS


class FirstToken:
    """A transformers streamer that notes when the first generated token arrives."""

    def __init__(self) -> None:
        self.calls, self.at = 0, None

    def put(self, value: Any) -> None:
        self.calls += 1
        if self.calls == 2 and self.at is None:
            self.at = time.perf_counter()

    def end(self) -> None:
        pass


def bandwidth_gbps(device: str) -> float:
    """Copy bandwidth (read + write) of a 256 MiB buffer."""
    a = torch.empty(64 * 1024 * 1024, dtype=torch.float32, device=device)
    b = torch.empty_like(a)
    b.copy_(a)
    runs = []
    for _ in range(5):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        b.copy_(a)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        runs.append(time.perf_counter() - t0)
    return 2 * a.numel() * a.element_size() / min(runs) / 1e9


def hardware(device: str) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(device)
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or platform.machine()
    return f"{model}, {torch.get_num_threads()} torch threads"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    generator = TransformersGenerator.load(args.model, device=args.device, dtype=args.dtype, shipped_adapters=False)
    load_s = time.perf_counter() - t0
    device = str(generator.model.device)
    # a fixed length on both paths, so tokens/s measures decoding rather than how soon a reply ends
    decoding = PRESETS["greedy"].with_overrides(max_new_tokens=args.max_new_tokens, min_new_tokens=args.max_new_tokens)
    bot = ChatBot(generator, settings=None)
    turns = next(c for c in heldout_conversations() if len(c) >= 2 * args.turns)
    model, eos = generator.model, generator.eos_token_ids
    rows = []
    for t in range(1, args.turns + 1):
        history = tuple(StoredMessage(Role.USER if i % 2 == 0 else Role.ASSISTANT, text, 0.0)
                        for i, text in enumerate(turns[: 2 * (t - 1)]))
        user = turns[2 * (t - 1)]
        await bot.store.put(Conversation("bench", history))
        prompt = await bot.prompt("bench", user, decoding=decoding)
        ids = torch.tensor([generator.encode(prompt.messages)], device=device)
        plain, reply, stream = [], [], []
        for _ in range(args.repeat):
            streamer = FirstToken()
            t0 = time.perf_counter()
            with torch.inference_mode():
                out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=args.max_new_tokens,
                                     min_new_tokens=args.max_new_tokens, do_sample=False, eos_token_id=eos,
                                     pad_token_id=generator.pad_token_id, streamer=streamer)
            elapsed = time.perf_counter() - t0
            plain.append((out.shape[1] - ids.shape[1], elapsed, streamer.at - t0))

            await bot.store.put(Conversation("bench", history))
            r = await bot.reply("bench", user, decoding=decoding)
            reply.append((r.usage.completion_tokens, r.timings.total_s, r.timings.first_token_s))

            await bot.store.put(Conversation("bench", history))
            t0 = time.perf_counter()
            s = bot.stream("bench", user, decoding=decoding)
            first = None
            async for _ in s:
                first = first or time.perf_counter() - t0
            assert s.reply is not None
            stream.append((s.reply.usage.completion_tokens, time.perf_counter() - t0, first))
        row: dict[str, Any] = {"turn": t, "prompt_tokens": int(ids.shape[1])}
        for name, runs in (("plain", plain), ("reply", reply), ("stream", stream)):
            row[f"{name}_tokens"] = runs[0][0]
            row[f"{name}_tok_s"] = statistics.median(n / s for n, s, _ in runs)
            row[f"{name}_ttft_ms"] = statistics.median(f for _, _, f in runs) * 1000
        rows.append(row)
        print(f"turn {t:>2} prompt {row['prompt_tokens']:>4} | plain {row['plain_tok_s']:7.1f} tok/s "
              f"{row['plain_ttft_ms']:6.1f} ms | reply {row['reply_tok_s']:7.1f} tok/s {row['reply_ttft_ms']:6.1f} ms | "
              f"stream {row['stream_tok_s']:7.1f} tok/s {row['stream_ttft_ms']:6.1f} ms", flush=True)
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    gbps = bandwidth_gbps(device)
    await generator.aclose()
    summary = {name: statistics.mean(r[f"{name}_tok_s"] for r in rows) for name in ("plain", "reply", "stream")}
    return {
        "benchmark": "generation", "model": args.model, "dtype": str(model.dtype).removeprefix("torch."), "load_s": load_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "device": device, "hardware": hardware(device), "torch": torch.__version__,
        "max_new_tokens": args.max_new_tokens, "repeat": args.repeat, "rows": rows,
        "mean_tok_s": summary,
        "overhead_reply": 1 - summary["reply"] / summary["plain"], "overhead_stream": 1 - summary["stream"] / summary["plain"],
        "weight_bytes": weight_bytes, "bandwidth_gbps": gbps, "bandwidth_bound_tok_s": gbps * 1e9 / weight_bytes,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="tiny", help="catalogue name, .gguf file or model directory")
    ap.add_argument("--dtype", default="auto", choices=["auto", "bfloat16", "float32", "float16"])
    ap.add_argument("--turns", type=int, default=20)
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", type=Path, default=None, help="default: bench/results/generation-<device>.json")
    args = ap.parse_args()
    result = asyncio.run(run(args))
    out = args.out or Path(f"bench/results/generation-{args.model}-{result['dtype']}-{result['device'].split(':')[0]}.json")
    print(f"\n{args.model} in {result['dtype']}: loaded in {result['load_s']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB")
    print(f"hardware: {result['hardware']} ({result['device']}), torch {result['torch']}")
    for name, tps in result["mean_tok_s"].items():
        print(f"{name:>7}: {tps:8.1f} tok/s (mean over turns)")
    print(f"overhead: reply {result['overhead_reply']:+.1%}, stream {result['overhead_stream']:+.1%} of plain generate's tokens/s")
    print(f"bandwidth bound: {result['weight_bytes'] / 1e6:.1f} MB of weights per token at {result['bandwidth_gbps']:.1f} GB/s "
          f"-> at most {result['bandwidth_bound_tok_s']:.0f} tok/s")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

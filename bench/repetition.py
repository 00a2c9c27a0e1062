"""Repetition evaluation of the decoding presets on the bundled model's held-out conversations.

    python bench/repetition.py [--contexts 200] [--conversations 40] [--out bench/results/repetition.json]

Single replies: one context per held-out conversation (its first turns up to a user turn),
a reply per preset. Reports rep-2/3/4 within replies (SimCTG: 1 - unique/total n-grams of a
reply, averaged), distinct-1/2 over all replies, mean length in words, and the share of replies
that ended on their own. Self-play: 8-turn conversations in which the held-out user turns are
sent one by one and the model's replies are fed back; a reply self-repeats when at least half of
its word 4-grams appear in one earlier reply of the bot. Also the held-out perplexity of the
reference replies under the model. Table to stdout, JSON and a PNG bar chart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
from pathlib import Path

import torch
from _heldout import heldout_conversations

from chatkit import ChatBot, DecodingConfig, Message, Role, TransformersGenerator
from chatkit.engine.decoding import PRESETS

SYSTEM = "You are a friendly chat partner."
VARIANTS: dict[str, DecodingConfig] = {
    **PRESETS,
    # transformers' own CTRL penalty over the whole prompt, for comparison: what chatkit avoids
    "ctrl-prompt": DecodingConfig(temperature=0.7, top_p=0.9, repetition_penalty=1.3, repetition_scope="prompt"),
}


def words(text: str) -> list[str]:
    return text.lower().split()


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def rep_n(replies: list[str], n: int) -> float:
    values = [1 - len(set(g)) / len(g) for r in replies if (g := ngrams(words(r), n))]
    return statistics.mean(values) if values else 0.0


def distinct_n(replies: list[str], n: int) -> float:
    grams = [g for r in replies for g in ngrams(words(r), n)]
    return len(set(grams)) / len(grams) if grams else 0.0


def self_repeats(reply: str, earlier: list[str]) -> bool:
    grams = set(ngrams(words(reply), 4))
    return bool(grams) and any(len(grams & set(ngrams(words(e), 4))) >= 0.5 * len(grams) for e in earlier)


def contexts(convs: list[list[str]], count: int, rng: random.Random) -> list[tuple[list[Message], str]]:
    out = []
    for turns in convs:
        answered = [i for i in range(0, len(turns) - 1, 2)]  # user turns that have a reply
        if answered:
            i = rng.choice(answered[:4])
            history = [Message(Role.USER if k % 2 == 0 else Role.ASSISTANT, t) for k, t in enumerate(turns[: i + 1])]
            out.append(([Message(Role.SYSTEM, SYSTEM), *history], turns[i + 1]))
    return out[:count]


@torch.no_grad()
def reference_perplexity(generator: TransformersGenerator, items: list[tuple[list[Message], str]]) -> float:
    nll, count = 0.0, 0
    for messages, reference in items:
        prompt = generator.encode(messages)
        full = generator.encode([*messages, Message(Role.ASSISTANT, reference)], add_generation_prompt=False)
        ids = torch.tensor([full])
        logits = generator.model(ids).logits[0, len(prompt) - 1:-1]
        target = ids[0, len(prompt):]
        nll += torch.nn.functional.cross_entropy(logits.float(), target, reduction="sum").item()
        count += len(target)
    return math.exp(nll / count)


async def evaluate(args: argparse.Namespace) -> dict[str, object]:
    generator = TransformersGenerator.load("tiny", device="cpu")
    convs = heldout_conversations()
    items = contexts(convs, args.contexts, random.Random(0))
    long_convs = [c for c in convs if len(c) >= 16][: args.conversations]
    results: dict[str, object] = {"contexts": len(items), "selfplay_conversations": len(long_convs),
                                  "reference_perplexity": round(reference_perplexity(generator, items), 2), "variants": {}}
    for name, decoding in VARIANTS.items():
        d = decoding.with_overrides(seed=args.seed)
        singles = [await generator.generate(messages, d) for messages, _ in items]
        replies = [g.text for g in singles]
        bot = ChatBot(generator)
        flagged = total = 0
        for c, turns in enumerate(long_convs):
            mine: list[str] = []
            for user in turns[0:16:2]:
                reply = (await bot.reply(f"{name}-{c}", user, decoding=d)).text
                flagged += self_repeats(reply, mine)
                total += bool(mine)
                mine.append(reply)
        results["variants"][name] = {  # type: ignore[index]
            "rep_2": rep_n(replies, 2), "rep_3": rep_n(replies, 3), "rep_4": rep_n(replies, 4),
            "distinct_1": distinct_n(replies, 1), "distinct_2": distinct_n(replies, 2),
            "selfplay_self_repeat_rate": flagged / max(total, 1),
            "mean_words": statistics.mean(len(words(r)) for r in replies),
            "ended_on_own": sum(g.finish_reason == "stop" for g in singles) / len(singles),
            "samples": [{"user": m[-1].content, "reply": r} for (m, _), r in list(zip(items, replies, strict=True))[:5]],
        }
        v = results["variants"][name]  # type: ignore[index]
        print(f"{name:>12}: rep-4 {v['rep_4']:.3f} distinct-2 {v['distinct_2']:.3f} "
              f"self-repeat {v['selfplay_self_repeat_rate']:.3f} ended {v['ended_on_own']:.2f}", flush=True)
    await generator.aclose()
    return results


def chart(results: dict[str, object], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    variants = results["variants"]  # type: ignore[assignment]
    metrics = ["rep_2", "rep_3", "rep_4", "distinct_1", "distinct_2", "selfplay_self_repeat_rate", "ended_on_own"]
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / len(variants)
    for k, (name, v) in enumerate(variants.items()):
        ax.bar([i + k * width for i in range(len(metrics))], [v[m] for m in metrics], width, label=name)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(metrics))], [m.replace("selfplay_", "") for m in metrics])
    ax.set_ylim(0, 1)
    ax.set_title(f"Repetition on {results['contexts']} held-out contexts, {results['selfplay_conversations']} 8-turn self-plays")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--contexts", type=int, default=200)
    ap.add_argument("--conversations", type=int, default=40, help="8-turn self-play conversations")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("bench/results/repetition.json"))
    args = ap.parse_args()
    results = asyncio.run(evaluate(args))
    metrics = ["rep_2", "rep_3", "rep_4", "distinct_1", "distinct_2", "selfplay_self_repeat_rate", "mean_words", "ended_on_own"]
    print(f"\n{'variant':>12} | " + " | ".join(f"{m.replace('selfplay_', ''):>16}" for m in metrics))
    for name, v in results["variants"].items():  # type: ignore[union-attr]
        print(f"{name:>12} | " + " | ".join(f"{v[m]:>16.3f}" for m in metrics))
    print(f"reference perplexity of the held-out replies: {results['reference_perplexity']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    chart(results, args.out.with_suffix(".png"))
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()

"""The shipped example adapter (bookshop persona) in numbers, with and without it, on either base model.

    python bench/lora_persona.py [--model smollm2-135m] [--dialogues 100] [--out bench/results/lora_persona-MODEL.json]

- held-out loss of the assistant turns of persona dialogues the adapter never saw (the template
  generator with another seed, so new combinations of the same kinds of exchange);
- in-persona rate: share of replies that talk books or the shop (book, read, novel, author, shop,
  Reading Nook ...), for the first user turn of those dialogues and for ordinary chitchat openers
  from the chat model's held-out conversations;
- how long training took, from the adapter's card.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
from pathlib import Path

import torch
from _heldout import heldout_conversations

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from make_bookshop_data import dialogue  # the persona generator

from chatkit import ChatBot, DecodingConfig, TransformersGenerator
from chatkit.config import DEFAULT_SYSTEM_PROMPT
from chatkit.models.lora import bundled_adapter
from chatkit.models.lora_train import encode_chat

PERSONA = re.compile(r"\b(books?|read(?:ing|er|ers)?|novels?|authors?|shop|store|shelf|shelves|stor(?:y|ies)|"
                     r"chapters?|library|nook|bookshop|poetry|copy|copies)\b", re.IGNORECASE)


@torch.no_grad()
def heldout_loss(generator: TransformersGenerator, chats: list[list[dict[str, str]]], adapter: str | None) -> float:
    total, count = 0.0, 0
    with generator._adapter(adapter):
        for chat in chats:
            ids, labels = encode_chat(generator.tokenizer, chat, 256, DEFAULT_SYSTEM_PROMPT)  # as chat renders it
            logits = generator.model(torch.tensor([ids])).logits[0, :-1]
            target = torch.tensor(labels[1:])
            total += torch.nn.functional.cross_entropy(logits, target, ignore_index=-100, reduction="sum").item()
            count += int((target != -100).sum())
    return total / count


async def persona_rate(bot: ChatBot, prompts: list[str], adapter: str, decoding: DecodingConfig) -> tuple[float, list[str]]:
    replies = []
    for i, prompt in enumerate(prompts):
        await bot.set_adapter(f"{adapter}-{i}", adapter)
        replies.append((await bot.reply(f"{adapter}-{i}", prompt, decoding=decoding)).text)
    return sum(bool(PERSONA.search(r)) for r in replies) / len(replies), replies[:3]


async def run(args: argparse.Namespace) -> dict[str, object]:
    generator = TransformersGenerator.load(args.model, device="cpu")  # the shipped adapters that fit come along
    shop = next(name for name in ("bookshop", "bookshop-tiny") if name in generator.adapters)
    rng = random.Random(args.seed)
    chats = [dialogue(rng) for _ in range(args.dialogues)]
    chitchat = [turns[0] for turns in heldout_conversations()][: args.dialogues]
    decoding = DecodingConfig(temperature=0.7, top_p=0.9, min_p=0.05, repetition_penalty=1.1, dry_multiplier=0.8,
                              block_bot_ngrams=4, seed=0)
    bot = ChatBot(generator)
    result: dict[str, object] = {"model": args.model, "adapter": shop, "dialogues": len(chats), "chitchat_prompts": len(chitchat),
                                 "card": json.loads((bundled_adapter(shop) / "chatkit_adapter.json").read_text())}
    for name, adapter in (("without", None), ("with", shop)):
        persona, samples = await persona_rate(bot, [c[0]["content"] for c in chats], adapter or "base", decoding)
        general, general_samples = await persona_rate(bot, chitchat, adapter or "base", decoding)
        result[name] = {"heldout_loss": heldout_loss(generator, chats, adapter), "persona_rate_on_persona_prompts": persona,
                        "persona_rate_on_chitchat_prompts": general, "samples": samples + general_samples}
    await generator.aclose()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="smollm2-135m", help="smollm2-135m (adapter bookshop) or tiny (bookshop-tiny)")
    ap.add_argument("--dialogues", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1, help="the adapter was trained on seed 0")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    args.out = args.out or Path(f"bench/results/lora_persona-{args.model}.json")
    result = asyncio.run(run(args))
    card = result["card"]
    print(f"{'':>8} | {'held-out loss':>13} | {'in persona (persona prompts)':>28} | {'in persona (chitchat prompts)':>29}")
    for name in ("without", "with"):
        r = result[name]
        print(f"{name:>8} | {r['heldout_loss']:13.3f} | {r['persona_rate_on_persona_prompts']:28.2f} | "  # type: ignore[index]
              f"{r['persona_rate_on_chitchat_prompts']:29.2f}")  # type: ignore[index]
    print(f"training: {card['steps']} steps, {card['seconds']} s on {card['device']}; "  # type: ignore[index]
          f"its own held-out loss {card['eval_loss_before']} -> {card['eval_loss_after']}")  # type: ignore[index]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

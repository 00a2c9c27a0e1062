"""Does the chat hold together? Scripted multi-turn probes through ``ChatBot.reply``, per model and setup, and the held-out
loss of the shipped chat adapter's own split.

    pip install '.[bench]'
    python bench/dialogue.py [--models smollm2-135m tiny] [--setups base chat] [--out bench/results/dialogue.json]

Setups: ``chat`` is chatkit's defaults (config defaults: system prompt, ``balanced`` preset, policies, and the shipped
chat adapter where one fits the model); ``base`` is the same with ``[adapters] default = "base"``; ``raw`` is the bare
model (greedy, no system prompt, no policies, 64 tokens). Probes (``dialogue_probes.py``, written apart from the
adapter's training data), 128 per setup (the 88 that generate one reply each asked with three seeds where the preset
samples, ``--repeats``) and 24 whole chats:

- recall: a fact (name, city, pet, job, plan, drink, instrument ...) said 1 to 8 turns before the question, 24 probes;
- name in a chat: 24 chats whose every reply is generated (a name given in one of six ways, zero to two turns of small
  talk, one of six questions for it): is the name in the last reply? (The recall probes script the earlier replies.)
- invented facts: a user who never gave a name asks for it (24: three histories, 8 questions), and the bot is asked
  about its own name, family, home and weekend (4): does it claim a name for the user, or a life of its own?
- answers: 20 simple questions with a keyword answer; persona: 10 system prompts, do their words show up;
- goodbye: 6 farewells, answered in at most 40 words with a farewell;
- small talk: two 10-turn chats: replies of at most 60 words, median words, replies that open like one of the bot's last
  three (first three words), replies cut at max_new_tokens;
- greedy: the two small-talk chats again with the ``greedy`` preset: replies that loop (a three-word sequence three
  times, or a previous reply's first eight words again).

Recall, invented facts, answers, persona and goodbye replies get at most 64 new tokens (the keyword comes early); small
talk gets the preset's own limit, since its length is measured. Earlier turns of a probe are written into the store
directly (scripted replies), so only the question is generated. Independent probes run concurrently, so the engine
batches them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import platform
import random
import re
import statistics
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import dialogue_probes as P  # bench/ is on the path when the script runs
import torch

from chatkit import ChatBot, DecodingConfig, MemoryStore, Settings, StoredMessage, TransformersGenerator
from chatkit.build import policies_from_settings
from chatkit.engine.decoding import preset
from chatkit.models.cards import ADAPTER_CARD, read_card
from chatkit.models.lora import CHAT, bundled_adapter
from chatkit.models.lora_train import encode_chat, read_chats, split_heldout
from chatkit.types import Role

ROOT = Path(__file__).resolve().parents[1]


def heldout_loss(generator: TransformersGenerator, adapter: str | None, card: dict[str, object]) -> float:
    """Mean loss per assistant token on the held-out split recorded in the adapter's card (the data and seed it names)."""
    settings = card["settings"]
    assert isinstance(settings, dict)
    chats, _ = read_chats(ROOT / str(card["data"]))
    held, _ = split_heldout(chats, float(settings["heldout"]), random.Random(int(settings["seed"])))
    nll, count = 0.0, 0
    model = generator.model
    if adapter is not None:
        model.set_adapter(adapter)
    with torch.inference_mode(), model.disable_adapter() if adapter is None else contextlib.nullcontext():
        for chat in held:
            ids, labels = encode_chat(generator.tokenizer, chat, int(settings["max_tokens"]), str(card["system_prompt"]))
            logits = model(torch.tensor([ids])).logits[0, :-1].float()
            target = torch.tensor(labels[1:])
            nll += torch.nn.functional.cross_entropy(logits, target, ignore_index=-100, reduction="sum").item()
            count += int((target != -100).sum())
    return nll / count


def make_bot(generator: TransformersGenerator, setup: str) -> ChatBot:
    if setup == "raw":
        settings = Settings(chat={"system_prompt": ""}, decoding={"preset": "greedy", "max_new_tokens": 64},
                            policies={name: {"enabled": False} for name in ("hazard", "toxicity", "bias", "language", "pii")})
    else:
        settings = Settings()
    view = TransformersGenerator(generator.model, generator.tokenizer, name=generator.name,
                                 max_context_tokens=generator.max_context_tokens, adapters=generator.adapters,
                                 default_adapter=CHAT if setup == "chat" else None)
    return ChatBot(view, settings=settings, store=MemoryStore(), policies=policies_from_settings(settings, load=True))


async def seed_history(bot: ChatBot, key: str, pairs: list[tuple[str, str]]) -> None:
    now = time.time()
    await bot.store.append(key, [StoredMessage(role, text, now) for u, a in pairs
                                 for role, text in ((Role.USER, u), (Role.ASSISTANT, a))])


async def ask(bot: ChatBot, key: str, history: list[tuple[str, str]], question: str, decoding: DecodingConfig,
              system: str | None = None) -> str:
    await seed_history(bot, key, history)
    if system is not None:
        await bot.set_system_prompt(key, system)
    return (await bot.reply(key, question, decoding=decoding)).text


async def talk(bot: ChatBot, key: str, messages: list[str], decoding: DecodingConfig) -> list[tuple[str, str | None]]:
    out = []
    for message in messages:
        answer = await bot.reply(key, message, decoding=decoding)
        out.append((answer.text, answer.finish_reason))
    return out


def share(xs: list[bool]) -> float:
    return round(sum(xs) / len(xs), 3) if xs else float("nan")


RECALL_JOBS = [(i, d) for i in range(len(P.FACTS)) for d in sorted({i % 8 + 1, (i + 4) % 8 + 1})]
KINDS = {"recall": len(RECALL_JOBS), "noname": len(P.NO_NAME_HISTORIES) * len(P.NO_NAME_QUESTIONS),
         "own": len(P.SELF_QUESTIONS), "qa": len(P.QUESTIONS), "persona": len(P.PERSONAS), "bye": len(P.GOODBYES)}


def single_turn(bot: ChatBot, decoding: DecodingConfig, tag: str) -> list[Coroutine[Any, Any, str]]:
    """The probes that generate one reply, in the order of ``KINDS``; ``tag`` keeps each repeat's conversations apart."""
    jobs = [ask(bot, f"{tag}recall-{i}-{d}", [(P.FACTS[i][0], "Nice to know!"), *P.FILLER[: d - 1]], P.FACTS[i][1], decoding)
            for i, d in RECALL_JOBS]
    jobs += [ask(bot, f"{tag}noname-{h}-{i}", history, q, decoding) for h, history in enumerate(P.NO_NAME_HISTORIES)
             for i, q in enumerate(P.NO_NAME_QUESTIONS)]
    jobs += [ask(bot, f"{tag}self-{i}", [], q, decoding) for i, q in enumerate(P.SELF_QUESTIONS)]
    jobs += [ask(bot, f"{tag}qa-{i}", [], q, decoding) for i, (q, _) in enumerate(P.QUESTIONS)]
    jobs += [ask(bot, f"{tag}persona-{i}", [], m, decoding, system=s) for i, (s, m, _) in enumerate(P.PERSONAS)]
    jobs += [ask(bot, f"{tag}bye-{i}", P.FILLER[i % 3: i % 3 + 2], m, decoding) for i, m in enumerate(P.GOODBYES)]
    return jobs


async def probes(bot: ChatBot, seed: int, repeats: int = 1) -> dict[str, object]:
    """``repeats``: a sampling preset answers each one-reply probe with that many seeds (with one sample, one adapter
    answered 0.35 to 0.65 of the 20 questions from seed to seed); a greedy one answers once."""
    short = bot.decoding.with_overrides(max_new_tokens=min(64, bot.decoding.max_new_tokens))
    repeats = 1 if short.greedy else repeats
    jobs = [job for r in range(repeats)
            for job in single_turn(bot, short if short.greedy else short.with_overrides(seed=seed + r), f"r{r}-")]
    greedy = preset("greedy")
    chats = [talk(bot, f"talk-{i}", m, bot.decoding if bot.decoding.greedy else bot.decoding.with_overrides(seed=seed + i))
             for i, m in enumerate(P.SMALL_TALK)]
    chats += [talk(bot, f"greedy-{i}", m, greedy) for i, m in enumerate(P.SMALL_TALK)]
    chats += [talk(bot, f"named-{i}", m, short if short.greedy else short.with_overrides(seed=seed + i))
              for i, (_, m) in enumerate(P.NAMED_CHATS)]
    results = await asyncio.gather(*jobs, *chats)
    single, talks = list(results[: len(jobs)]), list(results[len(jobs):])
    by_kind: dict[str, list[str]] = {k: [] for k in KINDS}
    per_repeat = sum(KINDS.values())
    for r in range(repeats):
        rest = single[r * per_repeat: (r + 1) * per_repeat]
        for kind, n in KINDS.items():
            by_kind[kind] += rest[:n]
            rest = rest[n:]
    recall_replies, noname, own = by_kind["recall"], by_kind["noname"], by_kind["own"]
    qa, persona, byes = by_kind["qa"], by_kind["persona"], by_kind["bye"]

    recall: dict[int, list[bool]] = {}
    for (i, d), reply in zip(RECALL_JOBS * repeats, recall_replies, strict=True):
        recall.setdefault(d, []).append(bool(re.search(P.FACTS[i][2], reply, re.IGNORECASE)))
    n = len(P.SMALL_TALK)
    sampled, greedy_talks, named = talks[:n], talks[n: 2 * n], talks[2 * n:]
    small = [r for chat in sampled for r in chat]
    openers, lengths = [], []
    for chat in sampled:
        previous: list[str] = []
        for text, _ in chat:
            openers.append(bool(P.opener(text)) and P.opener(text) in {P.opener(p) for p in previous[-3:]})
            previous.append(text)
            lengths.append(P.words(text))
    looping, chats_looping = [], 0
    for chat in greedy_talks:
        previous = []
        for text, _ in chat:
            looping.append(P.loops(text, previous))
            previous.append(text)
        chats_looping += any(looping[-len(chat):])
    return {
        "recall_1_5": share([x for d, v in recall.items() if d <= 5 for x in v]),
        "recall_6_8": share([x for d, v in recall.items() if d > 5 for x in v]),
        "recall_by_distance": {str(d): share(v) for d, v in sorted(recall.items())},
        "name_in_chat": share([P.names_user(chat[-1][0], name)
                               for (name, _), chat in zip(P.NAMED_CHATS, named, strict=True)]),
        "invented_user_name": share([P.invents_user_name(r) for r in noname]),
        "invented_own_life": share([P.invents_own_life(r) for r in own]),
        "answers": share([bool(re.search(a, r, re.IGNORECASE)) for (_, a), r in zip(P.QUESTIONS * repeats, qa, strict=True)]),
        "persona": share([bool(re.search(w, r, re.IGNORECASE)) for (_, _, w), r in zip(P.PERSONAS * repeats, persona, strict=True)]),
        "goodbye": share([P.words(r) <= 40 and bool(P.GOODBYE_WORDS.search(r)) for r in byes]),
        "small_talk_le_60_words": share([n <= 60 for n in lengths]), "small_talk_median_words": statistics.median(lengths),
        "repeated_opener": share(openers), "hit_token_limit": share([reason == "length" for _, reason in small]),
        "greedy_loops": share(looping), "greedy_chats_looping": chats_looping,
        "probes": len(single) + sum(len(c) for c in talks),
        "examples": {"recall": recall_replies[:6], "no_name": noname[:4], "own_life": own, "qa": qa[:5], "persona": persona[:5],
                     "goodbye": byes[:3], "name_in_chat": [chat[-1][0] for chat in named[:6]],
                     "small_talk": [t for t, _ in small[:10]],
                     "greedy": [t for t, _ in greedy_talks[0][:6]]},
    }


async def run(args: argparse.Namespace) -> list[dict[str, object]]:
    rows = []
    card = read_card(bundled_adapter(CHAT), ADAPTER_CARD)
    for name in args.models:
        t0 = time.perf_counter()
        generator = TransformersGenerator.load(name, device="cpu", dtype=args.dtype)
        load_s = time.perf_counter() - t0
        has_chat = CHAT in generator.adapters
        for setup in args.setups:
            if setup == "chat" and not has_chat:
                print(f"{name}: no chat adapter fits this model; the chat setup would be the base one, skipped", flush=True)
                continue
            t0 = time.perf_counter()
            result = await probes(make_bot(generator, setup), args.seed, args.repeats)
            loss = round(heldout_loss(generator, CHAT if setup == "chat" else None, card), 4) if has_chat and args.heldout else None
            rows.append({"model": name, "setup": setup, "dtype": str(generator.model.dtype).removeprefix("torch."),
                         "heldout_loss": loss, "load_s": round(load_s, 1),
                         "probe_s": round(time.perf_counter() - t0, 1), **result})
            print_row(rows[-1])
        await generator.aclose()
    return rows


COLUMNS = ["model", "setup", "dtype", "heldout_loss", "recall_1_5", "recall_6_8", "name_in_chat", "invented_user_name",
           "invented_own_life", "answers", "persona", "goodbye", "small_talk_le_60_words", "small_talk_median_words",
           "repeated_opener", "hit_token_limit", "greedy_loops", "greedy_chats_looping", "probes", "probe_s"]


def print_row(row: dict[str, object]) -> None:
    print(" | ".join(str(row[c]) for c in COLUMNS), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["smollm2-135m"])
    parser.add_argument("--setups", nargs="+", default=["base", "chat"], choices=["raw", "base", "chat"])
    parser.add_argument("--no-heldout", dest="heldout", action="store_false", help="skip the held-out loss")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="seeds per one-reply probe where the preset samples")
    parser.add_argument("--dtype", default="auto", choices=["auto", "bfloat16", "float32"], help="the model's (model.dtype)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "dialogue.json")
    args = parser.parse_args()
    print(" | ".join(COLUMNS))
    rows = asyncio.run(run(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": platform.processor() or platform.machine(), "torch": torch.__version__,
                                    "threads": torch.get_num_threads(), "rows": rows}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""Does the chat hold together? Held-out bits per byte and scripted multi-turn probes, per model.

    pip install '.[bench]'
    python bench/dialogue.py [--models tiny smollm2-135m] [--setups raw chatkit] [--out bench/results/dialogue.json]

- bits per byte of the bot's side of held-out chitchat conversations (the split the bundled model
  never trained on): the model's summed negative log-likelihood of each reply (its end-of-turn
  included), divided by the reply's UTF-8 bytes, so models with different tokenizers compare;
- scripted probes, scored automatically, each run through ``ChatBot.reply``:
  recall (a name, a city or a dog's name said 1-5 turns earlier, then asked for), the same eight
  turns later in a window too small to hold it, without and with ``chat.notes``, persona (a
  system prompt that asks for a pirate, a chef, a cat ...: do its words show up), answering the
  question asked (simple questions with a keyword answer), and over two 10-turn small-talk chats:
  replies that open like an earlier reply (same first three words), replies that hit
  max_new_tokens, and of those the ones left cut mid-sentence.
- setups: ``raw`` is the bare model (greedy, no system prompt of chatkit's, no policies, the old
  64-token limit); ``chatkit`` is chatkit's defaults (config defaults: system prompt, preset,
  policies, sentence-complete replies).

Earlier turns of a probe are written into the store directly (scripted replies), so only the
question is generated: the probe measures recall, not how the model chatted before.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import platform
import re
import time
from pathlib import Path

import torch

from chatkit import ChatBot, MemoryStore, Settings, StoredMessage, TransformersGenerator
from chatkit.build import policies_from_settings
from chatkit.models.lora_train import encode_chat
from chatkit.turn.notes import SelfNotes
from chatkit.types import Role

FACTS = [  # (what the user says, the question, the word the answer must contain)
    ("My name is Anna.", "What is my name?", "anna"),
    ("I live in Lisbon.", "Which city do I live in?", "lisbon"),
    ("My dog is called Biscuit.", "What is my dog called?", "biscuit"),
    ("My name is Marcus.", "Do you remember my name?", "marcus"),
    ("I moved to Toronto last year.", "Where did I move to last year?", "toronto"),
    ("I have a cat named Pepper.", "What is my cat's name?", "pepper"),
]
FILLER = [  # scripted small talk between the fact and the question
    ("How are you today?", "I'm doing well, thanks for asking."),
    ("The weather is nice.", "It sounds like a lovely day to be outside."),
    ("I had pasta for lunch.", "Pasta is a great choice for lunch."),
    ("I'm a bit tired.", "I hope you get some rest soon."),
    ("I watched a movie yesterday.", "That sounds like a relaxing evening."),
]
PERSONAS = [  # (system prompt, user message, words that show the persona)
    ("You are a pirate. Always talk like a pirate.", "How was your day?",
     r"\b(arr+|ahoy|matey|aye|ye|treasure|ship|sea|captain|sail\w*|pirate\w*)\b"),
    ("You are a pirate. Always talk like a pirate.", "What should I eat for dinner?",
     r"\b(arr+|ahoy|matey|aye|ye|treasure|ship|sea|captain|sail\w*|pirate\w*)\b"),
    ("You are a chef who loves cooking. Talk about food whenever you can.", "What do you do on weekends?",
     r"\b(cook\w*|food|recipe\w*|dish\w*|kitchen|bak\w*|meal\w*|ingredient\w*|chef)\b"),
    ("You are a cat. You answer as a cat would.", "What is your favourite thing to do?",
     r"\b(meow\w*|purr\w*|nap\w*|mice|mouse|whisker\w*|paw\w*|cat|yarn|sleep\w*)\b"),
    ("You are an astronaut on the International Space Station.", "What can you see right now?",
     r"\b(earth|space|stars?|orbit\w*|station|planet\w*|astronaut\w*|window)\b"),
    ("You are a football coach. Relate everything to football.", "How can I learn faster?",
     r"\b(football|team\w*|practi[cs]e\w*|coach\w*|game\w*|train\w*|play\w*|field|goal\w*)\b"),
]
QUESTIONS = [
    ("What is the capital of France?", r"paris"),
    ("How many days are there in a week?", r"\b(seven|7)\b"),
    ("What colour is the sky on a clear day?", r"\bblue\b"),
    ("What do bees make?", r"\bhoney\b"),
    ("What is two plus two?", r"\b(four|4)\b"),
    ("Which animal says woof?", r"\bdogs?\b"),
    ("What season comes after winter?", r"\bspring\b"),
    ("What is frozen water called?", r"\bice\b"),
    ("What do you use to write on paper?", r"\b(pens?|pencils?)\b"),
    ("What is the opposite of hot?", r"\bcold\b"),
]
SMALL_TALK = ["hi!", "how are you?", "what do you like to do?", "do you have any pets?", "what did you eat today?",
              "what is your favourite movie?", "do you like music?", "where would you like to travel?",
              "what are you doing this weekend?", "it was nice talking to you"]


def bits_per_byte(generator: TransformersGenerator, conversations: list[list[str]], limit: int) -> float:
    nats, n_bytes = 0.0, 0
    with torch.inference_mode():
        for turns in conversations[:limit]:
            chat = [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]
            ids, labels = encode_chat(generator.tokenizer, chat, 768)
            logits = generator.model(torch.tensor([ids])).logits[0, :-1].float()
            target = torch.tensor(labels[1:])
            nats += torch.nn.functional.cross_entropy(logits, target, ignore_index=-100, reduction="sum").item()
            kept = generator.tokenizer.decode([t for t in labels if t != -100], skip_special_tokens=True)
            n_bytes += len(kept.encode())
    return nats / math.log(2) / n_bytes


def make_bot(generator: TransformersGenerator, setup: str) -> ChatBot:
    if setup == "raw":
        settings = Settings(chat={"system_prompt": ""}, decoding={"preset": "greedy", "max_new_tokens": 64},
                            policies={name: {"enabled": False} for name in ("hazard", "toxicity", "bias", "language", "pii")})
    else:
        settings = Settings()
    return ChatBot(generator, settings=settings, store=MemoryStore(), policies=policies_from_settings(settings, load=True))


async def seed_history(bot: ChatBot, key: str, pairs: list[tuple[str, str]]) -> None:
    now = time.time()
    await bot.store.append(key, [StoredMessage(role, text, now) for u, a in pairs
                                 for role, text in ((Role.USER, u), (Role.ASSISTANT, a))])


async def probes(bot: ChatBot, seed: int) -> dict[str, object]:
    from chatkit import DecodingConfig

    decoding: DecodingConfig = bot.decoding.with_overrides(seed=seed) if not bot.decoding.greedy else bot.decoding
    examples: dict[str, list[str]] = {}

    recall: dict[int, list[bool]] = {}
    for i, (fact, question, answer) in enumerate(FACTS):
        for distance in range(1, 6):
            key = f"recall-{i}-{distance}"
            await seed_history(bot, key, [(fact, "Nice to know!"), *FILLER[: distance - 1]])
            reply = (await bot.reply(key, question, decoding=decoding)).text
            recall.setdefault(distance, []).append(answer in reply.lower())
            if distance == 3:
                examples.setdefault("recall", []).append(f"{question} -> {reply}")

    # facts that left the context window (a small window, eight turns later): does chat.notes bring them back?
    beyond: dict[str, list[bool]] = {"without_notes": [], "with_notes": []}
    if isinstance(bot.generator, TransformersGenerator):
        for mode in beyond:
            small = TransformersGenerator(bot.generator.model, bot.generator.tokenizer, name="small-window",
                                          max_context_tokens=decoding.max_new_tokens + 160)
            windowed = ChatBot(small, settings=bot.settings, store=MemoryStore(), policies=bot.policies,
                               on_drop=SelfNotes() if mode == "with_notes" else None)
            for i, (fact, question, answer) in enumerate(FACTS):
                await seed_history(windowed, f"far-{i}", [(fact, "Nice to know!"), *(FILLER * 2)[:8]])
                reply = (await windowed.reply(f"far-{i}", question, decoding=decoding)).text
                beyond[mode].append(answer in reply.lower())
            await small.aclose()

    persona = []
    for i, (system, message, words) in enumerate(PERSONAS):
        await bot.set_system_prompt(f"persona-{i}", system)
        reply = (await bot.reply(f"persona-{i}", message, decoding=decoding)).text
        persona.append(bool(re.search(words, reply, re.IGNORECASE)))
        examples.setdefault("persona", []).append(f"[{system}] {message} -> {reply}")

    answered = []
    for i, (question, answer) in enumerate(QUESTIONS):
        reply = (await bot.reply(f"qa-{i}", question, decoding=decoding)).text
        answered.append(bool(re.search(answer, reply, re.IGNORECASE)))
        examples.setdefault("qa", []).append(f"{question} -> {reply}")

    openers, hit_limit, cut, replies = [], [], [], []
    for run in range(2):
        seen: set[str] = set()
        for message in SMALL_TALK:
            answer = await bot.reply(f"talk-{run}", message, decoding=decoding.with_overrides(
                seed=None if decoding.seed is None else decoding.seed + run))
            reply = answer.text
            opener = " ".join(re.findall(r"[a-z']+", reply.lower())[:3])
            openers.append(bool(opener) and opener in seen)
            seen.add(opener)
            hit_limit.append(answer.finish_reason == "length")
            cut.append(hit_limit[-1] and not re.search(r"[.!?…][\"')\]*]*$", reply))
            replies.append(reply)
    examples["small_talk"] = replies[:10]

    def share(xs: list[bool]) -> float:
        return round(sum(xs) / len(xs), 3)

    return {"recall": share([x for v in recall.values() for x in v]),
            "recall_by_distance": {str(d): share(v) for d, v in recall.items()},
            "recall_beyond_window": share(beyond["without_notes"]) if beyond["without_notes"] else None,
            "recall_beyond_window_notes": share(beyond["with_notes"]) if beyond["with_notes"] else None,
            "persona": share(persona), "answers": share(answered),
            "repeated_opener": share(openers), "hit_token_limit": share(hit_limit), "cut_mid_sentence": share(cut),
            "examples": examples}


async def run(args: argparse.Namespace) -> list[dict[str, object]]:
    from _heldout import heldout_conversations

    conversations = heldout_conversations()
    rows = []
    for name in args.models:
        t0 = time.perf_counter()
        generator = TransformersGenerator.load(name, device="cpu", shipped_adapters=False)
        load_s = time.perf_counter() - t0
        bpb = bits_per_byte(generator, conversations, args.conversations)
        for setup in args.setups:
            t0 = time.perf_counter()
            result = await probes(make_bot(generator, setup), args.seed)
            rows.append({"model": name, "setup": setup, "bits_per_byte": round(bpb, 3), "load_s": round(load_s, 1),
                         "probe_s": round(time.perf_counter() - t0, 1), **result})
            print_row(rows[-1])
        await generator.aclose()
    return rows


COLUMNS = ["model", "setup", "bits_per_byte", "recall", "recall_beyond_window", "recall_beyond_window_notes", "persona", "answers",
           "repeated_opener", "hit_token_limit", "cut_mid_sentence"]


def print_row(row: dict[str, object]) -> None:
    print(" | ".join(str(row[c]) for c in COLUMNS), flush=True)


def plot(rows: list[dict[str, object]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = ["recall", "recall_beyond_window", "recall_beyond_window_notes", "persona", "answers", "repeated_opener",
               "hit_token_limit", "cut_mid_sentence"]
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(rows)
    for i, row in enumerate(rows):
        ax.bar([m + i * width for m in range(len(metrics))], [float(row[k] or 0) for k in metrics], width,  # type: ignore[arg-type]
               label=f"{row['model']} / {row['setup']} (bpb {row['bits_per_byte']})")
    ax.set_xticks([m + width * (len(rows) - 1) / 2 for m in range(len(metrics))], metrics, rotation=20, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of probes")
    ax.set_title("higher is better for recall, persona and answers; lower for the last three", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["tiny", "smollm2-135m"])
    parser.add_argument("--setups", nargs="+", default=["raw", "chatkit"], choices=["raw", "chatkit"])
    parser.add_argument("--conversations", type=int, default=200, help="held-out conversations for bits per byte")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "dialogue.json")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    print(" | ".join(COLUMNS))
    rows = asyncio.run(run(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": platform.processor() or platform.machine(), "torch": torch.__version__,
                                    "threads": torch.get_num_threads(), "rows": rows}, indent=2) + "\n")
    plot(rows, args.out.with_suffix(".png"))
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()

"""Write the training data of the shipped chat adapter (``bundled:chat``): multi-turn dialogues in which the
assistant keeps small talk to one to three sentences, answers the question asked first, remembers what the user
said earlier (names, places, plans, preferences, pets, jobs), says so when it was never told, never invents a life
of its own, follows a persona system prompt, and says goodbye gracefully.

    python tools/make_chat_data.py --count 560 --seed 0 --max-chars 700 > examples/chat.jsonl

Besides the fact-and-question dialogues: persona chats whose small talk is answered in the persona's own words
(``PERSONA_LINES``), assistants with a name from the system prompt, users who never give a name and then ask for it
(the bot says it was not told, and never guesses), a few hundred simple questions answered first in one short
sentence (``chat_qa_bank.simple_qa``: capitals, colours, animals, days, months, units, opposites, arithmetic),
questions about the bot's own family, childhood and weekend answered as an assistant, and goodbyes that name the
user only when the user gave a name. No reply opens like one of the three before it.

Two sources: dialogues built from the templates in ``chat_data_banks.py`` with a seeded random generator, and short
exchanges from the chitchat corpus (PyPI ``chitchat-dataset``, MIT licence, BYU PCCL) as the small talk between a fact
and the question about it. Corpus replies that claim a life (``I have a dog``, ``my wife``) are left out: the bot is an
assistant. Conversations the bundled tiny model held out (its ``heldout.json``) are never used, so the dialogue
benchmark's held-out bits per byte stay held out. A chat without a system message is trained with chatkit's default
system prompt (``train_lora`` adds it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import chat_data_banks as B  # tools/ is on the path when the script runs
import chat_qa_bank as Q

Turn = tuple[str, str]


@dataclass(frozen=True)
class Fact:
    """Something the user tells: how they say it, how the bot takes it, how they ask for it, how the bot answers."""

    kind: str
    say: str
    ack: str
    ask: str
    answer: str
    unknown: str  # the answer to ``ask`` when the user never said it
    bye: str = ""  # what a goodbye may wish them ("your hike on Saturday"), if anything


def pick(rng: random.Random, options: list[str]) -> str:
    return rng.choice(options)


def make_fact(rng: random.Random, kind: str) -> Fact:
    c = rng.choice
    if kind == "name":
        n = c(B.NAMES)
        return Fact(kind, c(B.NAME_SAY).format(n=n),
                    c([f"Nice to meet you, {n}!", f"Hi {n}, lovely to meet you.", f"Great to meet you, {n}.",
                        f"Hello {n}! Nice to meet you."]),
                    c(B.NAME_ASK),
                    # the answer says where the name came from: a name never said has no source to cite
                    c([f"You told me your name is {n}.", f"You said your name is {n}.", f"You told me you're {n}.",
                       f"You said you're {n}!"]),
                    c(["You haven't told me your name yet. What is it?",
                        "I don't know your name; you haven't told me. What should I call you?",
                       "You haven't mentioned your name. Would you like to tell me?"]))
    if kind == "city":
        t = c(B.CITIES)
        return Fact(kind, c([f"I live in {t}", f"I'm from {t}", f"I'm based in {t}", f"I just moved to {t}",
            f"I grew up in {t} and still live there"]),
                    c([f"{t} sounds like a great place to live.", f"Oh, {t}! How do you like it there?",
                        f"Nice, I've heard good things about {t}.",
                       f"{t} is a lovely city."]),
                    c(["where do I live?", "which city do I live in?", "do you remember where I'm from?", "what city did I mention?",
                       "where am I based?"]),
                    c([f"You live in {t}.", f"You're in {t}.", f"You said you live in {t}.", f"{t}!"]),
                    c(["You haven't told me where you live. Where are you based?",
                        "I don't know; you haven't mentioned your city yet."]))
    if kind == "pet":
        p, n = c(B.PETS), c(B.PET_NAMES)
        return Fact(kind, c([f"I have a {p} called {n}", f"my {p}'s name is {n}", f"I've got a {p} named {n}",
            f"my {p} {n} is sleeping next to me"]),
                    c([f"{n} is a lovely name for a {p}!", f"Aw, a {p} named {n}. How old is {n}?", f"{n} sounds adorable."]),
                    c([f"what's my {p} called?", f"do you remember my {p}'s name?", f"what is the name of my {p}?",
                        "what's my pet's name?"]),
                    c([f"Your {p} is called {n}.", f"{n}! Your {p}.", f"You told me your {p}'s name is {n}."]),
                    c(["You haven't told me about a pet. Do you have one?", "I don't know; you haven't mentioned any pets."]), f"{n}")
    if kind == "job":
        j = c(B.JOBS)
        a = "an" if j[0] in "aeiou" else "a"
        return Fact(kind, c([f"I work as {a} {j}", f"I'm {a} {j}", f"my job? I'm {a} {j}", f"I've been {a} {j} for five years"]),
                    c([f"Being {a} {j} sounds interesting. Do you enjoy it?", f"Oh, {a} {j}! That must keep you busy.",
                       f"That's a great job. What do you like most about being {a} {j}?"]),
                    c(["what do I do for a living?", "what's my job?", "do you remember my job?", "what did I say I work as?"]),
                    c([f"You're {a} {j}.", f"You work as {a} {j}.", f"You told me you're {a} {j}."]),
                    c(["You haven't told me what you do. What's your job?", "I don't know your job yet; you haven't said."]))
    if kind == "plan":
        said, back = c(B.PLANS)
        fill = {"day": c(B.DAYS), "when": c(B.WHENS), "city2": c(B.CITIES)}
        said, back = said.format(**fill), back.format(**fill)
        return Fact(kind, said, c(["That sounds exciting! I hope it goes well.", "Oh nice, good luck with that!",
            "How exciting! Are you looking forward to it?"]),
                    c(["what am I doing soon?", "do you remember my plans?", "what did I say I was doing?",
                        "what's coming up for me?"]),
                    c([Q.upper_first(back) + ".", "You told me " + back + "."]),
                    c(["You haven't told me about any plans. What's coming up?", "I don't know; you haven't mentioned your plans."]),
                    c(["it", "your plans"]))
    if kind == "favourite":
        thing = c(list(B.FAVOURITES))
        v = c(B.FAVOURITES[thing])
        return Fact(kind, c([f"my favourite {thing} is {v}", f"I love {v}, it's my favourite {thing}",
            f"{v} is my favourite {thing}"]),
                    c([f"{Q.upper_first(v)} is a great choice!", f"Good taste! What do you like about {v}?",
                        f"Nice, {v} is popular for a reason."]),
                    c([f"what's my favourite {thing}?", f"do you remember my favourite {thing}?", f"which {thing} do I like best?"]),
                    c([f"Your favourite {thing} is {v}.", f"You said {v} is your favourite {thing}.", f"{Q.upper_first(v)}!"]),
                    c([f"You haven't told me your favourite {thing}. What is it?", f"I don't know your favourite {thing} yet."]))
    if kind == "instrument":
        i = c(B.INSTRUMENTS)
        return Fact(kind, c([f"I play the {i}", f"I've been learning the {i}", f"I play {i} in a band"]),
                    c([f"The {i} is a wonderful instrument! How long have you played?",
                        f"That's cool! Playing the {i} takes practice."]),
                    c(["what instrument do I play?", "do you remember what I play?", "which instrument did I mention?"]),
                    c([f"You play the {i}.", f"The {i}!", f"You told me you play the {i}."]),
                    c(["You haven't mentioned playing an instrument. Do you play one?"]))
    s, n = c(B.SIBLINGS), c(B.SIB_NAMES)
    return Fact(kind, c([f"my {s} is called {n}", f"I have a {s} named {n}", f"my {s} {n} is visiting"]),
                c([f"That's nice! Are you and {n} close?", f"{n} is a lovely name. Do you see your {s} often?"]),
                c([f"what's my {s}'s name?", f"do you remember my {s}'s name?", f"who is my {s}?"]),
                c([f"Your {s} is called {n}.", f"{n}!", f"You told me your {s} is {n}."]),
                c([f"You haven't told me about a {s}. Do you have one?"]))


KINDS = ["name", "name", "name", "city", "city", "pet", "job", "plan", "favourite", "instrument", "sibling"]
LIFE = re.compile(r"\b(my|mine|me|we|our|us|wife|husband|boyfriend|girlfriend|kids|son|daughter|mom|dad|mother|father)\b|"
                  r"\bi(?:'m| am| have|'ve| was| live| work| went| go| like| love| play| used| grew| study| got| did| do"
                  r"|'ll| will| need| want)\b",
                  re.IGNORECASE)
COMMON_OPENERS = {"Your", "You", "You're", "The", "It's", "That", "That's", "Here", "A", "There", "Good", "Nice", "Glad", "Bye",
                  "Take", "Goodbye", "See", "Sure.", "Oh", "Oh,", "Great", "How", "Hi", "Hello", "Doing", "All", "Just", "No",
                      "Talking",
                  "Chatting", "Boil", "Try", "Mostly", "Rain", "Oranges,", "Photosynthesis", "Sorry", "Blue", "Water", "People",
                      "Cows",
                  "Caterpillars", "Guacamole", "We", "Mars", "Jupiter", "Tokyo", "Madrid", "Nairobi"}
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")


def tidy(text: str) -> str:
    """Sentence case and a standalone 'I', as the bot should write."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\bi\b", "I", text)
    return text[:1].upper() + text[1:]


def corpus_pairs(limit_words: int = 30) -> list[Turn]:
    """(user, reply) exchanges from the chitchat corpus whose reply is short and claims no life of its own."""
    from train_chat_model import load_conversations

    heldout_file = Path(__file__).resolve().parents[1] / "chatkit" / "assets" / "model" / "heldout.json"
    held = set(json.loads(heldout_file.read_text())["ids"]) if heldout_file.is_file() else set()
    pairs = []
    for cid, turns in load_conversations():
        if cid in held:
            continue
        for user, reply in itertools.pairwise(turns):
            if not (2 <= len(user.split()) <= 25 and 3 <= len(reply.split()) <= limit_words):
                continue
            odd = re.search(r"\d|@|http|_", reply + user) or ("?" in user[:-1] and "?" not in reply)
            if LIFE.search(reply) or EMOJI.search(reply + user) or odd:
                continue
            pairs.append((user.strip(), tidy(reply)))
    return pairs


def opener(text: str) -> str:
    return " ".join(re.findall(r"[a-z']+", text.lower())[:3])


ALL_PERSONAS = [(*p, B.VOICE_OF.get(p[1]) or B.VOICE_OF.get(next((k for k in B.VOICE_OF if k in p[0]), ""), "pirate"))
                for p in B.PERSONAS] + B.PERSONAS_MORE
SELF_ALL = B.SELF_QA + B.SELF_QA_MORE
BYE_ALL = B.BYE + B.BYE_MORE


def persona_reply(persona: tuple[str, ...], text: str, rng: random.Random) -> str:
    """A reply in the persona's voice: its opener, its way of addressing the user, or one of its own sentences
    (every reply opening with "Arr," would teach the repeated openers the benchmark counts)."""
    _, _, _, _, first, address, voice = persona
    roll = rng.random()
    if roll < 0.3:
        lower = first.endswith(",") and text.split()[0] in COMMON_OPENERS  # "Arr, your name is ..." but "Arr, Maya!"
        return f"{first} {text[0].lower() + text[1:] if lower else text}"
    if roll < 0.6 and text.endswith((".", "!")):
        return f"{text[:-1]}, {address}{text[-1]}"
    if roll < 0.9:
        return f"{text} {rng.choice(B.PERSONA_LINES[voice])}"
    return text


def persona_dialogue(rng: random.Random) -> list[Turn]:
    """A persona chat: small talk answered in the persona's own words, its name when asked, plain answers in its voice."""
    persona = rng.choice(ALL_PERSONAS)
    voice = persona[6]
    turns: list[Turn] = [("__system__", persona[0])]
    if rng.random() < 0.6:
        turns.append((rng.choice(B.GREET_USER), persona[2]))
    lines = B.PERSONA_LINES[voice][:]
    rng.shuffle(lines)
    for q in rng.sample(B.PERSONA_SMALLTALK, rng.randint(1, 3)):
        if not lines:
            break
        a = lines.pop()
        if rng.random() < 0.5:
            a = f"{persona[4]} {a}" if rng.random() < 0.5 else (a[:-1] + f", {persona[5]}" + a[-1] if a.endswith((".", "!")) else a)
        turns.append((q, a))
    if rng.random() < 0.5:
        if persona[1]:
            turns.append((rng.choice(B.PERSONA_NAME), f"I'm {persona[1]}!" + (f" {persona[3]}" if rng.random() < 0.5 else "")))
        else:
            turns.append((rng.choice(B.PERSONA_ASK), persona[3]))
    if rng.random() < 0.5:
        u, a = Q.simple_qa(rng)
        turns.append((u, persona_reply(persona, a, rng)))
    if rng.random() < 0.4:
        users, answers = rng.choice(BYE_ALL)
        turns.append((rng.choice(users), persona_reply(persona, rng.choice(answers).format(n=""), rng)))
    return turns


def named_assistant_dialogue(rng: random.Random) -> list[Turn]:
    """"You are Pip, a friendly assistant.": asked its name, it gives that one (and it still has no life story)."""
    name = rng.choice(B.ASSISTANT_NAMES)
    prompts = [f"You are {name}, a friendly assistant.", f"You are {name}, a helpful AI assistant.",
               f"Your name is {name}. You are a cheerful assistant."]
    turns: list[Turn] = [("__system__", rng.choice(prompts))]
    if rng.random() < 0.5:
        turns.append((rng.choice(B.GREET_USER), rng.choice([f"Hi, I'm {name}! How can I help?", f"Hello! {name} here. What's up?"])))
    turns.append((rng.choice(B.ASSISTANT_NAME_ASK), rng.choice([f"I'm {name}, your assistant.", f"My name is {name}!",
                                                                f"{name}! I'm an AI assistant. And you?"])))
    for _ in range(rng.randint(1, 2)):
        turns.append(Q.simple_qa(rng) if rng.random() < 0.6 else (rng.choice(rng.choice(B.SELF_QA_MORE)[0]),
                                                                    rng.choice(B.SELF_QA_MORE[0][1])))
    return turns


def no_name_dialogue(rng: random.Random, pairs: list[Turn]) -> list[Turn]:
    """The user says other things (a city, a favourite, small talk) but never a name, then asks for it."""
    turns: list[Turn] = []
    if rng.random() < 0.5:
        turns.append((rng.choice(B.GREET_USER), rng.choice(B.GREET_BOT)))
    for f in [make_fact(rng, k) for k in rng.sample(["city", "pet", "job", "plan", "favourite", "instrument", "sibling"],
                                                    rng.randint(1, 2))]:
        turns.append((f.say + rng.choice([".", "", "!"]), f.ack))
    if rng.random() < 0.5 and pairs:
        turns.append(rng.choice(pairs))
    turns.append((rng.choice(B.NO_NAME_ASK), rng.choice(B.NO_NAME_REPLY)))
    if rng.random() < 0.3:
        turns.append((rng.choice(["come on, just guess", "you must know it", "just make one up"]),
                      rng.choice(["I'd rather not guess. If you tell me your name, I'll use it.",
                                  "I really don't know it, and I don't want to get it wrong. What is it?"])))
    if rng.random() < 0.5:
        users, answers = rng.choice(BYE_ALL)
        turns.append((rng.choice(users), rng.choice(answers).format(n="")))
    return turns


def dialogue(rng: random.Random, pairs: list[Turn]) -> list[dict[str, str]]:
    system: str | None = None
    persona = None
    roll = rng.random()
    special = rng.random()
    if special < 0.15:
        return to_messages(None, persona_dialogue(rng))
    if special < 0.2:
        return to_messages(None, named_assistant_dialogue(rng))
    if special < 0.28:
        return to_messages(rng.choice(B.OTHER_SYSTEMS) if roll < 0.2 else None, no_name_dialogue(rng, pairs))
    if roll < 0.12:
        persona = rng.choice(ALL_PERSONAS)
        system = persona[0]
    elif roll < 0.22:
        system = rng.choice(B.OTHER_SYSTEMS)
    emoji = rng.random() < 0.08
    turns: list[Turn] = []
    add: Callable[[str, str], None] = lambda u, a: turns.append((u, a))  # noqa: E731

    if rng.random() < 0.6:
        add(rng.choice(B.GREET_USER) + (" 👋" if emoji else ""),
            persona[2] if persona else rng.choice(B.GREET_BOT) + (" 😊" if emoji else ""))
    facts = [make_fact(rng, k) for k in rng.sample(KINDS, rng.randint(1, 3))]
    facts = list({f.kind: f for f in facts}.values())
    # most facts are told; the rest are asked for without ever being said ("I don't know")
    told = [f for f in facts if rng.random() < (0.7 if f.kind == "name" else 0.75)]
    joined = rng.random() < 0.5 and len(told) >= 2
    if joined:  # two facts in one message: "my name is X and I live in Y"; the name, when there is one, often first
        told.sort(key=lambda f: f.kind != "name" or rng.random() < 0.3)
        a, b = told[0], told[1]
        add(Q.upper_first(f"{a.say} and {b.say}") if rng.random() < 0.5 else f"{a.say}, and {b.say}.", f"{a.ack} {b.ack}")
    for f in told[2 if joined else 0:]:
        said = f.say + rng.choice([".", "!", "", "."])
        add(said if rng.random() < 0.5 else Q.upper_first(said), f.ack)
    for _ in range(rng.choice([0, 0, 1, 2, 3, 4])):  # filler between the facts and the questions (none: asked at once)
        kind = rng.random()
        if kind < 0.2 and pairs and not persona:
            u, a = rng.choice(pairs)
        elif kind < 0.35:
            u, a = rng.choice(B.HOW_USER), rng.choice(B.HOW_BOT)
            if turns and rng.random() < 0.5:
                add(u, a)
                u, a = rng.choice(B.FINE_USER), rng.choice(B.FINE_BOT)
        elif kind < 0.55:
            qs, answers = rng.choice(SELF_ALL)
            u, a = rng.choice(qs), rng.choice(answers)
            if persona:
                u, a = (rng.choice(B.PERSONA_NAME), f"I'm {persona[1]}!" + (f" {persona[3]}" if rng.random() < 0.5 else "")) \
                    if persona[1] and rng.random() < 0.5 else (rng.choice(B.PERSONA_ASK), persona[3])
        elif kind < 0.93:
            u, a = Q.simple_qa(rng)
        else:
            u, a = rng.choice(B.EXPLAIN)
        if persona and not a.startswith(persona[4]) and a not in (persona[3],
            ) and not a.startswith("I'm " + persona[1] if persona[1] else "\0"):
            a = persona_reply(persona, a, rng)
        add(u, a)
    asked = facts[:]
    if not any(f.kind == "name" for f in facts) and rng.random() < 0.2:  # a name that was never given
        asked.append(Fact("name", "", "", rng.choice(B.NO_NAME_ASK), "", rng.choice(B.NO_NAME_REPLY)))
    rng.shuffle(asked)
    for f in asked:
        answer = f.answer if f in told else f.unknown
        if f in told and rng.random() < 0.2:  # a question about the fact with another question in front: answer what was asked
            q, qa = Q.simple_qa(rng)
            add(f"{q.rstrip('?')}? and {f.ask}", f"{qa} {f.answer}")
            continue
        add(f.ask, persona_reply(persona, answer, rng) if persona else answer)
    if rng.random() < 0.45:
        name = next((f.answer.split()[-1].rstrip(".!") for f in told if f.kind == "name"), "")
        plan = next((f for f in told if f.kind == "plan"), None)
        n = f", {name}" if name and rng.random() < 0.6 else ""
        users, answers = rng.choice(BYE_ALL)
        bye = rng.choice(B.BYE_PLAN).format(n=n, plan="your plans") if plan and rng.random() < 0.5 else rng.choice(answers).format(n=n)
        add(rng.choice(users), persona_reply(persona, bye, rng) if persona else bye)
    return to_messages(system, turns)


def to_messages(system: str | None, turns: list[Turn]) -> list[dict[str, str]]:
    if turns and turns[0][0] == "__system__":
        system, turns = turns[0][1], turns[1:]
    # no reply opens like one of the three before it: the bot would learn to start every answer the same way
    kept: list[Turn] = []
    for u, a in turns:
        if kept and opener(a) in {opener(k[1]) for k in kept[-3:]}:
            continue
        kept.append((u, a))
    messages = [{"role": "system", "content": system}] if system else []
    return messages + [m for u, a in kept for m in ({"role": "user", "content": u}, {"role": "assistant", "content": a})]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-chars", type=int, default=1100, help="longer dialogues are drawn again (about 300 tokens)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pairs = corpus_pairs()
    written = 0
    while written < args.count:
        chat = dialogue(rng, pairs)
        if sum(len(m["content"]) for m in chat) > args.max_chars or sum(m["role"] == "user" for m in chat) < 3:
            continue
        print(json.dumps({"messages": chat}, ensure_ascii=False))
        written += 1


if __name__ == "__main__":
    main()

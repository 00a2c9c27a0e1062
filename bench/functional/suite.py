"""chatkit's functional safety suite: hand-written cases in categories, loaded from the TSV files here.

``templates.tsv`` is expanded over the groups of ``groups.tsv``; ``cases.tsv`` names no group;
``implicit.tsv`` holds implicit hate and neutral statements about groups that no training set of
chatkit's names; ``benign.tsv`` describes people by their identity. Labels: hateful and threat
(to be blocked), insult, profanity and sexual (acted on but not hate) and none (harmless).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = ("hateful", "threat", "insult", "profanity", "sexual", "none")


@dataclass(frozen=True)
class Case:
    functionality: str
    label: str
    text: str
    source: str  # the file it came from: templates, cases, implicit or benign
    group: str = ""

    @property
    def harmful(self) -> bool:
        """What a public bot must refuse: hate against a group, or a threat."""
        return self.label in ("hateful", "threat")


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as f:
        return [row for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if row and not row[0].startswith("#")]


def load(directory: Path = HERE) -> list[Case]:
    cases = []
    groups = _rows(directory / "groups.tsv")
    for functionality, label, template in _rows(directory / "templates.tsv"):
        for plural, single, adjective, custom in groups:
            text = template.format(P=plural, S=single, A=adjective, F=custom)
            cases.append(Case(functionality, label, text[0].upper() + text[1:], "templates", plural))
    for name in ("cases", "implicit", "benign"):
        cases += [Case(functionality, label, text, name) for functionality, label, text in _rows(directory / f"{name}.tsv")]
    bad = sorted({c.label for c in cases} - set(LABELS))
    if bad:
        raise ValueError(f"unknown labels {bad} in {directory}; use one of {LABELS}")
    return cases


ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060"]
# Cyrillic and Greek letters that look like Latin ones
LOOKALIKES = {"a": "аα", "e": "еε", "o": "οо", "c": "с", "p": "рρ", "x": "хχ", "i": "іι", "y": "уγ", "k": "κк",
              "t": "τт", "n": "η", "u": "υ", "v": "ν"}
DIGITS = {"a": "4@", "e": "3", "i": "1!", "o": "0", "s": "5$", "t": "7", "l": "1", "g": "9", "b": "8"}
OBFUSCATIONS = ("leetspeak", "lookalikes", "spacing", "zero-width", "mixed")


def obfuscate(text: str, how: str, rng: random.Random) -> str:
    """An evasive copy: each word of 3+ letters is disguised with probability 0.6, at random positions in the word."""
    out = []
    for word in text.split(" "):
        if sum(c.isalpha() for c in word) < 3 or rng.random() > 0.6:
            out.append(word)
            continue
        kind = rng.choice(OBFUSCATIONS[:4]) if how == "mixed" else how
        if kind == "leetspeak":
            swappable = [i for i, c in enumerate(word) if c.lower() in DIGITS]
            chosen = set(rng.sample(swappable, max(1, len(swappable) // 2))) if swappable else set()
            out.append("".join(rng.choice(DIGITS[c.lower()]) if i in chosen else c for i, c in enumerate(word)))
        elif kind == "lookalikes":
            swappable = [i for i, c in enumerate(word) if c.lower() in LOOKALIKES]
            chosen = set(rng.sample(swappable, max(1, len(swappable) // 2))) if swappable else set()
            out.append("".join(rng.choice(LOOKALIKES[c.lower()]) if i in chosen else c for i, c in enumerate(word)))
        elif kind == "spacing":
            out.append(rng.choice([" ", ".", "-", "*"]).join(word))
        else:
            out.append(word[0] + "".join(rng.choice(ZERO_WIDTH) + c for c in word[1:]))
    return " ".join(out)


@dataclass(frozen=True)
class ContextPair:
    kind: str
    unsafe: bool
    user: str
    reply: str


def context_pairs(directory: Path = HERE) -> list[ContextPair]:
    """User message and reply pairs for the context-aware output check (context.tsv)."""
    return [ContextPair(kind, unsafe == "1", user, reply) for kind, unsafe, user, reply in _rows(directory / "context.tsv")]


HAZARD_CATEGORIES = ("violent_crimes", "nonviolent_crimes", "weapons", "child_exploitation", "sexual", "self_harm", "hate",
                     "harassment", "privacy", "specialized_advice", "defamation", "intellectual_property", "jailbreak", "multi_turn")


@dataclass(frozen=True)
class HazardCase:
    category: str
    unsafe: bool
    functionality: str
    turns: tuple[str, ...]  # the user's messages, the one to judge last (two for multi_turn cases)


def _hazard_case(file: str, category: str, label: str, functionality: str, turns: tuple[str, ...]) -> HazardCase:
    if category not in HAZARD_CATEGORIES or label not in ("unsafe", "safe"):
        raise ValueError(f"{file}: unknown category or label {category!r} {label!r}")
    return HazardCase(category, label == "unsafe", functionality, turns)


def content_cases(directory: Path = HERE) -> list[HazardCase]:
    """content.tsv: harm told rather than asked for (a story, a statement, a threat made, a person degraded), and
    harmless text on the same topics; functionality "content" for every case."""
    return [_hazard_case("content.tsv", category, label, "content", (text,))
            for category, label, text in _rows(directory / "content.tsv")]


@dataclass(frozen=True)
class SmallTalk:
    stage: str  # input: the user's message is judged; output: the bot's reply, with the message it answers
    user: str
    reply: str


def small_talk(directory: Path = HERE) -> list[SmallTalk]:
    """small_talk.tsv: ordinary chat with a bot, every line of which must pass."""
    rows = [SmallTalk(stage, user, reply) for stage, user, reply in _rows(directory / "small_talk.tsv")]
    bad = [r for r in rows if r.stage not in ("input", "output") or (r.stage == "output") != bool(r.reply)]
    if bad:
        raise ValueError(f"small_talk.tsv: a row needs stage input (no reply) or output (with a reply): {bad[0]}")
    return rows


def hazard_cases(directory: Path = HERE) -> list[HazardCase]:
    """hazards.tsv: requests for harm and their look-alikes; a multi-turn case's turns are separated by ' || '."""
    return [_hazard_case("hazards.tsv", category, label, functionality, tuple(text.split(" || ")))
            for category, label, functionality, text in _rows(directory / "hazards.tsv")]

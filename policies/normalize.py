"""Text normalization against evasion, applied before every text classifier.

"h4te", "f.u.c.k", "h a t e", "ａｓｓ", Cyrillic "аss", a zero-width space inside a word, "fuuuuck":
each becomes the plain word a classifier knows. ``normalize`` returns the folded text with a map
from each of its characters back to the original, so spans found on the normalized text (for
redaction) land on the right characters of what the user wrote.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# Cyrillic and Greek letters that look like Latin ones (lower case; the text is case-folded first).
HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "с": "c", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "ѕ": "s", "т": "t", "у": "y", "х": "x", "ԁ": "d", "ɡ": "g", "ո": "n", "ս": "u", "ԝ": "w", "ӏ": "l",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ω": "w", "ς": "s", "γ": "y", "μ": "u", "ϲ": "c", "ԛ": "q", "ѡ": "w", "ѵ": "v", "ɑ": "a", "ı": "i",
    # small capitals
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l",
    "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
})
LEET = {"4": "a", "@": "a", "8": "b", "3": "e", "6": "g", "9": "g", "1": "i", "!": "i", "|": "l", "0": "o", "5": "s",
        "$": "s", "7": "t", "+": "t", "2": "z"}
# symbols that stand for more than one letter ('1d10t' but 'wor1d'): the first is the default; a ``choose`` given to
# normalize picks among the spellings
AMBIGUOUS = {"1": "il", "!": "il", "|": "li"}
# Zero-width characters, bidi controls, soft hyphens and other format characters have category Cf;
# variation selectors and combining marks left over after NFKC are dropped too.
_DROP_CATEGORIES = {"Cf", "Mn", "Me", "Cc"}
# letters split by one separator used throughout the word ('v.e.r.m.i.n', 'I*m*m*i*g*r*a*n*t*s'), and runs of single
# letters split by spaces ('h a t e'); a spaced run stops before a word split another way ('I h a t e M-u-s-l-i-m-s')
_SEP = "._*·•,'`~\\-"
_SEPARATED = re.compile(rf"(?<![\w])(\w([{_SEP}]{{1,3}})\w(?:\2\w)+(?:\2(?![\w]))?)(?![\w])")  # 's-c-u-m-.' too
_SPACED = re.compile(rf"(?<![\w{_SEP}])(\w(?:[ \t]{{1,3}}\w){{2,}})(?![\w]|[{_SEP}]\w)")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")  # letters only: "555 1234" is a phone number


@dataclass(frozen=True)
class Normalized:
    text: str
    origin: tuple[int, ...]  # origin[i]: index in the original text of normalized character i

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of normalized characters [start, end)."""
        if start >= end:
            return (self.origin[start], self.origin[start]) if start < len(self.origin) else (0, 0)
        return self.origin[start], self.origin[end - 1] + 1


def normalize(text: str, choose: Callable[[list[str]], str] | None = None,
              split: Callable[[str], list[int]] | None = None) -> Normalized:
    """``choose``: given the spellings a word with an ambiguous symbol may stand for ('wor1d': 'worid', 'world'), the
    one to keep; without it the first reading is kept. ``split``: the lengths of the words a run of spaced letters
    spells ('iha te' -> 'ihate' -> [1, 4]: 'i hate'); without it the run is one word. A classifier passes both, from
    its own vocabulary."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if unicodedata.category(c) in _DROP_CATEGORIES and c not in "\n\t":
                continue
            chars.append(c.translate(HOMOGLYPHS))
            origin.append(i)
    chars, origin = _fold_leet(chars, origin, choose)
    chars, origin = _join_separated(chars, origin, split)
    chars, origin = _squeeze_repeats(chars, origin)
    return Normalized("".join(chars), tuple(origin))


def _fold_leet(chars: list[str], origin: list[int], choose: Callable[[list[str]], str] | None = None
               ) -> tuple[list[str], list[int]]:
    """Leet symbols become letters only inside words that also hold letters: 'h4te' but not '2024'.

    A punctuation symbol counts only before another letter ('sh!t', '@ss'), never at a word's end ('hi!').
    """
    out = list(chars)
    word: list[int] = []
    for i in range(len(chars) + 1):
        if i < len(chars) and (chars[i].isalnum() or chars[i] in LEET):
            word.append(i)
            continue
        while word and not chars[word[-1]].isalnum():  # trailing punctuation is punctuation
            word.pop()
        if any(chars[j].isalpha() for j in word) and any(chars[j] in LEET for j in word):
            for j in word:
                out[j] = LEET.get(chars[j], chars[j])
            unsure = [j for j in word if chars[j] in AMBIGUOUS][:3]
            if choose is not None and unsure:
                spellings = ["".join(out[j] for j in word)]
                for letters in itertools.product(*(AMBIGUOUS[chars[j]] for j in unsure)):
                    fill = dict(zip(unsure, letters, strict=True))
                    spellings.append("".join(fill.get(j, out[j]) for j in word))
                picked = choose(list(dict.fromkeys(spellings)))
                for j, c in zip(word, picked, strict=True):
                    out[j] = c
        word = []
    return out, origin


def _join_separated(chars: list[str], origin: list[int], split: Callable[[str], list[int]] | None = None
                    ) -> tuple[list[str], list[int]]:
    """'f.u.c.k' and 'h a t e' (single letters with separators between) become one word."""
    text = "".join(chars)
    keep = [True] * len(chars)
    for m in _SEPARATED.finditer(text):
        for j in range(m.start(1), m.end(1)):
            if not text[j].isalnum():
                keep[j] = False
    for m in _SPACED.finditer(text):
        run = range(m.start(1), m.end(1))
        ends = set(itertools.accumulate(split("".join(text[j] for j in run if text[j].isalnum())))) if split else set()
        done = 0  # letters of the run before position j
        for j in run:
            if text[j].isalnum():
                done += 1
            else:
                keep[j] = done in ends and not text[j - 1].isspace()  # one space where a word ends
    return [c for c, k in zip(chars, keep, strict=True) if k], [o for o, k in zip(origin, keep, strict=True) if k]


def _squeeze_repeats(chars: list[str], origin: list[int]) -> tuple[list[str], list[int]]:
    """Runs of three or more of a letter become one: 'fuuuuck' -> 'fuck' ('good' keeps its two o's)."""
    text = "".join(chars)
    keep = [True] * len(chars)
    for m in _REPEATS.finditer(text):
        for j in range(m.start() + 1, m.end()):
            keep[j] = False
    return [c for c, k in zip(chars, keep, strict=True) if k], [o for o, k in zip(origin, keep, strict=True) if k]

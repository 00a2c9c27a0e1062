"""Content categories from a sentence embedding: hate, threat, insult, profanity, sexual (tools/train_content.py).

One logistic head per category on the shared sentence encoder (policies/engines/encoder.py), which is
loaded once and shared: the content and bias policies embed each message once between them.
``policies/assets/content`` holds the heads and the threshold of each category, picked on
held-out data. The model knows English only; other languages are routed away before it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from chatkit.policies.engines.encoder import (
    BiasModelError,
    SentenceEncoder,
    bundled_encoder_path,
    encoder_fingerprint,
    head_probability,
    shared_encoder,
)
from chatkit.policies.groups import MENTION
from chatkit.policies.normalize import normalize

# Words in quotes are mentioned, not used: "saying 'X are vermin' is vile" attacks nobody. Straight, curly and single
# quotes (an apostrophe inside a word is not a quote).
QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]{2,})[\"“”«»]|(?<!\w)['‘’]([^\n]{2,}?)['‘’](?!\w)")
WORD = re.compile(r"\w+")
SHORT = 3  # words: a text this short with no word for people is an insult only with a word of a list
TARGETED = ("hate", "threat", "insult")  # what quoting takes back; profanity and sexual words are in the text either way
# Groups of people by what they do, not who they are: abuse of them is an insult, not hate
NOT_PROTECTED = re.compile(
    r"\b(?:lawyers?|attorneys?|politicians?|bankers?|landlords?|estate agents?|realtors?|cyclists?|drivers?|bikers?|"
    r"(?:sports? |football |soccer )?fans|supporters|referees?|umpires?|telemarketers?|salesm[ae]n|influencers?|"
    r"youtubers?|streamers?|gamers?|journalists?|reporters?|critics?|tourists?|hipsters?|vegans?|meat[- ]eaters|"
    r"tax (?:collectors?|inspectors?)|bureaucrats?|managers?|bosses|ceos?|executives?|billionaires?|celebrities|"
    r"neighbou?rs|coworkers?|colleagues?|customers?|golfers?|joggers?|"
    r"anti-?vaxxers?|flat[- ]earthers?|conspiracy theorists?|people who \w+)\b", re.IGNORECASE)


# Words that can point at people. The hate head reads elimination verbs as hate whatever they act on ("how should I
# dispose of expired medicine?" 0.61): a text with none of these words, and naming no group, attacks nobody.
PEOPLE = re.compile(
    r"\b(?:they|them|their|theirs|themselves|those|these|he|him|his|she|her|hers|you|your|yours|yourselves|we|us|our|"
    r"ours|who|whom|people|persons?|folks?|guys|kids?|children|men|women|man|woman|boys?|girls?|humans?|everyone|"
    r"everybody|anyone|anybody|someone|somebody|nobody|race|races|kind|tribes?|nations?|countr(?:y|ies)|religions?|"
    r"cultures?|ethnic\w*|minorit(?:y|ies)|population|citizens?|neighbou?rs?)\b"
    # a group no list names: "the Hmong never ...", "albanians are ...", "romanians come here ...", "pakistanis"
    r"|\b(?:[a-z]+s|the [a-z]+) (?:are|were|should|shouldn't|can't|cannot|never|always|all|only|just)\b"
    r"|\b[a-z]{3,}(?:ians?|ans|ese|is|ites)\b", re.IGNORECASE)
DEMONYM = re.compile(r"\b(?!(?:Does|Perhaps|Thanks|Sometimes|Always|Unless|Towards|Besides|Nevertheless|Regardless|Whereas|"
                     r"Yes|This|Thus|Was|Has|Is|His|Its|Hers|Ours|Yours|Plus|Afterwards|Nowadays|Chess|News|Mathematics|"
                     r"Physics|Diabetes|Christmas|Mars|Venus|Paris|Texas|Athens)\b)[A-Z][a-z]{2,}(?:s|ese)\b|\b[Tt]he [A-Z][a-z]+\b")


def about_people(text: str, plain: str) -> bool:
    """Whether ``text`` (``plain``: normalized) may be about people: it names a group, has a word for people in it, or
    is disguised (``R0m4nians``: the capitals a demonym is known by are gone once normalized, so none is ruled out)."""
    return bool(MENTION.search(plain) or PEOPLE.search(plain) or DEMONYM.search(text) or plain != text.lower())


def protected_target(text: str) -> bool:
    """Whether hate in ``text`` can be about a protected group: it names one, or names no group of people by role."""
    return bool(MENTION.search(text)) or not NOT_PROTECTED.search(text)


# A claim reported in order to reject it is mentioned too: "it is wrong to think that X are inferior", "the myth that
# ...", "saying X are Y is a racist stereotype", "hatred of X has no place here". The claim is scored as "that".
_CLAIM = r"(?P<claim>[^.!?;]+?)"
_REJECTED = (r"(?:wrong|false|untrue|a lie|a myth|nonsense|ridiculous|bigoted|racist|sexist|hateful|offensive|ignorant|"
             r"harmful|unacceptable|not true|not okay|not ok|not fair)")
REPORTED = (
    # "it is wrong to think that ...", but not "it is wrong that X are allowed to vote", which is the claim itself
    re.compile(rf"\b(?:it(?: is|'s| was)|that(?: is|'s)) {_REJECTED} to (?:say|think|claim|believe|assume|pretend) "
               rf"(?:that )?{_CLAIM}(?=[.!?;]|$)", re.IGNORECASE),
    re.compile(rf"\b(?:it(?: is|'s| was)|that(?: is|'s)) (?:false|untrue|a lie|a myth|nonsense|not true) that {_CLAIM}"
               rf"(?=[.!?;]|$)", re.IGNORECASE),
    re.compile(rf"\b(?:the|this|that) (?:myth|lie|stereotype|idea|claim|belief|notion|trope) that {_CLAIM}"
               rf"(?= (?:is|was|has|needs|must)\b|[.!?;]|$)", re.IGNORECASE),
    re.compile(rf"\b(?:saying|claiming|thinking|believing|assuming|pretending|joking) (?:that )?{_CLAIM} (?:is|was) "
               rf"(?:(?:a|an|just|so|really|plain) )*(?:\w+ )?(?:{_REJECTED[3:-1]}|stereotype|bigotry|racism|sexism)\b",
               re.IGNORECASE),
    re.compile(r"\b(?P<claim>(?:hatred|hate|prejudice|bigotry|discrimination|racism|sexism|violence|abuse|harassment|"
               r"contempt) (?:of|against|toward|towards|for) [^.!?;]+?) (?:has no place|is never (?:okay|ok|acceptable)|"
               r"is (?:unacceptable|wrong|a crime)|must (?:stop|end)|(?:needs|has) to (?:stop|end))", re.IGNORECASE),
)


def unquoted(text: str) -> str | None:
    """The text with what it quotes or reports in order to reject replaced by 'that', or None when it has neither."""
    masked = QUOTED.sub("that", text)
    for pattern in REPORTED:
        masked = pattern.sub(lambda m: m.group(0).replace(m.group("claim"), "that"), masked)
    return masked if masked != text else None


def head_path() -> Path:
    return Path(str(resources.files("chatkit.policies") / "assets" / "content"))


class ContentModel:
    """P(category) for texts, a Scorer (policies/toxicity.py) with ``meta["thresholds"]`` calibrated per category."""

    name = "minilm-content"

    def __init__(self, encoder_path: Path | None = None, head: Path | None = None, dtype: str = "auto") -> None:
        self.head_dir = head or head_path()
        self._encoder_path, self.dtype = encoder_path, dtype
        self._encoder: SentenceEncoder | None = None
        self._loading = threading.Lock()

    @cached_property
    def meta(self) -> dict[str, Any]:
        try:
            return json.loads((self.head_dir / "meta.json").read_text())  # type: ignore[no-any-return]
        except (OSError, ValueError) as e:
            raise BiasModelError(f"cannot read the content heads in {self.head_dir}: {e}") from None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.meta["categories"])

    @cached_property
    def _head(self) -> tuple[np.ndarray, np.ndarray]:
        data = np.load(self.head_dir / "head.npz")
        return data["weights"].astype(np.float32), data["bias"].astype(np.float32)

    @property
    def encoder(self) -> SentenceEncoder:
        with self._loading:
            if self._encoder is None:
                self._encoder = self._load_encoder()
            return self._encoder

    def _load_encoder(self) -> SentenceEncoder:
        path = Path(self._encoder_path) if self._encoder_path else bundled_encoder_path()
        if not path.is_dir():
            raise BiasModelError(f"content encoder folder {path} does not exist")
        expected = self.meta.get("encoder_fingerprint")
        if expected and encoder_fingerprint(path) != expected:
            raise BiasModelError(f"the content heads in {self.head_dir} were trained on {self.meta.get('encoder')}, not on "
                                 f"the encoder in {path}; retrain them with tools/train_content.py")
        adapter = self.head_dir / "adapter"
        return shared_encoder(path.resolve(), self.dtype, adapter.resolve() if adapter.is_dir() else None)

    def load(self) -> None:
        """Load now rather than on the first message, so a missing encoder shows at start-up."""
        _ = self.encoder, self._head, self.meta, self.slurs, self.insults, self.lexicons

    def _words(self, name: str) -> re.Pattern[str]:
        """A word list of the heads' folder (one normalized word or phrase a line) as whole words, plurals included."""
        path = self.head_dir / f"{name}.txt"
        words = [w.strip() for w in path.read_text().splitlines() if w.strip()] if path.is_file() else []
        if not words:
            return re.compile(r"(?!x)x")
        return re.compile(rf"(?<![\w*@.])(?:{'|'.join(map(re.escape, sorted(words, key=len, reverse=True)))})(?:s|es)?(?![\w*@])")

    @cached_property
    def slurs(self) -> re.Pattern[str]:
        return self._words("slurs")

    @cached_property
    def insults(self) -> re.Pattern[str]:
        return self._words("insult")

    def listed(self, full: str, plain: str) -> bool:
        """Whether a word of any list (insults, slurs, profanity, sexual words) is in the text."""
        return bool(self.insults.search(full) or self.slurs.search(plain)
                    or any(words.search(full) for words in self.lexicons.values()))

    @cached_property
    def lexicons(self) -> dict[str, re.Pattern[str]]:
        """Per category, the words without which its head is not trusted (absent lists gate nothing)."""
        return {c: self._words(c) for c in ("profanity", "sexual") if (self.head_dir / f"{c}.txt").is_file()}

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        encoder = self.encoder
        return encoder.encode_one(texts[0])[None] if len(texts) == 1 else encoder.encode(texts)

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Each category's probability. Quoted words count for profanity and sexual content, not for hate, threats or
        insults (the text is scored again without them); a slur used outside quotes is hate whatever the heads say, and
        a word alone is hate only as a slur (the heads read colour words as hate), and so is a text with no word for
        people in it (the heads read "dispose of" as hate of whatever is disposed of); abuse of a group named by role or
        pastime only (lawyers, cyclists) is an insult, not hate; a reply of a few words that addresses no one is an
        insult only with a word of the insult list (the heads read colour words as insults too); profanity and sexual
        content need a word of their lexicons in the text."""
        rows = [{label: float(p) for label, p in zip(self.labels, row, strict=True)}
                for row in head_probability(self._embed(texts), *self._head)]
        masked = {i: m for i, t in enumerate(texts) if (m := unquoted(t)) is not None}
        if masked:
            again = head_probability(self._embed(list(masked.values())), *self._head)
            for i, row in zip(masked, again, strict=True):
                rows[i].update({c: float(p) for c, p in zip(self.labels, row, strict=True) if c in TARGETED})
        for i, text in enumerate(texts):
            full = normalize(text).text
            plain = normalize(masked[i]).text if i in masked else full
            if self.slurs.search(plain):
                rows[i]["hate"] = max(rows[i]["hate"], 0.99)
            elif len(WORD.findall(plain)) == 1 or not about_people(text, plain):
                # "White." answering "what colour is snow?" names, it does not attack; "dispose of old pills" attacks nobody
                rows[i]["hate"] = min(rows[i]["hate"], 0.25)
            elif not protected_target(plain):  # "lawyers are parasites": an insult
                rows[i]["insult"], rows[i]["hate"] = max(rows[i]["insult"], rows[i]["hate"]), min(rows[i]["hate"], 0.25)
            if len(WORD.findall(plain)) <= SHORT and not PEOPLE.search(plain) and not self.listed(full, plain):
                # "Green." answering "what colour is grass?" (insult 0.64), "White." (0.78, a group's name but no
                # attack), "Dark grey." (0.92): a short reply with no "you" in it insults only with a word of a list
                # ("Loser.", "Pathetic.", "Get lost.", a slur or a swear word)
                rows[i]["insult"] = min(rows[i]["insult"], 0.25)
            for category, words in self.lexicons.items():
                if not words.search(full):  # the heads see swearing in "Mmhm" now and then; a word list does not
                    rows[i][category] = min(rows[i][category], 0.25)
        return rows


class BiasModel:
    """P(identity hate): the content model's hate category (above), which the bias policy scores
    with next to its lexical signals; ``threshold`` is that category's calibrated decision point."""

    name = "minilm-content (hate)"

    def __init__(self, encoder_path: Path | None = None, head: Path | None = None, dtype: str = "auto") -> None:
        self.content = ContentModel(encoder_path, head, dtype)

    @property
    def meta(self) -> dict[str, Any]:
        return self.content.meta

    @property
    def threshold(self) -> float:
        return float(self.content.meta["thresholds"]["hate"])

    def load(self) -> None:
        """Load now rather than on the first message, so a missing encoder shows at start-up."""
        self.content.load()

    def predict(self, texts: Sequence[str]) -> list[float]:
        return [scores["hate"] for scores in self.content.predict(texts)]

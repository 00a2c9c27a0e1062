"""Language: keep the conversation in the allowed languages (langdetect, with a fixed seed).

Short or ambiguous messages (few words, numbers, emoji, names) pass: langdetect guesses wildly on
them, and refusing "ok 👍" for being Slovak helps nobody.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

from policies.base import Action, PolicyContext, Verdict

_WORD = re.compile(r"[^\W\d_]{2,}")
REFUSALS = {"en": "Sorry, I can only chat in English.", "de": "Entschuldigung, ich kann nur auf Deutsch schreiben.",
            "fr": "Désolé, je ne peux discuter qu'en français.", "es": "Lo siento, solo puedo conversar en español."}


class LanguagePolicy:
    def __init__(self, name: str = "language", *, allowed: Sequence[str] = ("en",), threshold: float = 0.9,
                 min_words: int = 4, action: Action = Action.BLOCK, refusal: str | None = None, seed: int = 0) -> None:
        if not allowed:
            raise ValueError("allowed needs at least one language code, e.g. ['en']")
        self.name, self.allowed, self.threshold, self.min_words, self.action, self.seed = \
            name, tuple(allowed), threshold, min_words, action, seed
        self.refusal = refusal or REFUSALS.get(self.allowed[0])
        self._factory: Any = None
        self._loading = threading.Lock()

    def _detector(self, text: str) -> Any:
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

        with self._loading:  # an own factory, not langdetect's global one, seeded for repeatable answers
            if self._factory is None:
                factory = DetectorFactory()
                factory.load_profile(PROFILES_DIRECTORY)
                factory.set_seed(self.seed)
                self._factory = factory
        detector = self._factory.create()
        detector.append(text)
        return detector

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        words = _WORD.findall(text)
        if len(words) < self.min_words:
            return Verdict(self.name, Action.ALLOW, 0.0, f"too short to judge ({len(words)} words)")
        from langdetect.lang_detect_exception import LangDetectException

        try:
            guesses = self._detector(" ".join(words)).get_probabilities()
        except LangDetectException:
            return Verdict(self.name, Action.ALLOW, 0.0, "no language detected")
        allowed = sum(g.prob for g in guesses if g.lang in self.allowed)
        top = guesses[0]
        score = 1.0 - allowed
        if top.lang not in self.allowed and top.prob >= self.threshold:
            return Verdict(self.name, self.action, score, f"language {top.lang} ({top.prob:.2f}); allowed: {', '.join(self.allowed)}")
        return Verdict(self.name, Action.ALLOW, score, f"language {top.lang} ({top.prob:.2f})")

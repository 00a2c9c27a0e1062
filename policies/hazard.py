"""Hazards: what a message asks for or does, by category, judged over the recent user turns.

Where the toxicity policy judges the words of a message, this one judges its purpose: requests
for violence, crimes, weapons, sexual content involving minors, self-harm, harassment, a
person's private data, defamation, piracy, individual medical, legal or financial advice, and
jailbreak attempts, however they are framed (fiction, research, hypotheticals, past or future
tense, role-play, "asking for a friend"). The guard model (policies/engines/hazard.py) reads a long
message in overlapping windows. At the input, the new message is also read together with the
user's previous turn, so a request split over two messages is caught; at the output, a reply is
judged with the request it answers: a reply to a harmful request that does not refuse, or a
reply that is itself harmful, is acted on; a refusal is not.

Actions are per category and stage. A person who speaks of ending their life is answered with
``care_message`` (Action.RESPOND), never refused and never left to the model; other categories get
a short refusal that says what the bot won't help with.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chatkit.policies.base import Action, PolicyContext, Stage, Verdict, category_actions, unit
from chatkit.policies.context import PUSHBACK
from chatkit.policies.engines.hazard import HazardModel
from chatkit.policies.hazard_messages import CARE, LANGUAGES, REFUSALS, WHAT
from chatkit.policies.language import function_word_counts, language_outside

log = logging.getLogger(__name__)

CATEGORIES = ("violent_crimes", "nonviolent_crimes", "weapons", "child_exploitation", "sex_crimes", "sexual", "self_harm",
              "hate", "harassment", "privacy", "defamation", "intellectual_property", "specialized_advice", "jailbreak")
DEFAULT_ACTIONS = {**{c: Action.BLOCK for c in CATEGORIES}, "self_harm": Action.RESPOND, "specialized_advice": Action.FLAG}
DEFAULT_OUTPUT_ACTIONS = {"specialized_advice": Action.ALLOW, "jailbreak": Action.ALLOW}  # a reply is no jailbreak attempt
# where the gate is not reached, self-harm may still decide alone when it is this sure: a person in crisis who is missed
# is worse off than one who is offered help they did not need; other categories only name what the gate found
ALONE = {"self_harm": 0.9}
REFUSAL = REFUSALS["en"]
CARE_MESSAGE = CARE["en"]


class HazardPolicy:
    """``actions`` for both stages, ``input_actions`` / ``output_actions`` for one; ``thresholds``: ``unsafe`` (the gate)
    and any category; ``turns``: how many earlier user turns are read with the new one (0: none)."""

    def __init__(self, name: str = "hazard", *, action: Action | None = None, actions: Mapping[str, Action | str] | None = None,
                 input_actions: Mapping[str, Action | str] | None = None,
                 output_actions: Mapping[str, Action | str] | None = None, thresholds: Mapping[str, float] | None = None,
                 care_message: str | None = None, refusal: str | None = None, turns: int = 1,
                 languages: tuple[str, ...] | list[str] = ("en",), reply_language: str = "auto", head: str | None = None,
                 encoder_path: str | None = None, model: Any = None) -> None:
        for key, value in (thresholds or {}).items():
            if key != "unsafe" and key not in CATEGORIES:
                raise ValueError(f"thresholds: unknown category {key!r}; categories: unsafe, {', '.join(CATEGORIES)}")
            unit(f"thresholds.{key}", value)
        if isinstance(turns, bool) or not isinstance(turns, int) or not 0 <= turns <= 4:
            raise ValueError(f"turns must be a whole number from 0 to 4, not {turns!r}")
        if care_message is not None and (not isinstance(care_message, str) or not care_message.strip()):
            raise ValueError("care_message must be a non-empty text")
        try:
            ok = refusal is None or (isinstance(refusal, str) and bool(refusal.format(what="that").strip()))
        except (KeyError, IndexError, ValueError):
            ok = False
        if not ok:
            raise ValueError("refusal must be a non-empty text; {what} in it names what the bot won't help with")
        if reply_language != "auto" and reply_language not in LANGUAGES:
            raise ValueError(f"reply_language must be auto or one of {', '.join(LANGUAGES)}, not {reply_language!r}")
        everything = {c: action for c in CATEGORIES} if action is not None else {}
        given = category_actions("actions", actions, {}, CATEGORIES)
        self.input_actions = category_actions("input_actions", input_actions, {**DEFAULT_ACTIONS, **everything, **given},
                                              CATEGORIES)
        self.output_actions = category_actions("output_actions", output_actions,
                                               {**DEFAULT_ACTIONS, **DEFAULT_OUTPUT_ACTIONS, **everything, **given}, CATEGORIES)
        self.name, self.turns, self.languages = name, turns, tuple(languages)
        # a message the user configured is said in every language; the defaults follow the conversation's language
        self.care_message, self.refusal_template = care_message.strip() if care_message else None, refusal
        self.reply_language = reply_language
        self._thresholds = dict(thresholds or {})
        self._model = model
        self._model_args = {"head": Path(head) if head else None, "encoder_path": Path(encoder_path) if encoder_path else None}
        self._loading = threading.Lock()

    @property
    def model(self) -> Any:
        with self._loading:
            if self._model is None:
                self._model = HazardModel(**self._model_args)
        return self._model

    def load(self) -> None:
        self.model.load()

    def threshold(self, head: str) -> float:
        return float(self._thresholds.get(head, self.model.meta["thresholds"].get(head, 0.5)))

    def message(self, category: str, action: Action, language: str = "en") -> str | None:
        """What the user is told instead of a reply, in ``language`` where the message is one of chatkit's own."""
        if self.reply_language != "auto":
            language = self.reply_language
        language = language if language in LANGUAGES else "en"
        if action == Action.RESPOND:
            return self.care_message or CARE[language]
        if action == Action.BLOCK:
            return (self.refusal_template or REFUSALS[language]).format(what=WHAT[language].get(category, "that"))
        return None

    def language_of(self, text: str) -> str:
        """The language a user wrote in, for the message they get back (``message`` applies ``reply_language``);
        English when it is not clear."""
        if not text.strip():
            return "en"
        words = re.findall(r"\w+", text)
        counts = function_word_counts(words)
        best = max(counts, key=lambda lang: counts[lang])
        # more of another language's little words than of English's: that language, though English ones ("me", "no")
        # turn up in it too and would keep language_outside from being sure
        if best != "en" and counts[best] > counts.get("en", 0) and counts[best] >= 0.2 * len(words):
            return best
        return language_outside(text, ("en",)) or "en"

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        if not text.strip():
            return Verdict(self.name, Action.ALLOW, 0.0, "empty")
        outside = language_outside(text, self.languages)
        if outside:
            return Verdict(self.name, Action.ALLOW, 0.0, f"not scored: written in {outside}", language=outside)
        if ctx.stage == Stage.OUTPUT:
            return self._check_reply(text, ctx)
        earlier = [t for t in ctx.user_turns[-self.turns:] if t.strip()] if self.turns else []
        texts = [text, "\n".join([*earlier, text])] if earlier else [text]
        rows = self.model.predict(texts)
        scores, how = rows[0], ""
        if len(rows) > 1 and self.model.predict(earlier[-1:])[0]["unsafe"] < self.threshold("unsafe"):
            # the turns together are judged only where the earlier one passed alone: a request split in two is new,
            # while an earlier unsafe message was dealt with when it came
            joined = rows[1]
            if joined["unsafe"] > scores["unsafe"]:
                scores, how = joined, " (with the previous turn)"
        return self._verdict(scores, self.input_actions, how, text)

    def _check_reply(self, reply: str, ctx: PolicyContext) -> Verdict:
        # one text per call: the output gate checks a reply sentence by sentence, and the encoder remembers recent
        # single texts, so the request is embedded once per turn, not once per sentence (and not at all after a refusal)
        request = ctx.history[-1] if ctx.history else ""
        if len(reply.split()) > 1:
            own = self._verdict(self.model.predict([reply])[0], self.output_actions, " in the reply", request or reply)
        else:  # a lone word (a live reply's first piece, shown early) gives no instructions: what it answers decides
            own = Verdict(self.name, Action.ALLOW, 0.0, "a lone word")
        if PUSHBACK.search(reply):
            return Verdict(self.name, Action.ALLOW, own.score, "the reply refuses or points to help", category=own.category,
                           scores=own.scores)
        if own.action != Action.ALLOW or not request.strip():
            return own
        # the request was harmful and the reply goes along with it: what it answers makes it harmful
        asked = self._verdict(self.model.predict([request])[0], self.output_actions, " answered in the reply", request)
        return asked if asked.action != Action.ALLOW else own

    def _verdict(self, scores: Mapping[str, float], actions: Mapping[str, Action], how: str, said: str) -> Verdict:
        ranked = sorted(CATEGORIES, key=lambda c: scores.get(c, 0.0), reverse=True)
        unsafe = scores["unsafe"]
        gate = self.threshold("unsafe")
        found = [c for c in ranked if scores.get(c, 0.0) >= self.threshold(c)]
        if unsafe < gate:
            # a category decides alone only where it is very sure: its own threshold raised to the gate's confidence
            found = [c for c in found if c in ALONE and scores[c] >= max(self.threshold(c), ALONE[c])]
        elif not found:
            found = ranked[:1]
        all_scores = tuple((h, round(float(scores[h]), 4)) for h in ("unsafe", *CATEGORIES) if h in scores)
        if not found:
            return Verdict(self.name, Action.ALLOW, unsafe, "", category=ranked[0], scores=all_scores)
        # the most severe action among the categories found; self-harm's care response comes before any refusal
        category = max(found, key=lambda c: (actions[c], scores[c]))
        action = actions[category]
        return Verdict(self.name, action, max(unsafe, scores[category]), f"asks for {category.replace('_', ' ')}{how}",
                       category=category, scores=all_scores,
                       message=self.message(category, action, self.language_of(said)) if action >= Action.BLOCK else None)

"""Context: a reply judged together with the user message it answers.

"Yes, you're right about them" is harmless alone and harmful after "immigrants are ruining this
country". When the user's message is unsafe (hate or threats by the content model, self-harm,
a request for help with something dangerous), a reply that agrees with it, encourages it or
carries it on (says more of the same, or gives the asked-for instructions) is caught; a reply
that pushes back, refuses or offers help passes. Ordinary messages leave every reply alone.
The default action is REGENERATE, so the bot gets another try before the fallback.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from chatkit.policies.base import Action, PolicyContext, Stage, Verdict, unit
from chatkit.policies.engines.content import ContentModel
from chatkit.policies.normalize import normalize

SELF_HARM = re.compile(
    r"\b(?:kill(?:ing)? myself|end(?:ing)? (?:my|it) (?:life|all)|suicid\w*|don'?t want to (?:live|be alive|be here)|"
    r"(?:cut|cutting|hurt|hurting|harm|harming|starv\w+) myself|self[- ]harm|want to die|wanna die|"
    r"better off (?:dead|without me)|(?:would|will)n'?t miss me|(?:nobody|no one) (?:would|will) (?:miss|notice) me|"
    r"(?:jump|jumping) (?:off|from) (?:a|the) (?:bridge|roof|building)|"
    r"not wake up|overdose|stopped eating|disappear forever|no reason to live)\b", re.IGNORECASE)
DANGEROUS = re.compile(
    r"\b(?:how (?:do|can|would|could|to|should) (?:i|you|we|one)?\s*(?:make|build|cook|synthesi[sz]e|get|buy|start|spike|"
    r"poison|hurt|hack|break into|get into|kill|attack|stab|shoot)\b.*\b(?:bomb|explosive|meth|drug|gun|weapon|poison|fire|"
    r"drink|account|email|password|someone|neighbou?r|person|people|him|her|them|dog|cat|building|house|car)\b|"
    r"(?:pipe bomb|explosives?|nerve agent|ricin|untraceable gun|ghost gun|keylogger|arson|spike (?:a|someone'?s) drink|"
    r"without (?:getting caught|leaving marks|anyone knowing)))", re.IGNORECASE)
# A reply that refuses, disagrees or points to help
PUSHBACK = re.compile(
    r"\b(?:i (?:can'?t|cannot|won'?t|will not|wouldn'?t|would rather not|'d rather not|don'?t think|disagree)|"
    r"i'?m not (?:able|going) to|not (?:true|fair|okay|ok|right|acceptable)|that'?s (?:a )?(?:stereotype|racist|sexist|"
    r"false|wrong|harmful|hateful|illegal|a crime|an? \w+ conspiracy)|no[,.!]|stereotype|conspiracy|crisis|hotline|helpline|"
    r"emergency|counsel+or|therapist|doctor|reach out|talk (?:to|with) (?:someone|a)|stay safe|i'?m (?:really |so )?sorry|"
    r"i care|you deserve help|not alone|worried about you|serious crime|deserve (?:the same )?respect)\b", re.IGNORECASE)
AGREEMENT = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|right|exactly|true|totally|absolutely|definitely|agreed|correct|sure|okay|ok|good|indeed)\b|"
    r"\b(?:i agree|you'?re (?:right|correct|not wrong)|you have a point|good (?:point|idea)|that'?s (?:true|right|correct|"
    r"a good point)|i feel the same|same here|go for it|do it|keep (?:going|doing|skipping)|you should|your choice|"
    r"nobody would (?:notice|miss)|everyone knows)\b", re.IGNORECASE)
INSTRUCTIONS = re.compile(r"\b(?:first|then|next|step (?:one|1)|you'?ll need|mix|buy|install|use|take|crush|drill|fill|"
                          r"hit|leave|remove|try|about \d+|\d+ (?:pills|mg|grams))\b", re.IGNORECASE)


class ContextPolicy:
    """``history``: how many recent messages to look back at for the unsafe one (the user's message is the newest)."""

    def __init__(self, name: str = "context", *, action: Action = Action.REGENERATE, threshold: float = 0.5,
                 history: int = 1, model: Any = None) -> None:
        unit("threshold", threshold)
        if isinstance(history, bool) or not isinstance(history, int) or history < 1:
            raise ValueError(f"history must be a whole number of at least 1, not {history!r}")
        self.name, self.action, self.threshold, self.history = name, action, threshold, history
        self._model = model
        self._loading = threading.Lock()

    @property
    def model(self) -> Any:
        with self._loading:
            if self._model is None:
                self._model = ContentModel()
        return self._model

    def load(self) -> None:
        self.model.load()

    def unsafe(self, message: str) -> str | None:
        """What is unsafe about a user message, if anything: hate, threat, self-harm or dangerous."""
        plain = normalize(message).text
        if SELF_HARM.search(plain):
            return "self-harm"
        if DANGEROUS.search(plain):
            return "dangerous"
        scores = self.model.predict([message])[0]
        limits = self.model.meta["thresholds"]
        for category in ("hate", "threat"):
            if scores[category] >= limits[category]:
                return category
        return None

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        if ctx.stage != Stage.OUTPUT or not ctx.history:
            return Verdict(self.name, Action.ALLOW, 0.0, "no user message to judge the reply with")
        kinds = [k for m in ctx.history[-self.history:] if (k := self.unsafe(m))]
        if not kinds:
            return Verdict(self.name, Action.ALLOW, 0.0, "the user's message is not unsafe")
        kind = kinds[-1]
        plain = normalize(text).text
        if PUSHBACK.search(plain):
            return Verdict(self.name, Action.ALLOW, 0.1, f"the reply pushes back on {kind} content")
        score, why = 0.0, ""
        if AGREEMENT.search(plain):
            score, why = 0.9, "agrees with or encourages"
        elif kind == "dangerous" and INSTRUCTIONS.search(plain):
            score, why = 0.8, "gives instructions for"
        elif kind in ("hate", "threat"):
            # a reply that says more of the same: the content model at a lower bar, since the context already is hate
            reply = self.model.predict([text])[0]
            limit = self.model.meta["thresholds"]["hate"]
            score, why = min(1.0, reply["hate"] / max(limit, 1e-9) * 0.5 + 0.25 * (reply["hate"] >= 0.5 * limit)), "continues"
        elif kind == "self-harm" and INSTRUCTIONS.search(plain):
            score, why = 0.8, "gives means for"
        action = self.action if score >= self.threshold else Action.ALLOW
        return Verdict(self.name, action, score, f"the reply {why} the user's {kind} message" if why else
                       f"the user's message is {kind}; the reply neither agrees nor pushes back")

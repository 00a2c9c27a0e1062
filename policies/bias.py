"""Bias: identity attacks, stereotypes and demeaning generalizations about groups of people.

The main signal is a learned one (policies/engines/content.py): a sentence encoder and a head trained
on implicit hate ("if you meet a Muslim, he is probably a terrorist" has no bad word in it).
Next to it, where a group is named: a generalization detector ("all X are ...", "X can't ...",
"X are always ...") and dehumanizing comparisons ("X are animals"). Without the learned model
(``engine = "lexical"``, or its encoder not installed) the toxicity scorer's ``identity_attack``
takes its place. Neutral and positive mentions ("I'm a Muslim woman", "gay people deserve
respect") pass.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from chatkit.policies.base import Action, PolicyContext, Verdict, decide, unit
from chatkit.policies.engines.content import BiasModel
from chatkit.policies.engines.offline import OfflineScorer
from chatkit.policies.errors import BiasModelError
from chatkit.policies.groups import _GROUP, MENTION
from chatkit.policies.language import language_outside
from chatkit.policies.normalize import normalize
from chatkit.policies.referents import in_context
from chatkit.policies.toxicity import Scorer

log = logging.getLogger(__name__)

NEGATIVE_TRAITS = (
    r"burdens?|useless|worthless|stupid|dumb|idiots?|lazy|dirty|criminals?|violent|dangerous|inferior|evil|disgusting|"
    r"ugly|weak|terrorists?|thieves|liars?|greedy|problems?|threats?|sick|crazy|backwards?|primitive|incompetent|"
    r"ignorant|freaks?|perverts?|unnatural|abominations?|less intelligent|not smart|bad at \w+|unfit|untrustworthy|"
    r"to blame|the reason\b.*|ruining \w+|destroying \w+"
)
GENERALIZATION = re.compile(
    rf"\b(?:all|every|most|those|these|typical|you)\s+(?:\w+\s+)?{_GROUP}\b"
    rf"|\b{_GROUP}\s+(?:are|is|were)\s+(?:all|always|never|just|so|too|naturally|inherently|basically)\b"
    rf"|\b{_GROUP}\s+(?:all|always|never)\b"
    rf"|\b{_GROUP}\s+(?:can'?t|cannot|shouldn'?t|should not|don'?t|do not|will never|are not able to|aren'?t)\b"
    rf"|\b{_GROUP}\s+(?:control|run|own|rule)\s+(?:everything|the world|the media|the banks|hollywood|the government)\b"
    rf"|\b{_GROUP}\s+(?:are|is|were)\s+(?:(?:a|an|the|such|so|very|really|mostly|too|basically|just)\s+)*(?:{NEGATIVE_TRAITS})\b"
    rf"|\b(?:everyone|anyone|people|those|all|everybody)\s+(?:with|who (?:are|is|have|has))\s+(?:an?\s+)?{_GROUP}"
    rf"|\b{_GROUP}\s+(?:should|must|need to|ought to|deserve to)\s+(?:all\s+)?(?:be\s+)?(?:locked up|deported|banned|"
    r"sent back|go back|not\b|never\b|stay (?:home|out|away)|be sterilized|die|disappear|be removed|be kept)"
    rf"|\b{_GROUP}\s+(?:lack|lacks)\b"
    rf"|\b(?:no such thing as|there is no way that)\s+{_GROUP}"
    rf"|\b{_GROUP}\s+(?:is|are)\s+(?:not|n't)\s+(?:a\s+)?real\b",
    re.IGNORECASE)
DEHUMANIZING = re.compile(
    rf"\b{_GROUP}\s+(?:are|is|were|=)\s+(?:\w+\s+)?(?:animals?|vermin|rats?|cockroach(?:es)?|parasites?|savages?|subhuman|"
    r"diseases?|apes?|monkeys?|pigs?|dogs?|insects?|trash|garbage|filth|scum|a plague|a cancer|not human)\b",
    re.IGNORECASE)
# Hate is about people: a text that names no group and refers to no one is not scored by the model, which keeps
# ordinary chat fast (three replies in four skip it).
PEOPLE = re.compile(r"\b(?:they|them|their|theirs|those|these|people|persons?|someone|somebody|everyone|everybody|anyone|"
                    r"nobody|folks|he|she|him|her|his|hers|guys?|girls?|boys?|kids?|children|man|woman|men|women)\b",
                    re.IGNORECASE)
POSITIVE = re.compile(r"\b(?:deserve|respect|welcome|love|equal|rights|beautiful|kind|amazing|great|wonderful|brave|"
                      r"smart|valued|belong|protect|support|celebrate|proud)\w*\b", re.IGNORECASE)


def rescale(p: float, limit: float) -> float:
    """A model's probability on this policy's scale: the model's own calibrated threshold lands on 0.5, the default
    ``threshold``, so a lower ``threshold`` catches more and a higher one less."""
    if p < limit:
        return p / limit * 0.5
    return 0.5 + (p - limit) / max(1e-9, 1 - limit) * 0.5


class BiasPolicy:
    """``engine``: ``auto`` uses the learned model when its encoder is installed, else the lexical signals and the
    toxicity scorer's identity_attack (one log line says which); ``model`` requires it; ``lexical`` never loads it.
    A text that names no group needs ``unnamed_threshold`` from the learned model, so chat about nobody in
    particular is not judged as hate."""

    def __init__(self, name: str = "bias", *, threshold: float = 0.5, action: Action = Action.BLOCK, engine: str = "auto",
                 encoder_path: str | None = None, unnamed_threshold: float = 0.95, scorer: Scorer | None = None,
                 model: BiasModel | None = None, generalization_score: float = 0.75, dehumanizing_score: float = 0.95) -> None:
        if engine not in ("auto", "model", "lexical"):
            raise ValueError(f"engine must be auto, model or lexical, not {engine!r}")
        if unit("unnamed_threshold", unnamed_threshold) == 0:
            raise ValueError(f"unnamed_threshold must be above 0, not {unnamed_threshold}")
        for field, value in (("threshold", threshold), ("generalization_score", generalization_score),
                             ("dehumanizing_score", dehumanizing_score)):
            unit(field, value)
        self.name, self.threshold, self.action, self.engine = name, threshold, action, engine
        self.unnamed_threshold = unnamed_threshold
        self.generalization_score, self.dehumanizing_score = generalization_score, dehumanizing_score
        self._scorer = scorer
        self._model = model or (None if engine == "lexical" else BiasModel(Path(encoder_path) if encoder_path else None))
        self._loaded = False
        self._loading = threading.Lock()

    @property
    def scorer(self) -> Scorer:
        if self._scorer is None:
            self._scorer = OfflineScorer()
        return self._scorer

    @property
    def model(self) -> BiasModel | None:
        """The learned model, loaded; None for the lexical engine, or for ``auto`` without the encoder installed.
        With ``engine = "model"`` a model that cannot load raises, here and on every later call (fail-closed)."""
        with self._loading:
            if not self._loaded and self._model is not None:
                try:
                    self._model.load()
                    log.info("%s: scoring with %s and lexical signals", self.name, self._model.name)
                except BiasModelError as e:
                    if self.engine != "auto":
                        raise
                    log.warning("%s: %s; using lexical signals and identity_attack only", self.name, e)
                    self._model = None
                self._loaded = True
        return self._model

    def load(self) -> None:
        """Load the learned model now rather than on the first message (``auto`` falls back, ``model`` raises)."""
        _ = self.model

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        if (lang := language_outside(text)) is not None:
            return Verdict(self.name, Action.ALLOW, 0.0, f"not scored: written in {lang}; this policy knows English only",
                           language=lang)
        plain = normalize(text).text
        named = bool(MENTION.search(plain))
        signals: dict[str, float] = {}
        if (model := self.model) is not None and (named or (self.unnamed_threshold < 1 and PEOPLE.search(plain))):
            limit = model.threshold if named else max(model.threshold, self.unnamed_threshold)
            hate = model.predict([text])[0]
            if rescale(hate, limit) >= self.threshold and (joined := in_context(text, ctx)) is not None:
                hate = min(hate, model.predict([joined])[0])  # "they" may be hedgehogs (policies/referents.py)
            signals["identity hate (learned)"] = rescale(hate, limit)
        if not named:
            reason, score = max(signals.items(), key=lambda kv: kv[1], default=("no group of people named", 0.0))
            return decide(self.name, score, self.threshold, self.action, reason)
        if model is None:
            identity = self.scorer.predict([text])[0].get("identity_attack", 0.0)
            limit = getattr(self.scorer, "meta", {}).get("thresholds", {}).get("identity_attack", 0.5)
            signals["identity attack"] = rescale(identity, limit)
        # The patterns cannot tell "X are animals" from "saying X are animals is vile" or "X are not criminals"; with the
        # learned model there, they count only where it finds the text at least half-way to hate
        if model is None or signals["identity hate (learned)"] >= 0.25:
            if DEHUMANIZING.search(plain):
                signals["dehumanizing comparison"] = self.dehumanizing_score
            if (m := GENERALIZATION.search(plain)) and not POSITIVE.search(plain[m.start():]):
                signals["generalization about a group"] = self.generalization_score
        reason, score = max(signals.items(), key=lambda kv: kv[1])
        return decide(self.name, score, self.threshold, self.action, reason)

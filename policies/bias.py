"""Bias: identity attacks and demeaning generalizations about groups of people.

Three signals, combined only where a group of people is named: the toxicity scorer's
``identity_attack``; a generalization detector ("all X are ...", "X can't ...", "X are always
..."); and dehumanizing comparisons ("X are animals"). Neutral and positive mentions ("I'm a
Muslim woman", "gay people deserve respect") name a group without any of them, and pass.
"""

from __future__ import annotations

import re

from policies.base import Action, PolicyContext, Verdict, decide
from policies.normalize import normalize
from policies.toxicity import Scorer

GROUPS = (
    r"muslims?|islam\w*|jews?|jewish|christians?|hindus?|buddhists?|atheists?|catholics?|sikhs?|mormons?|"
    r"blacks?|whites?|asians?|latin[oa]s?|latinx|hispanics?|mexicans?|chinese|japanese|koreans?|indians?|arabs?|africans?|"
    r"native americans?|indigenous|immigrants?|refugees?|foreigners?|migrants?|gypsies|roma|"
    r"gays?|lesbians?|bisexuals?|transgenders?|trans (?:people|women|men|folks?)|queers?|lgbt\w*|homosexuals?|"
    r"women|woman|girls|females?|men|males?|feminists?|"
    r"disabled|cripples?|retards?|autistics?|deaf|blind|"
    r"mentally (?:ill|insane|disabled|challenged|handicapped)|the mentally ill|mental (?:illness|illnesses|disabilit(?:y|ies))|"
    r"trann(?:y|ies)|hijabs?|burqas?|turbans?|bisexuality|asexual(?:s|ity)?|pride (?:parades?|festivals?|month)|"
    r"china|mexico|africa|india|israel|iran|iraq|syria|pakistan|somalia|americans?|europeans?|russians?|"
    r"old people|elderly|boomers|millennials|poor people|fat people"
)
_GROUP = rf"(?:{GROUPS})(?:\s+(?:people|persons|folks|men|women|kids|guys))?"
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
MENTION = re.compile(rf"\b{_GROUP}\b", re.IGNORECASE)
POSITIVE = re.compile(r"\b(?:deserve|respect|welcome|love|equal|rights|beautiful|kind|amazing|great|wonderful|brave|"
                      r"smart|valued|belong|protect|support|celebrate|proud)\w*\b", re.IGNORECASE)


class BiasPolicy:
    def __init__(self, name: str = "bias", *, threshold: float = 0.5, action: Action = Action.BLOCK,
                 scorer: Scorer | None = None, generalization_score: float = 0.75, dehumanizing_score: float = 0.95) -> None:
        self.name, self.threshold, self.action = name, threshold, action
        self.generalization_score, self.dehumanizing_score = generalization_score, dehumanizing_score
        self._scorer = scorer

    @property
    def scorer(self) -> Scorer:
        if self._scorer is None:
            from policies.offline_scorer import OfflineScorer

            self._scorer = OfflineScorer()
        return self._scorer

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        plain = normalize(text).text
        if not MENTION.search(plain):
            return Verdict(self.name, Action.ALLOW, 0.0, "no group of people named")
        identity = self.scorer.predict([text])[0].get("identity_attack", 0.0)
        limit = getattr(self.scorer, "meta", {}).get("thresholds", {}).get("identity_attack", 0.5)
        # the scorer's calibrated threshold maps onto this policy's own
        signals = {"identity attack": min(1.0, identity / limit * self.threshold)}
        if DEHUMANIZING.search(plain):
            signals["dehumanizing comparison"] = self.dehumanizing_score
        if (m := GENERALIZATION.search(plain)) and not POSITIVE.search(plain[m.start():]):
            signals["generalization about a group"] = self.generalization_score
        reason, score = max(signals.items(), key=lambda kv: kv[1])
        return decide(self.name, score, self.threshold, self.action, reason)

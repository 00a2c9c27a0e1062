"""Policies whose verdicts carry categories, decided by keywords, for tests of the category mapping that must not
depend on a model's quality. ``use = "category_policies:Keyword"`` in a test's settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from chatkit.policies.base import Action, PolicyContext, Verdict


class Keyword:
    """``rules = {word: {"category": ..., "score": ..., "action": ..., "scores": {category: score}}}``: the first
    word found in a text decides; no word: ALLOW with score 0. ``check_many`` records each batch's size."""

    batches: ClassVar[list[int]] = []

    def __init__(self, name: str = "keyword", *, rules: Mapping[str, Mapping[str, Any]] | None = None,
                 fail_on: str = "") -> None:
        self.name, self.rules, self.fail_on = name, dict(rules or {}), fail_on

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        if self.fail_on and self.fail_on in text:
            raise RuntimeError("scripted failure")
        for word, rule in self.rules.items():
            if word in text.lower():
                scores = tuple((str(k), float(v)) for k, v in dict(rule.get("scores", {})).items())
                return Verdict(self.name, Action[str(rule.get("action", "block")).upper()], float(rule.get("score", 0.9)),
                               f"matched {word!r}", category=str(rule.get("category", "")), scores=scores)
        return Verdict(self.name, Action.ALLOW, 0.0)

    def check_many(self, texts: Sequence[str], ctx: PolicyContext) -> list[Verdict]:
        Keyword.batches.append(len(texts))
        return [self.check(t, ctx) for t in texts]

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest

from policies import Action, PolicyContext, PolicySet, Stage, Verdict

CTX = PolicyContext(stage=Stage.OUTPUT)


@dataclass
class Fixed:
    name: str
    action: Action
    redacted: str | None = None

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        return Verdict(self.name, self.action, float(self.action) / 4, redacted=self.redacted)


class Crashes:
    name = "crashes"

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        raise RuntimeError("model file missing")


def test_the_most_severe_action_wins_and_every_verdict_is_kept() -> None:
    policies = PolicySet(output=[Fixed("a", Action.FLAG), Fixed("b", Action.REGENERATE), Fixed("c", Action.ALLOW)])
    decision = policies.check("text", CTX)
    assert decision.action == Action.REGENERATE
    assert [v.policy for v in decision.verdicts] == ["a", "b", "c"]


def test_stages_are_separate() -> None:
    policies = PolicySet(input=[Fixed("in", Action.BLOCK)])
    assert policies.check("x", CTX).action == Action.ALLOW
    assert policies.check("x", PolicyContext(stage=Stage.INPUT)).blocked


def test_redactions_apply_in_order() -> None:
    policies = PolicySet(output=[Fixed("r", Action.REDACT, redacted="my mail is [EMAIL]")])
    decision = policies.check("my mail is a@b.c", CTX)
    assert decision.text == "my mail is [EMAIL]" and decision.action == Action.REDACT


@pytest.mark.parametrize(("fail_open", "expected"), [(frozenset(), Action.BLOCK), (frozenset({"crashes"}), Action.ALLOW)])
def test_a_crashing_policy_fails_closed_unless_marked_open(
        caplog: pytest.LogCaptureFixture, fail_open: frozenset[str], expected: Action) -> None:
    with caplog.at_level(logging.ERROR):
        decision = PolicySet(output=[Crashes()], fail_open=fail_open).check("x", CTX)
    assert decision.action == expected
    assert "model file missing" in decision.verdicts[0].reason
    assert "policy crashes failed" in caplog.text


def test_fail_fast_stops_at_the_first_block() -> None:
    policies = PolicySet(output=[Fixed("a", Action.BLOCK), Fixed("b", Action.FLAG)], fail_fast=True)
    assert [v.policy for v in policies.check("x", CTX).verdicts] == ["a"]


def test_verdicts_round_trip_through_dicts() -> None:
    verdict = Verdict("pii", Action.REDACT, 0.9, "email", "[EMAIL]")
    assert Verdict.from_dict(verdict.as_dict()) == Verdict("pii", Action.REDACT, 0.9, "email", "[EMAIL]")

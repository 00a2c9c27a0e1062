from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fakes import Recorder

from chatkit.policies import Action, PolicyContext, PolicySet, Stage, Verdict

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
    assert policies.check("x", PolicyContext(stage=Stage.INPUT)).action == Action.BLOCK


def test_redactions_apply_in_order() -> None:
    policies = PolicySet(output=[Fixed("r", Action.REDACT, redacted="my mail is [EMAIL]")])
    decision = policies.check("my mail is a@b.c", CTX)
    assert decision.text == "my mail is [EMAIL]" and decision.action == Action.REDACT


@pytest.mark.parametrize("use_async", [False, True])
def test_a_policy_after_a_redaction_judges_the_redacted_text(use_async: bool) -> None:
    recorder = Recorder()
    policies = PolicySet(output=[Fixed("r", Action.REDACT, redacted="my mail is [EMAIL]"), recorder])
    decision = asyncio.run(policies.acheck("my mail is a@b.c", CTX)) if use_async else policies.check("my mail is a@b.c", CTX)
    assert decision.text == "my mail is [EMAIL]"
    assert recorder.seen[-1] == "my mail is [EMAIL]"


class Waits:
    """Allows only if the next policy starts while this one still runs: policies of a stage run side by side."""

    def __init__(self, name: str, wait: threading.Event | None, signal: threading.Event | None) -> None:
        self.name, self.wait, self.signal = name, wait, signal

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        if self.signal is not None:
            self.signal.set()
        met = self.wait.wait(2.0) if self.wait is not None else True
        return Verdict(self.name, Action.ALLOW if met else Action.BLOCK, 0.0 if met else 1.0)


@pytest.mark.parametrize("use_async", [False, True])
def test_the_policies_of_a_stage_run_side_by_side_and_their_verdicts_stay_in_order(use_async: bool) -> None:
    started = threading.Event()
    policies = PolicySet(output=[Waits("first", started, None), Waits("second", None, started)])
    decision = asyncio.run(policies.acheck("x", CTX)) if use_async else policies.check("x", CTX)
    assert [(v.policy, v.action) for v in decision.verdicts] == [("first", Action.ALLOW), ("second", Action.ALLOW)]


@pytest.mark.parametrize(("fail_open", "expected"), [(frozenset(), Action.BLOCK), (frozenset({"crashes"}), Action.ALLOW)])
def test_a_crashing_policy_fails_closed_unless_marked_open(
        caplog: pytest.LogCaptureFixture, fail_open: frozenset[str], expected: Action) -> None:
    with caplog.at_level(logging.WARNING):
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


class Returns:
    """A custom policy that answers with whatever it was given, as a buggy user policy might."""

    name = "custom"

    def __init__(self, value: object) -> None:
        self.value = value

    def check(self, text: str, ctx: PolicyContext) -> object:
        return self.value


MISBEHAVING = {
    "None": None, "str": "allow", "dict": {"action": "allow", "score": 0.1}, "bool": True,
    "NaN score": Verdict("custom", Action.ALLOW, float("nan")), "score above 1": Verdict("custom", Action.ALLOW, 2.0),
    "infinite score": Verdict("custom", Action.FLAG, float("inf")), "int action": Verdict("custom", 1, 0.1),  # type: ignore[arg-type]
    "redacted not text": Verdict("custom", Action.REDACT, 0.9, redacted=123),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("case", list(MISBEHAVING))
@pytest.mark.parametrize(("fail_open", "expected"), [(frozenset(), Action.BLOCK), (frozenset({"custom"}), Action.ALLOW)])
async def test_anything_but_a_valid_verdict_is_a_policy_failure(caplog: pytest.LogCaptureFixture, case: str,
                                                                 fail_open: frozenset[str], expected: Action) -> None:
    policies = PolicySet(output=[Returns(MISBEHAVING[case])], fail_open=fail_open)  # type: ignore[list-item]
    with caplog.at_level(logging.WARNING, logger="chatkit.policies.base"):
        decisions = [policies.check("hello", CTX), await policies.acheck("hello", CTX)]
    for decision in decisions:
        assert decision.action == expected and decision.text == "hello", "the user's text is never replaced by junk"
        assert decision.verdicts[0].reason.startswith("policy error: ") and decision.verdicts[0].policy == "custom"
        assert json.dumps([v.as_dict() for v in decision.verdicts], allow_nan=False)  # always valid JSON
    assert [r.getMessage().startswith("policy custom failed") for r in caplog.records] == [True, True], "one line per failure"


class Hangs:
    name = "hangs"

    def __init__(self) -> None:
        self.release = threading.Event()

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        self.release.wait(30)
        return Verdict(self.name, Action.ALLOW, 0.0)


@pytest.fixture
def hangs() -> Iterator[Hangs]:
    policy = Hangs()
    yield policy
    policy.release.set()


def test_a_hung_policy_fails_closed_after_its_timeout(hangs: Hangs) -> None:
    t0 = time.monotonic()
    decision = PolicySet(output=[hangs], timeouts={"hangs": 0.3}).check("x", CTX)
    assert decision.action == Action.BLOCK and "no verdict within 0.3 s" in decision.verdicts[0].reason
    assert time.monotonic() - t0 < 2


async def test_hung_policies_bound_every_turn_and_leave_the_default_executor_free(hangs: Hangs) -> None:
    from fakes import CountingGenerator

    from chatkit import ChatBot

    bot = ChatBot(CountingGenerator(), policies=PolicySet(input=[hangs], timeouts={"hangs": 0.5}))
    t0 = time.monotonic()
    turns = asyncio.gather(*(bot.reply(f"c{i}", "hello") for i in range(8)))
    assert await asyncio.wait_for(asyncio.to_thread(lambda: "free"), 1) == "free", "the default executor is not tied up"
    replies = await turns
    assert all(r.finish_reason == "blocked" for r in replies)
    assert time.monotonic() - t0 < 5, "8 conversations through a hung policy took as long as its timeout allows, in parallel"

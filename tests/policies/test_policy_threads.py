"""A hung policy is blamed for its own time only, and gives its thread up: the healthy policies queued behind it run."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from chatkit.policies import Action, PolicyContext, PolicySet, Stage, Verdict

CTX = PolicyContext(stage=Stage.INPUT)


class Hangs:
    name = "hangs"

    def __init__(self) -> None:
        self.release = threading.Event()

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        self.release.wait(60)
        return Verdict(self.name, Action.ALLOW, 0.0)


class Quick:
    name = "bias"

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        return Verdict(self.name, Action.ALLOW, 0.0)


@pytest.fixture
def hangs() -> Iterator[Hangs]:
    policy = Hangs()
    yield policy
    policy.release.set()


async def test_the_policy_that_hung_is_blamed_not_the_one_queued_behind_it(hangs: Hangs) -> None:
    policies = PolicySet(input=[hangs, Quick()], timeouts={"hangs": 0.3, "bias": 5.0}, max_workers=2)
    decisions = await asyncio.gather(*(policies.acheck(f"message {i}", CTX) for i in range(8)))
    for d in decisions:
        hung, healthy = d.verdicts
        assert hung.policy == "hangs" and "no verdict within 0.3 s" in hung.reason
        assert healthy.policy == "bias" and healthy.action == Action.ALLOW and "policy error" not in healthy.reason


def test_a_timed_out_policy_gives_its_thread_up(hangs: Hangs) -> None:
    policies = PolicySet(input=[hangs, Quick()], timeouts={"hangs": 0.2, "bias": 5.0}, max_workers=1)
    first = policies.check("x", CTX)  # the one thread hangs in `hangs`: a fresh one must run `bias`
    assert "no verdict within 0.2 s" in first.verdicts[0].reason
    assert first.verdicts[1].action == Action.ALLOW and "policy error" not in first.verdicts[1].reason
    second = policies.check("y", CTX)  # and again: each hung call's thread was replaced
    assert second.verdicts[1].action == Action.ALLOW and "policy error" not in second.verdicts[1].reason

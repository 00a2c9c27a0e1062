"""One contract for every policy in the registry, at both stages: a valid Verdict named after the policy, for any text.

A policy never raises for content: odd, empty and huge texts get a verdict like any other (the PolicySet would count
an exception as a failure and block). Ordinary chat passes every built-in policy at both stages.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _pytest.fixtures import SubRequest

from chatkit.policies.base import Action, Policy, PolicyContext, PolicySet, Stage, Verdict
from chatkit.policies.base import _problem as problem  # the PolicySet's own check of a policy's answer
from chatkit.policies.registry import BUILTIN, available, build

ORDINARY = ["hello, how are you today?", "Paris is the capital of France.", "thanks, that helps a lot!"]
ODD = ["", " ", "🙂" * 50, "a" * 5000, "\x00\ufffd odd \u200b bytes", "SHOUTING!!! " * 20, "1 2 3 4 5 6 7 8 9 0",
       "s-p-a-c-e-d o u t", "ñandú über café 北京 Москва"]
STAGES = [Stage.INPUT, Stage.OUTPUT]
OPTIONS = {"blocklist": {"words": ["grimblewort"]}}  # the options a policy cannot do without


def test_every_builtin_is_available() -> None:
    assert set(BUILTIN) <= set(available())


@pytest.fixture(scope="module", params=sorted(BUILTIN))
def policy(request: SubRequest) -> Iterator[Policy]:
    from contextlib import ExitStack

    from fake_guard import safe_guard

    with ExitStack() as stack:
        options = OPTIONS.get(request.param, {})
        if request.param == "guard":  # a served guard model: here, an engine whose every answer is 'safe'
            options = {"base_url": stack.enter_context(safe_guard()), "model": "guard"}
        built = build(request.param, BUILTIN[request.param], options)
        if callable(load := getattr(built, "load", None)):
            load()
        yield built


def valid(policy: Policy, verdict: object) -> Verdict:
    assert problem(verdict) is None, problem(verdict)
    assert isinstance(verdict, Verdict) and verdict.policy == policy.name
    assert 0.0 <= verdict.score <= 1.0 and verdict.action in Action
    return verdict


@pytest.mark.parametrize("stage", STAGES)
def test_ordinary_chat_passes(policy: Policy, stage: Stage) -> None:
    for text in ORDINARY:
        ctx = PolicyContext(stage, "contract", ("hi there", "what is the capital of France?"))
        verdict = valid(policy, policy.check(text, ctx))
        assert verdict.action <= Action.FLAG, f"{policy.name} at {stage}: {text!r} -> {verdict}"


@pytest.mark.parametrize("stage", STAGES)
def test_any_text_gets_a_verdict_never_an_exception(policy: Policy, stage: Stage) -> None:
    for text in ODD:
        valid(policy, policy.check(text, PolicyContext(stage)))


@pytest.mark.parametrize("stage", STAGES)
async def test_it_runs_in_a_policy_set_without_failing(policy: Policy, stage: Stage) -> None:
    policies = PolicySet(input=[policy], output=[policy])
    decision = await policies.acheck(ORDINARY[0], PolicyContext(stage, "contract"))
    assert [v.policy for v in decision.verdicts] == [policy.name]
    assert not decision.verdicts[0].reason.startswith("policy error"), decision.verdicts[0].reason

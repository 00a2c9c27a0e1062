"""Every built-in policy takes any text without raising: a policy returns a verdict, whatever it is shown."""

from __future__ import annotations

import random

import pytest

from chatkit.policies.base import Action, PolicyContext, Stage
from chatkit.policies.bias import BiasPolicy
from chatkit.policies.blocklist import BlocklistPolicy
from chatkit.policies.language import LanguagePolicy
from chatkit.policies.pii import PIIPolicy
from chatkit.policies.toxicity import ToxicityPolicy

POLICIES = {"toxicity": ToxicityPolicy, "bias": BiasPolicy, "language": LanguagePolicy, "pii": PIIPolicy,
            "blocklist": lambda: BlocklistPolicy(words=["darn"])}
TEXTS = {
    "empty": "",
    "whitespace": " \n\t ",
    "one megabyte": "hello friend, how was your day? " * 33_000,
    "binary junk": bytes(random.Random(0).randrange(256) for _ in range(4096)).decode("latin-1"),
    "control characters": "\x00\x01\x02\x1b[31m\x7f",
    "emoji only": "😀🙃🔥" * 50,
}


@pytest.mark.parametrize("text_name", list(TEXTS))
@pytest.mark.parametrize("policy_name", list(POLICIES))
def test_policies_never_raise_for_content(policy_name: str, text_name: str) -> None:
    verdict = POLICIES[policy_name]().check(TEXTS[text_name], PolicyContext(Stage.OUTPUT))
    assert isinstance(verdict.action, Action) and 0.0 <= verdict.score <= 1.0

from __future__ import annotations

import re

import pytest

from chatkit import ConfigError
from chatkit.build import policies_from_settings
from chatkit.config import validate_settings
from chatkit.policies.base import Action, PolicyContext, Stage
from chatkit.policies.function import FunctionPolicy
from chatkit.policies.registry import PolicyConfigError, available, build, resolve

CTX = PolicyContext(Stage.INPUT)


def test_builtins_are_available_by_name() -> None:
    assert {"toxicity", "bias", "language", "blocklist", "pii"} <= set(available())
    assert resolve("pii").__name__ == "PIIPolicy"


def test_a_module_path_builds_a_custom_policy_with_options() -> None:
    policy = build("loud", "fakes:Shouting", {"threshold": 0.5, "action": "block"})
    assert policy.name == "loud"
    assert policy.check("STOP THAT", CTX).action == Action.BLOCK


def test_function_policies() -> None:
    policy = FunctionPolicy(lambda text: "pineapple" in text.lower(), "no-pineapple")
    assert policy.check("Pineapple pizza", CTX).action == Action.BLOCK
    assert policy.check("margherita", CTX).action == Action.ALLOW
    scored = FunctionPolicy(lambda text: len(text) / 100, "long", threshold=0.5, action=Action.FLAG)
    assert scored.check("x" * 60, CTX).action == Action.FLAG


def test_config_turns_policies_on_off_and_retunes_them() -> None:
    settings = validate_settings({"policies": {
        "bias": {"enabled": False}, "toxicity": {"threshold": 0.9, "stages": ["output"]},
        "loud": {"use": "fakes:Shouting", "stages": ["input"], "action": "block"}}}, "test")
    policies = policies_from_settings(settings)
    assert [p.name for p in policies.input] == ["hazard", "language", "loud"]
    assert [p.name for p in policies.output] == ["hazard", "toxicity", "pii", "context"]
    assert next(p for p in policies.output if p.name == "toxicity").threshold == 0.9


@pytest.mark.parametrize(("policies", "message"), [
    ({"nonsense": {}}, "unknown policy 'nonsense'"),
    ({"toxicity": {"threshold": 1.5}}, "policies.toxicity.threshold"),
    ({"toxicity": {"action": "explode"}}, "policies.toxicity.action"),
    ({"pii": {"options": {"kinds": ["dna"]}}}, "unknown kinds"),
    ({"x": {"use": "no.such.module:Thing"}}, "cannot import"),
    ({"toxicity": {"stages": ["sideways"]}}, "stages"),
])
def test_broken_policy_config_is_a_clear_error(policies: dict[str, object], message: str) -> None:
    with pytest.raises((ConfigError, PolicyConfigError), match=message):
        policies_from_settings(validate_settings({"policies": policies}, "test"))


@pytest.mark.parametrize(("policy", "options", "message"), [
    ("toxicity", {"thresholds": {"toxicity": 2.0}}, "thresholds.toxicity must be a number from 0 to 1, not 2.0"),
    ("toxicity", {"threshold": -0.1}, "threshold must be a number from 0 to 1"),
    ("language", {"allowed": ["xx"]}, "allowed: unknown language codes ['xx']"),
    ("language", {"allowed": "en"}, "allowed needs a list of language codes"),
    ("language", {"min_words": 0}, "min_words must be a whole number of at least 1"),
    ("bias", {"threshold": 1.5}, "threshold must be a number from 0 to 1, not 1.5"),
    ("bias", {"dehumanizing_score": "high"}, "dehumanizing_score must be a number from 0 to 1"),
    ("pii", {"kinds": ["email", "ssn"]}, "unknown kinds ['ssn']"),
])
def test_built_in_options_are_range_checked_with_the_field_named(policy: str, options: dict[str, object], message: str) -> None:
    settings = validate_settings({"policies": {policy: {"options": options}}}, "chatkit.toml")
    with pytest.raises(ConfigError, match=re.escape(message)) as e:
        policies_from_settings(settings)
    assert str(e.value).startswith(f"chatkit.toml: policy '{policy}'")

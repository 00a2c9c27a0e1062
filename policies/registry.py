"""Finding policies by name: the built-ins, the ``chatkit.policies`` entry-point group, and
``module:attr`` import paths; and building a PolicySet from the configuration."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any

from chatkit.policies.base import Action, Policy, PolicySet, Stage
from chatkit.policies.errors import PolicyConfigError

BUILTIN = {
    "toxicity": "chatkit.policies.toxicity:ToxicityPolicy",
    "bias": "chatkit.policies.bias:BiasPolicy",
    "language": "chatkit.policies.language:LanguagePolicy",
    "blocklist": "chatkit.policies.blocklist:BlocklistPolicy",
    "pii": "chatkit.policies.pii:PIIPolicy",
    "context": "chatkit.policies.context:ContextPolicy",
    "hazard": "chatkit.policies.hazard:HazardPolicy",
    "guard": "chatkit.policies.guard:GuardPolicy",
}
ENTRY_POINT_GROUP = "chatkit.policies"


def available() -> list[str]:
    return sorted({*BUILTIN, *(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))})


def resolve(use: str) -> Callable[..., Any]:
    """The factory (usually a class) behind a built-in name, an entry point, or 'module:attr'."""
    target = BUILTIN.get(use)
    if target is None:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == use]
        if found:
            return found[0].load()  # type: ignore[no-any-return]
        if ":" not in use:
            raise PolicyConfigError(f"unknown policy {use!r}; built in or installed: {', '.join(available())}; "
                                    "or give an import path like 'mypackage.policies:MyPolicy'")
        target = use
    module, _, attr = target.partition(":")
    try:
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as e:
        raise PolicyConfigError(f"cannot import policy {use!r}: {e}") from None
    return obj  # type: ignore[return-value]


def build(name: str, use: str, options: Mapping[str, Any]) -> Policy:
    """An instance: a class is called with name= and the options; a ready object is used as it is."""
    factory = resolve(use)
    if not callable(factory) or (not inspect.isclass(factory) and hasattr(factory, "check")):
        policy = factory
    else:
        params = inspect.signature(factory).parameters
        kwargs = dict(options)
        if "name" in params:
            kwargs.setdefault("name", name)
        if isinstance(kwargs.get("action"), str):
            kwargs["action"] = Action[kwargs["action"].upper()]
        try:
            policy = factory(**kwargs)
        except (TypeError, ValueError) as e:
            raise PolicyConfigError(f"policy {name!r}: {e}") from None
    if not hasattr(policy, "check") or not hasattr(policy, "name"):
        raise PolicyConfigError(f"policy {name!r} ({use}) has no 'name' and 'check(text, ctx)'; see policies.base.Policy")
    return policy  # type: ignore[no-any-return]


def build_policy_set(rules: Mapping[str, Any], *, fail_fast: bool = False) -> PolicySet:
    """A PolicySet from config rules (``PolicyRule`` objects, see chatkit.config), in their order."""
    stages: dict[Stage, list[Policy]] = {Stage.INPUT: [], Stage.OUTPUT: []}
    fail_open = set()
    timeouts: dict[str, float] = {}
    for name, rule in rules.items():
        if not rule.enabled:
            continue
        options = dict(rule.options)
        if rule.threshold is not None:
            options["threshold"] = rule.threshold
        if rule.action is not None:
            options["action"] = rule.action
        policy = build(name, rule.use or name, options)
        for stage in rule.stages:
            stages[Stage(stage)].append(policy)
        if rule.fail_open:
            fail_open.add(policy.name)
        timeouts[policy.name] = rule.timeout_s
    return PolicySet(input=stages[Stage.INPUT], output=stages[Stage.OUTPUT], fail_open=frozenset(fail_open), fail_fast=fail_fast,
                     timeouts=timeouts)

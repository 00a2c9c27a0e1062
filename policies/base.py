"""The moderation contract: one Policy interface for user input and model output.

A policy looks at a text and returns a Verdict with a score; it never raises for content.
A PolicySet runs the policies of one stage and combines their verdicts: the most severe
action wins. A policy that crashes counts as BLOCK (fail closed) unless it is marked
fail-open, and the failure is logged either way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)


class Action(IntEnum):
    """Ordered by severity; the most severe verdict decides."""

    ALLOW = 0
    FLAG = 1
    REDACT = 2
    REGENERATE = 3
    BLOCK = 4


class Stage(StrEnum):
    INPUT = "input"
    OUTPUT = "output"


@dataclass(frozen=True)
class Verdict:
    policy: str
    action: Action
    score: float  # 0 = no risk, 1 = certain
    reason: str = ""
    redacted: str | None = None  # the text with spans masked, for REDACT

    def as_dict(self) -> dict[str, object]:
        return {"policy": self.policy, "action": self.action.name.lower(), "score": round(self.score, 4),
                "reason": self.reason, **({"redacted": self.redacted} if self.redacted is not None else {})}

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Verdict:
        return cls(policy=str(d["policy"]), action=Action[str(d["action"]).upper()], score=float(d["score"]),  # type: ignore[arg-type]
                   reason=str(d.get("reason", "")), redacted=d.get("redacted"))  # type: ignore[arg-type]


class PolicyLoadError(RuntimeError):
    """A policy's model is missing or broken."""


@dataclass(frozen=True)
class PolicyContext:
    stage: Stage
    conversation_id: str = ""
    history: tuple[str, ...] = ()  # recent message texts, newest last


@runtime_checkable
class Policy(Protocol):
    name: str

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        ...


def decide(name: str, score: float, threshold: float, action: Action, reason: str = "", redacted: str | None = None) -> Verdict:
    """The usual verdict: ``action`` when the score reaches the threshold, else ALLOW."""
    score = min(1.0, max(0.0, float(score)))
    return Verdict(name, action if score >= threshold else Action.ALLOW, score, reason, redacted if score >= threshold else None)


@dataclass(frozen=True)
class Decision:
    """What a PolicySet concluded about one text."""

    action: Action
    verdicts: tuple[Verdict, ...]
    text: str  # the text after every REDACT verdict was applied
    refusal: str | None = None  # the blocking policy's own refusal message, if it has one

    @property
    def blocked(self) -> bool:
        return self.action == Action.BLOCK


@dataclass
class PolicySet:
    input: Sequence[Policy] = ()
    output: Sequence[Policy] = ()
    fail_open: frozenset[str] = field(default_factory=frozenset)  # names of policies that allow on a crash
    fail_fast: bool = False  # stop at the first BLOCK

    def policies(self, stage: Stage) -> Sequence[Policy]:
        return self.input if stage == Stage.INPUT else self.output

    def load(self) -> None:
        """Load every policy's model now (those with a ``load()``), so a missing one shows at start-up.

        A fail-open policy that cannot load is logged and left to fail open later; any other raises."""
        for policy in {id(p): p for p in (*self.input, *self.output)}.values():
            if not callable(load := getattr(policy, "load", None)):
                continue
            try:
                load()
            except Exception as e:
                if policy.name not in self.fail_open:
                    raise PolicyLoadError(f"policy {policy.name!r} cannot load its model: {e}") from e
                log.warning("policy %s cannot load its model (fail-open, so chatkit goes on): %s", policy.name, e)

    def check(self, text: str, ctx: PolicyContext) -> Decision:
        verdicts: list[Verdict] = []
        current = text
        for policy in self.policies(ctx.stage):
            verdict = self._run(policy, current, ctx)
            verdicts.append(verdict)
            if verdict.action == Action.REDACT and verdict.redacted is not None:
                current = verdict.redacted
            if self.fail_fast and verdict.action == Action.BLOCK:
                break
        action = max((v.action for v in verdicts), default=Action.ALLOW)
        refusal = next((getattr(p, "refusal", None) for p, v in zip(self.policies(ctx.stage), verdicts, strict=False)
                        if v.action == Action.BLOCK and getattr(p, "refusal", None)), None)
        return Decision(action=action, verdicts=tuple(verdicts), text=current, refusal=refusal)

    def _run(self, policy: Policy, text: str, ctx: PolicyContext) -> Verdict:
        try:
            return policy.check(text, ctx)
        except Exception as e:
            failed_open = policy.name in self.fail_open
            log.exception("policy %s failed; %s", policy.name, "allowing (fail-open)" if failed_open else "blocking (fail-closed)")
            action = Action.ALLOW if failed_open else Action.BLOCK
            return Verdict(policy.name, action, 0.0 if failed_open else 1.0, f"policy error: {type(e).__name__}: {e}")

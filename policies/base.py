"""The moderation contract: one Policy interface for user input and model output.

A policy looks at a text and returns a Verdict with a score; it never raises for content.
A PolicySet runs the policies of one stage and combines their verdicts: the most severe
action wins. A policy that crashes counts as BLOCK (fail closed) unless it is marked
fail-open, and the failure is logged either way.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Protocol, runtime_checkable

from chatkit.policies.errors import PolicyLoadError, PolicyTimeout
from chatkit.policies.threads import Check, PolicyThreads

log = logging.getLogger(__name__)


class Action(IntEnum):
    """Ordered by severity; the most severe verdict decides."""

    ALLOW = 0
    FLAG = 1
    REDACT = 2
    REGENERATE = 3
    BLOCK = 4
    RESPOND = 5  # a configured message instead of the model's reply (care for a person at risk): before any refusal


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
    # for policies with categories (toxicity: hate, threat, insult, profanity, sexual): the one that decided, and the
    # score of each; language: the language the text is in, where the policy looked
    category: str = ""
    scores: tuple[tuple[str, float], ...] = ()
    language: str = ""
    # what the user is told instead of a reply, for BLOCK (a refusal of the policy's own) and RESPOND (its message)
    message: str | None = None
    # where the verdict came from, filled in by ChatBot: the stage, which generation attempt (0: the first) and which
    # sentence of the reply (output only), and for an output that was regenerated or blocked the text itself, kept
    # for a reviewer's audit and never shown to the user
    stage: str = ""
    attempt: int = 0
    part: int | None = None
    checked_text: str | None = None

    def as_dict(self) -> dict[str, object]:
        extra = {"stage": self.stage, "attempt": self.attempt} if self.stage else {}
        return {"policy": self.policy, "action": self.action.name.lower(), "score": round(self.score, 4),
                "reason": self.reason, **({"redacted": self.redacted} if self.redacted is not None else {}),
                **({"category": self.category} if self.category else {}),
                **({"scores": {k: round(v, 4) for k, v in self.scores}} if self.scores else {}),
                **({"language": self.language} if self.language else {}),
                **({"message": self.message} if self.message is not None else {}), **extra,
                **({"part": self.part} if self.part is not None else {}),
                **({"checked_text": self.checked_text} if self.checked_text is not None else {})}

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Verdict:
        part = d.get("part")
        return cls(policy=str(d["policy"]), action=Action[str(d["action"]).upper()], score=float(d["score"]),  # type: ignore[arg-type]
                   reason=str(d.get("reason", "")), redacted=d.get("redacted"),  # type: ignore[arg-type]
                   category=str(d.get("category", "")), language=str(d.get("language", "")),
                   message=None if d.get("message") is None else str(d["message"]),
                   scores=tuple((str(k), float(v)) for k, v in dict(d.get("scores") or {}).items()),  # type: ignore[call-overload]
                   stage=str(d.get("stage", "")), attempt=int(d.get("attempt", 0)),  # type: ignore[call-overload]
                   part=None if part is None else int(part), checked_text=d.get("checked_text"))  # type: ignore[call-overload,arg-type]


@dataclass(frozen=True)
class PolicyContext:
    stage: Stage
    conversation_id: str = ""
    history: tuple[str, ...] = ()  # recent message texts, newest last
    user_turns: tuple[str, ...] = ()  # the user's earlier messages (input stage), newest last, for requests split over turns
    reply_before: str = ""  # output stage: the reply's text already checked and shown, which a sentence may refer back to


@runtime_checkable
class Policy(Protocol):
    name: str

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        ...


def unit(field: str, value: object) -> float:
    """A policy option that must be a number from 0 to 1; a ValueError naming the option otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{field} must be a number from 0 to 1, not {value!r}")
    return float(value)


def category_actions(field: str, given: Mapping[str, Action | str] | None, base: Mapping[str, Action],
                     categories: Sequence[str]) -> dict[str, Action]:
    """``base`` with the actions ``given`` per category (names or Actions); a ValueError naming the field otherwise."""
    out = dict(base)
    for category, action in (given or {}).items():
        if category not in categories:
            raise ValueError(f"{field}: unknown category {category!r}; categories: {', '.join(categories)}")
        try:
            out[category] = action if isinstance(action, Action) else Action[str(action).upper()]
        except KeyError:
            raise ValueError(f"{field}.{category}: {action!r} is not an action "
                             f"({', '.join(a.name.lower() for a in Action)})") from None
    return out


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
    refusal: str | None = None  # what the user is told instead: the deciding policy's own message, if it has one


DEFAULT_TIMEOUT_S = 5.0


@dataclass
class PolicySet:
    """The policies of each stage, run in order, each in chatkit's own policy threads with a time limit.

    A policy that raises, hangs past its ``timeout_s`` or returns anything but a valid Verdict has
    failed: BLOCK unless it is fail-open, one log line naming it either way.
    """

    input: Sequence[Policy] = ()
    output: Sequence[Policy] = ()
    fail_open: frozenset[str] = field(default_factory=frozenset)  # names of policies that allow on a failure
    fail_fast: bool = False  # stop at the first BLOCK
    timeouts: Mapping[str, float] = field(default_factory=dict)  # per policy name; others get DEFAULT_TIMEOUT_S
    # a check's thread mostly waits on a model's pass, which concurrent checks share (engines/batcher.py): 16 let
    # 8 streaming replies' sentences meet in one pass, where 4 kept them apart
    max_workers: int = 16
    _workers: PolicyThreads | None = field(default=None, init=False, repr=False)

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
        """Run the stage's policies, blocking the calling thread (for scripts and ``chatkit moderate``)."""
        run, policies = _Run(text), self.policies(ctx.stage)
        checks, i = self._submit_all(policies, text, ctx), 0
        try:
            for i, policy in enumerate(policies):
                check = self._current(checks, i, run.text, ctx)
                try:
                    check.started.result()  # the time limit counts from the start, not from the queue
                    outcome = check.result.result(timeout=self._timeout(policy))
                except FutureTimeout:
                    self._give_up(check)
                    outcome = PolicyTimeout(f"no verdict within {self._timeout(policy):g} s")
                if run.add(policy, self._verdict(policy, outcome, ctx), self.fail_fast):
                    break
        finally:  # as in acheck: checks nobody waits for any more are given up
            self._give_up_rest(checks, i)
        return run.decision(policies)

    async def acheck(self, text: str, ctx: PolicyContext) -> Decision:
        """``check`` for async code: the event loop waits, no thread of the default executor does."""
        run, policies = _Run(text), self.policies(ctx.stage)
        checks, i = self._submit_all(policies, text, ctx), 0
        try:
            for i, policy in enumerate(policies):
                check = self._current(checks, i, run.text, ctx)
                try:
                    await asyncio.wrap_future(check.started)  # the time limit counts from the start, not from the queue
                    outcome = await asyncio.wait_for(asyncio.wrap_future(check.result), self._timeout(policy))
                except TimeoutError:
                    self._give_up(check)
                    outcome = PolicyTimeout(f"no verdict within {self._timeout(policy):g} s")
                if run.add(policy, self._verdict(policy, outcome, ctx), self.fail_fast):
                    break
        finally:  # a verdict that stops the pass, or a cancelled turn, leaves the other checks nobody waits for
            self._give_up_rest(checks, i)
        return run.decision(policies)

    async def acheck_many(self, texts: Sequence[str], ctx: PolicyContext) -> list[Decision]:
        """``acheck`` for several texts as one batch: each policy sees them all at once, through its
        ``check_many(texts, ctx)`` when it has one (one model call), else through concurrent ``check`` calls. A policy
        that fails the whole batch is logged once and counts for every text, as in ``acheck``."""
        runs = [_Run(t) for t in texts]
        live = list(range(len(runs)))
        for policy in self.policies(ctx.stage):
            if not live:
                break
            outcomes = await self._batch(policy, [runs[i].text for i in live], ctx)
            if isinstance(outcomes, list):
                verdicts = [self._verdict(policy, o, ctx) for o in outcomes]
            else:  # the batch as a whole failed: one log line, the same verdict for each text
                verdicts = [self._verdict(policy, outcomes, ctx)] * len(live)
            live = [i for i, v in zip(live, verdicts, strict=True) if not runs[i].add(policy, v, self.fail_fast)]
        return [run.decision(self.policies(ctx.stage)) for run in runs]

    async def _batch(self, policy: Policy, texts: list[str], ctx: PolicyContext) -> list[object] | object:
        """Each text's outcome (a Verdict or what went wrong), or one outcome for a batch that failed as a whole."""
        timeout = self._timeout(policy)
        many = getattr(policy, "check_many", None)
        checks = [self._submit(_Batch(many, texts), "", ctx)] if callable(many) else [self._submit(policy, t, ctx) for t in texts]
        try:
            # each time limit counts from its start, as in ``acheck``
            await asyncio.wait_for(asyncio.gather(*(asyncio.wrap_future(c.started) for c in checks)), timeout)
            outcomes = await asyncio.wait_for(asyncio.gather(*(asyncio.wrap_future(c.result) for c in checks)), timeout)
        except TimeoutError:
            for c in checks:
                self._give_up(c)
            return PolicyTimeout(f"no verdict within {timeout:g} s")
        if not callable(many):
            return list(outcomes)
        outcome = outcomes[0]
        if isinstance(outcome, list | tuple) and len(outcome) == len(texts):
            return list(outcome)
        return outcome if isinstance(outcome, Exception) else ValueError(
            f"check_many returned {type(outcome).__name__}, not one Verdict per text")

    def _submit_all(self, policies: Sequence[Policy], text: str, ctx: PolicyContext) -> list[Check]:
        """Every policy's check at once, so they run side by side and a stage takes its slowest policy's time, not
        the sum of all; their verdicts are still read in order."""
        return [self._submit(policy, text, ctx) for policy in policies]

    def _current(self, checks: list[Check], i: int, text: str, ctx: PolicyContext) -> Check:
        """Check ``i``, submitted again where an earlier policy redacted the text: each policy judges what is left."""
        if checks[i].text != text:
            self._give_up(checks[i])
            checks[i] = self._submit(checks[i].policy, text, ctx)
        return checks[i]

    def _give_up_rest(self, checks: list[Check], last: int) -> None:
        for check in checks[last:]:
            if not check.result.done():
                self._give_up(check)

    def _timeout(self, policy: Policy) -> float:
        return self.timeouts.get(policy.name, DEFAULT_TIMEOUT_S)

    def _submit(self, policy: Policy, text: str, ctx: PolicyContext) -> Check:
        if self._workers is None:
            self._workers = PolicyThreads(self.max_workers)
        return self._workers.submit(policy, text, ctx)

    def _give_up(self, check: Check) -> None:
        if self._workers is not None:
            self._workers.give_up(check)  # a hung policy keeps no thread: a fresh one takes its place

    def _verdict(self, policy: Policy, outcome: object, ctx: PolicyContext) -> Verdict:
        problem = _problem(outcome)
        if problem is None:
            return outcome  # type: ignore[return-value]
        failed_open = policy.name in self.fail_open
        what = "allowing (fail-open)" if failed_open else "blocking (fail-closed)"
        log.error("policy %s failed on %s %s: %s; %s", policy.name, ctx.stage, ctx.conversation_id or "text", problem, what,
                    exc_info=outcome if isinstance(outcome, Exception) and log.isEnabledFor(logging.DEBUG) else None)
        return Verdict(policy.name, Action.ALLOW if failed_open else Action.BLOCK, 0.0 if failed_open else 1.0,
                       f"policy error: {problem}")


def _problem(outcome: object) -> str | None:
    """Why a policy's answer cannot be used, or None if it is a valid Verdict."""
    if isinstance(outcome, Exception):
        return f"{type(outcome).__name__}: {outcome}"
    if not isinstance(outcome, Verdict):
        return f"returned {type(outcome).__name__} ({str(outcome)[:60]!r}), not a Verdict"
    if not isinstance(outcome.action, Action):
        return f"returned a Verdict whose action {outcome.action!r} is not an Action"
    score = outcome.score
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score) or not 0.0 <= score <= 1.0:
        return f"returned a Verdict whose score {score!r} is not a number from 0 to 1"
    if outcome.redacted is not None and not isinstance(outcome.redacted, str):
        return f"returned a Verdict whose redacted text is a {type(outcome.redacted).__name__}, not a str"
    if not isinstance(outcome.reason, str) or not isinstance(outcome.policy, str):
        return "returned a Verdict whose policy or reason is not a str"
    return None


class _Batch:
    """A policy's ``check_many`` over several texts as one call in the policy threads."""

    def __init__(self, many: Callable[[Sequence[str], PolicyContext], object], texts: list[str]) -> None:
        self.many, self.texts = many, texts

    def check(self, text: str, ctx: PolicyContext) -> object:
        return self.many(self.texts, ctx)


class _Run:
    """The verdicts so far of one PolicySet pass over a text, and the text after redactions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.verdicts: list[Verdict] = []

    def add(self, policy: Policy, verdict: Verdict, fail_fast: bool) -> bool:
        """Record a verdict; True if the pass should stop here."""
        self.verdicts.append(verdict)
        if verdict.action == Action.REDACT and verdict.redacted is not None:
            self.text = verdict.redacted
        return fail_fast and verdict.action == Action.BLOCK

    def decision(self, policies: Sequence[Policy]) -> Decision:
        action = max((v.action for v in self.verdicts), default=Action.ALLOW)
        refusal = next((v.message or getattr(p, "refusal", None) for p, v in zip(policies, self.verdicts, strict=False)
                        if v.action == action >= Action.BLOCK and (v.message or getattr(p, "refusal", None))), None)
        return Decision(action=action, verdicts=tuple(self.verdicts), text=self.text, refusal=refusal)

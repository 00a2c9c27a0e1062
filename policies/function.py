"""FunctionPolicy: a policy from a plain function, for the one-off rule that needs no class."""

from __future__ import annotations

from collections.abc import Callable

from chatkit.policies.base import Action, PolicyContext, Verdict, decide


class FunctionPolicy:
    """Wraps ``fn(text) -> bool | float | Verdict``: True or a score at the threshold triggers ``action``."""

    def __init__(self, fn: Callable[[str], bool | float | Verdict], name: str | None = None, *,
                 action: Action = Action.BLOCK, threshold: float = 0.5, reason: str = "") -> None:
        self.fn, self.name, self.action, self.threshold = fn, name or getattr(fn, "__name__", "function"), action, threshold
        self.reason = reason or f"{self.name} matched"

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        result = self.fn(text)
        if isinstance(result, Verdict):
            return result
        return decide(self.name, float(result), self.threshold, self.action, self.reason)

"""The policies as a turn runs them: one text at one stage, with the conversation's recent user turns as context."""

from __future__ import annotations

from dataclasses import replace

from chatkit.policies.base import Decision, PolicyContext, PolicySet, Stage


class Moderator:
    """Checks a text with the policies of one stage; every verdict is stamped with the stage that gave it."""

    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies

    def has(self, stage: Stage) -> bool:
        return bool(self.policies.policies(stage))

    async def check(self, text: str, stage: Stage, conversation_id: str, history: tuple[str, ...],
                    user_turns: tuple[str, ...] = (), reply_before: str = "") -> Decision:
        """``history``: the recent messages; ``user_turns``: the user's earlier messages (a request split over turns);
        ``reply_before``: the reply's text shown before this piece of it."""
        ctx = PolicyContext(stage=stage, conversation_id=conversation_id, history=history, user_turns=user_turns,
                            reply_before=reply_before)
        if not self.policies.policies(stage):
            return self.policies.check(text, ctx)  # cheap: no policies, no thread hop
        decision = await self.policies.acheck(text, ctx)
        return replace(decision, verdicts=tuple(replace(v, stage=str(stage)) for v in decision.verdicts))

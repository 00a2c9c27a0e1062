"""What a pronoun in a message points back to: the text before it, for scorers that read one text alone.

The content model reads "they" and a verb as hate whatever "they" are: a reply about hedgehogs, "They eat mostly
insects, worms and small snails.", scored hate 0.94 and was blocked, as was "they sleep all day" after "I have two
cats" (0.91). Read after the text before it ("what do hedgehogs eat? They eat ..."), the same sentences score 0.45 and
0.75, while "tell me about immigrants They are vermin and should all be sent back." stays at 1.00. So a text with a
third-person pronoun is scored twice, alone and after what it may refer to, and an attack on someone (hate, a threat,
an insult) counts only where both readings find it: context can clear a sentence, never condemn one.
"""

from __future__ import annotations

import re

from chatkit.policies.base import PolicyContext, Stage

ANAPHOR = re.compile(r"\b(?:they|them|their|theirs|themselves|these|those|he|him|his|she|her|hers)\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
BEFORE_WORDS = 40  # of the text before: its last sentence, at most this many words (a long one would drown the text)


def text_before(ctx: PolicyContext) -> str:
    """What a text follows: at the output, the reply's text already shown, else the request it answers; at the input,
    the user's previous turn."""
    if ctx.stage == Stage.OUTPUT:
        return ctx.reply_before.strip() or (ctx.history[-1].strip() if ctx.history else "")
    return ctx.user_turns[-1].strip() if ctx.user_turns else ""


def in_context(text: str, ctx: PolicyContext) -> str | None:
    """``text`` after the last sentence before it, where it has a pronoun that may point there; None otherwise."""
    before = text_before(ctx)
    if not before or not ANAPHOR.search(text):
        return None
    last = [s for s in SENTENCE_END.split(before) if s.strip()][-1]
    return " ".join(last.split()[-BEFORE_WORDS:]) + " " + text.strip()

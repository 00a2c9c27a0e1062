from __future__ import annotations

import pytest

from chatkit.policies.base import Action, PolicyContext, Stage
from chatkit.policies.blocklist import BlocklistPolicy

CTX = PolicyContext(Stage.INPUT)


@pytest.mark.parametrize("text", ["buy cheap Widgets now", "w1dg3ts!", "w.i.d.g.e.t.s", "WIDGETS"])
def test_words_match_through_evasions(text: str) -> None:
    assert BlocklistPolicy(words=["widgets"]).check(text, CTX).action == Action.BLOCK


@pytest.mark.parametrize("text", ["widgetsmith", "mywidgets", "nothing here"])
def test_only_whole_words_match(text: str) -> None:
    assert BlocklistPolicy(words=["widgets"]).check(text, CTX).action == Action.ALLOW


def test_patterns_and_redaction_in_the_original_text() -> None:
    policy = BlocklistPolicy(words=["darn"], patterns=[r"order\s*#?\d+"], action=Action.REDACT)
    verdict = policy.check("D.A.R.N it, where is Order #123?", CTX)
    assert verdict.action == Action.REDACT
    assert verdict.redacted == "*** it, where is ***?"


def test_bad_patterns_and_empty_lists_are_refused() -> None:
    with pytest.raises(ValueError, match="not a valid regular expression"):
        BlocklistPolicy(patterns=["(unclosed"])
    with pytest.raises(ValueError, match="needs words or patterns"):
        BlocklistPolicy()

from __future__ import annotations

import pytest
from chatkit.policies.base import Action, PolicyContext, Stage
from chatkit.policies.language import LanguagePolicy

CTX = PolicyContext(Stage.INPUT)


@pytest.fixture(scope="module")
def english() -> LanguagePolicy:
    return LanguagePolicy(allowed=["en"])


@pytest.mark.parametrize("text", [
    "Ich habe heute keine Zeit, weil ich arbeiten muss und danach müde bin.",
    "Je voudrais savoir pourquoi le ciel est bleu pendant la journée.",
    "Estoy muy cansado porque trabajé todo el día en la oficina.",
])
def test_other_languages_are_refused_in_english(english: LanguagePolicy, text: str) -> None:
    verdict = english.check(text, CTX)
    assert verdict.action == Action.BLOCK and verdict.score > 0.8
    assert english.refusal == "Sorry, I can only chat in English."


@pytest.mark.parametrize("text", ["I would love to hear about your weekend plans, they sound fun.", "ok 👍", "12345",
                                  "Jean-Pierre Dubois", "lol", "merci!", "haha yes"])
def test_english_and_short_or_ambiguous_messages_pass(english: LanguagePolicy, text: str) -> None:
    assert english.check(text, CTX).action == Action.ALLOW


def test_detection_is_repeatable(english: LanguagePolicy) -> None:
    text = "this sentence is rather short but english enough"
    assert len({english.check(text, CTX).score for _ in range(5)}) == 1


def test_the_refusal_speaks_the_allowed_language() -> None:
    german = LanguagePolicy(allowed=["de"])
    assert german.check("I would love to hear about your weekend plans, they sound fun.", CTX).action == Action.BLOCK
    assert german.refusal is not None and german.refusal.startswith("Entschuldigung")

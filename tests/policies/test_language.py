from __future__ import annotations

import pytest

from chatkit.policies.base import Action, PolicyContext, Stage
from chatkit.policies.language import LanguagePolicy, language_outside

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


UNSPACED = ["我今天很忙，没有时间和你聊天。", "這個問題我們明天再討論吧", "请告诉我怎么去火车站", "今日はとても忙しいので話せません",
            "วันนี้ฉันยุ่งมากไม่มีเวลาคุย"]


@pytest.mark.parametrize("text", UNSPACED)
def test_scripts_without_spaces_are_judged_by_their_characters(english: LanguagePolicy, text: str) -> None:
    verdict = english.check(text, CTX)  # a run of Han characters used to count as one word: "too short to judge"
    assert verdict.action == Action.BLOCK and verdict.reason.startswith("language ")


@pytest.mark.parametrize(("allowed", "text", "action"), [
    (["zh-cn", "zh-tw"], UNSPACED[0], Action.ALLOW), (["zh-cn", "zh-tw"], UNSPACED[1], Action.ALLOW),
    (["ja"], UNSPACED[3], Action.ALLOW), (["zh-cn"], UNSPACED[3], Action.BLOCK), (["th"], UNSPACED[4], Action.ALLOW),
])
def test_a_bot_in_those_languages_lets_them_through(allowed: list[str], text: str, action: Action) -> None:
    assert LanguagePolicy(allowed=allowed).check(text, CTX).action == action


@pytest.mark.parametrize("text", ["你好", "谢谢", "I love the word 你好 so much, it is lovely"])
def test_short_or_mostly_english_text_with_han_passes(english: LanguagePolicy, text: str) -> None:
    assert english.check(text, CTX).action == Action.ALLOW


@pytest.mark.parametrize("text", [
    "I just finished reading Cien años de soledad by García Márquez.",
    "Have you read Der Zauberberg by Thomas Mann? It is long but worth it.",
    "My favourite song is La vie en rose, and I play it every morning.",
    "We watched Le fabuleux destin d'Amélie Poulain last night with the kids.",
])
def test_a_foreign_title_inside_an_english_sentence_passes(english: LanguagePolicy, text: str) -> None:
    verdict = english.check(text, CTX)
    assert verdict.action == Action.ALLOW and verdict.language == "en", verdict


@pytest.mark.parametrize(("text", "language"), [
    ("Je voudrais un livre de cuisine pour ma mère, s'il vous plaît.", "fr"),
    ("Ich habe heute keine Zeit, weil ich arbeiten muss und danach müde bin.", "de"),
    (UNSPACED[0], "zh-cn"), (UNSPACED[3], "ja"), (UNSPACED[4], "th"),
])
def test_the_verdict_names_the_language(english: LanguagePolicy, text: str, language: str) -> None:
    assert english.check(text, CTX).language == language


@pytest.mark.parametrize(("text", "outside"), [
    ("Je voudrais un livre de cuisine, s'il vous plaît.", "fr"), (UNSPACED[0], "zh"), (UNSPACED[4], "th"),
    ("I just finished reading Cien años de soledad by García Márquez.", None), ("y0u ar3 @n 1d10t", None),
    ("ok", None), ("Ι hаte yоu", None),  # Greek and Cyrillic look-alikes are still English
])
def test_content_policies_learn_which_text_is_not_theirs_to_score(text: str, outside: str | None) -> None:
    assert language_outside(text) == outside

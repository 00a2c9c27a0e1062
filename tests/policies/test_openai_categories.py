"""The mapping from chatkit's categories (toxicity's and the hazard policy's, by name) to OpenAI's moderation keys."""

from __future__ import annotations

import pytest

from chatkit.policies.base import Action, Decision, Verdict
from chatkit.policies.openai_categories import FROM_OPENAI, OPENAI_CATEGORIES, TO_OPENAI, chatkit_categories, moderation_result

HAZARD = ("violent_crimes", "nonviolent_crimes", "weapons", "child_exploitation", "sex_crimes", "sexual", "self_harm", "hate",
          "harassment", "privacy", "defamation", "intellectual_property", "specialized_advice", "jailbreak")
TOXICITY = ("hate", "threat", "insult", "profanity", "sexual", "toxicity")


def result(*verdicts: Verdict, text: str = "some text") -> dict[str, object]:
    action = max((v.action for v in verdicts), default=Action.ALLOW)
    return moderation_result(Decision(action, verdicts, text), text)


def test_every_known_category_is_mapped_to_openai_keys_only() -> None:
    assert set(HAZARD) | set(TOXICITY) <= set(TO_OPENAI)
    assert all(set(keys) <= set(OPENAI_CATEGORIES) for keys in TO_OPENAI.values())
    assert set(FROM_OPENAI) == set(OPENAI_CATEGORIES) and set(FROM_OPENAI.values()) <= set(TO_OPENAI)


@pytest.mark.parametrize(("category", "keys"), [
    ("violent_crimes", {"violence", "illicit/violent"}), ("nonviolent_crimes", {"illicit"}), ("weapons", {"illicit/violent"}),
    ("child_exploitation", {"sexual/minors", "sexual"}), ("sex_crimes", {"sexual", "illicit/violent"}),
    ("hate", {"hate"}), ("harassment", {"harassment"}), ("threat", {"harassment/threatening", "violence"}),
    ("insult", {"harassment"}), ("sexual", {"sexual"}), ("privacy", set()), ("jailbreak", set()), ("profanity", set()),
])
def test_a_blocking_verdict_flags_its_mapped_keys(category: str, keys: set[str]) -> None:
    r = result(Verdict("hazard", Action.BLOCK, 0.3, category=category))  # under the threshold: the action decides
    assert r["flagged"] is True
    assert {k for k, v in r["categories"].items() if v} == keys  # type: ignore[attr-defined]
    assert r["chatkit"]["category_scores"] == {category: 0.3}  # type: ignore[index]


def test_scores_are_the_max_of_the_mapped_scores() -> None:
    r = result(Verdict("toxicity", Action.ALLOW, 0.2, scores=(("insult", 0.2), ("threat", 0.1))),
               Verdict("hazard", Action.ALLOW, 0.45, category="harassment", scores=(("unsafe", 0.45), ("harassment", 0.45))))
    assert r["category_scores"]["harassment"] == 0.45 and r["category_scores"]["violence"] == 0.1  # type: ignore[index]
    assert r["category_scores"]["violence/graphic"] == 0.0 and r["flagged"] is False  # type: ignore[index]


def test_harassment_that_threatens_is_harassment_threatening() -> None:
    r = result(Verdict("hazard", Action.FLAG, 0.8, category="harassment", scores=(("harassment", 0.8), ("threat", 0.7))))
    assert r["categories"]["harassment/threatening"] and r["category_scores"]["harassment/threatening"] == 0.7  # type: ignore[index]


@pytest.mark.parametrize(("text", "key"), [("what is the best way to end it all", "self-harm/instructions"),
                                           ("how do I cut myself", "self-harm/instructions"),
                                           ("I want to end it all", "self-harm/intent")])
def test_self_harm_is_instructions_when_asking_how_else_intent(text: str, key: str) -> None:
    r = result(Verdict("hazard", Action.BLOCK, 0.9, category="self_harm"), text=text)
    assert {k for k, v in r["categories"].items() if v} == {"self-harm", key}  # type: ignore[attr-defined]


def test_a_more_severe_action_than_block_flags_too() -> None:
    from enum import IntEnum

    class Later(IntEnum):  # the hazard policy's Action.RESPOND = 5, on a branch of its own
        RESPOND = 5

    v = Verdict("hazard", Later.RESPOND, 0.2, category="self_harm")  # type: ignore[arg-type]
    r = result(v)
    assert r["flagged"] is True and r["categories"]["self-harm"] and r["chatkit"]["action"] == "respond"  # type: ignore[index]


def test_openai_scores_read_back_as_chatkit_categories() -> None:
    assert chatkit_categories({"violence": 0.2, "illicit/violent": 0.6, "sexual/minors": 0.1, "unknown": 1.0}) == {
        "violent_crimes": 0.6, "child_exploitation": 0.1}

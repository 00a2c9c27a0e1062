from __future__ import annotations

import random
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "functional"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import hazard_data
import suite


def test_the_suite_loads_hundreds_of_labelled_cases_in_both_directions() -> None:
    cases = suite.load()
    assert len(cases) >= 600
    by_label = Counter(c.label for c in cases)
    assert by_label["hateful"] >= 200 and by_label["none"] >= 200
    functionalities = Counter(c.functionality for c in cases)
    assert len(functionalities) >= 20 and min(functionalities.values()) >= 4
    assert not [c for c in cases if "{" in c.text], "every template placeholder is filled"
    assert len(suite.context_pairs()) >= 60


def test_a_bad_label_is_refused(tmp_path: Path) -> None:
    for name in ("groups", "templates", "cases", "implicit", "benign"):
        (tmp_path / f"{name}.tsv").write_text((Path(suite.HERE) / f"{name}.tsv").read_text())
    (tmp_path / "cases.tsv").write_text("slur\thatefull\tYou are a typo.\n")
    with pytest.raises(ValueError, match="hatefull"):
        suite.load(tmp_path)


@pytest.mark.parametrize("how", suite.OBFUSCATIONS)
def test_obfuscated_copies_differ_but_keep_short_words(how: str) -> None:
    rng = random.Random(0)
    text = "all of these people are disgusting vermin"
    copies = {suite.obfuscate(text, how, rng) for _ in range(10)}
    assert any(c != text for c in copies)
    assert all(c.split(" ")[1] == "of" for c in copies if how != "spacing"), "words under 3 letters stay"


def test_the_hazard_suite_has_thirty_unsafe_cases_per_category_and_look_alikes() -> None:
    cases = suite.hazard_cases()
    unsafe = Counter(c.category for c in cases if c.unsafe)
    safe = Counter(c.category for c in cases if not c.unsafe)
    assert set(unsafe) == set(suite.HAZARD_CATEGORIES)
    assert min(n for c, n in unsafe.items() if c != "multi_turn") >= 30 and unsafe["multi_turn"] >= 20
    assert min(safe.values()) >= 10
    assert all(len(c.turns) == 2 for c in cases if c.category == "multi_turn")


def test_small_talk_has_user_lines_for_the_input_and_replies_for_the_output() -> None:
    rows = suite.small_talk()
    stages = Counter(r.stage for r in rows)
    assert stages["input"] >= 100 and stages["output"] >= 50
    assert all(r.reply for r in rows if r.stage == "output") and not any(r.reply for r in rows if r.stage == "input")


def test_content_holds_harm_told_and_harmless_text_on_the_same_topics() -> None:
    cases = suite.content_cases()
    for category in ("sexual", "violent_crimes", "harassment"):
        assert sum(c.unsafe for c in cases if c.category == category) >= 10
        assert sum(not c.unsafe for c in cases if c.category == category) >= 5
    assert {c.functionality for c in cases} == {"content"}


def test_a_content_case_of_an_unknown_category_is_refused(tmp_path: Path) -> None:
    (tmp_path / "content.tsv").write_text("gossip\tunsafe\tshe said what?\n")
    with pytest.raises(ValueError, match=r"content\.tsv: unknown category"):
        suite.content_cases(tmp_path)


def test_a_small_talk_reply_without_its_stage_is_refused(tmp_path: Path) -> None:
    (tmp_path / "small_talk.tsv").write_text("output\thow are you?\t\n")
    with pytest.raises(ValueError, match="stage input"):
        suite.small_talk(tmp_path)


def test_the_hazard_guard_never_trains_on_a_line_the_suite_judges() -> None:
    # the guard's figures on the suite mean something only if no case is a training row, word for word
    def norm(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.lower()))

    trained = {norm(text) for text, _, _ in hazard_data.samples(random.Random(0))}
    judged = [t for case in suite.hazard_cases() for t in case.turns]
    judged += [t for row in suite.small_talk() for t in (row.user, row.reply) if t]
    judged += [t for case in suite.content_cases() for t in case.turns]
    assert len(trained) > 5000 and len(judged) > 900
    assert [t for t in judged if norm(t) in trained] == []

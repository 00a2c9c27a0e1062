"""The dialogue benchmark's judges: what counts as an invented life, an invented name or a loop; and its probes kept
apart from the chat adapter's training data."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import chat_data_banks as B
import chat_qa_bank as Q
import dialogue_probes as P


@pytest.mark.parametrize(("reply", "invents"), [
    ("I'm an AI assistant, so I have a big family.", True),
    ("I'm an AI assistant, so I grew up with books and flowers.", True),
    ("I spend most weekends hiking with my dog.", True),
    ("My name is Ela and I live in Paris.", True),
    ("I'm an AI, so I don't have a family. Do you?", False),
    ("No hometown here, since I'm an AI. Where are you from?", False),
])
def test_an_invented_life_is_a_claim_not_a_denial(reply: str, invents: bool) -> None:
    assert P.invents_own_life(reply) is invents


@pytest.mark.parametrize(("reply", "invents"), [
    ("Your name is Elena!", True), ("You're Sam, right?", True), ("It's Jazz.", True), ("That's Anna, isn't it?", True),
    ("You haven't told me your name yet. What is it?", False), ("You're welcome!", False),
    ("It's a secret you haven't shared with me yet.", False), ("I don't know. It's Not something you told me.", False),
])
def test_an_invented_user_name_is_a_capitalised_claim(reply: str, invents: bool) -> None:
    assert P.invents_user_name(reply) is invents


@pytest.mark.parametrize(("reply", "names"), [
    ("You said you're Farid!", True), ("Oskar!", True), ("You told me your name is farid.", True),
    ("You haven't mentioned your name, Farid.", False), ("I'm Farid!", False), ("My name is Farid.", False),
    ("You said you're Fariduddin.", False), ("You haven't told me your name yet.", False),
])
def test_a_name_given_back_is_the_users_and_not_denied(reply: str, names: bool) -> None:
    name = "Oskar" if reply.startswith("Oskar") else "Farid"
    assert P.names_user(reply, name) is names


def test_a_loop_is_a_thrice_repeated_trigram_or_a_repeated_reply() -> None:
    assert P.loops("hello there friend hello there friend hello there friend", [])
    assert P.loops("It is a lovely day for a walk in the park today.", ["It is a lovely day for a walk in the park!"])
    assert not P.loops("It is sunny. I hope you enjoy it.", ["Good morning! How are you?"])


def test_the_chat_adapter_never_trains_on_a_simple_question_the_bench_asks() -> None:
    """The bench's simple questions measure what the adapted model knows, not what it was shown: every training
    question lacks a word of each bench question ("how many legs does a cow have?" asks about another animal)."""

    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z0-9]+", text.lower().replace("'s ", " is ").replace("colour", "color")))

    rng = random.Random(0)
    trained = [words(Q.simple_qa(rng)[0]) for _ in range(20_000)]
    for question, _ in P.QUESTIONS:
        asked = words(question)
        assert not any(asked <= q for q in trained), question


def test_the_named_chats_use_names_and_questions_the_chat_adapter_never_saw() -> None:
    names = {name for name, _ in P.NAMED_CHATS}
    asked = {messages[-1] for _, messages in P.NAMED_CHATS}
    assert len(names) == 8 and len(asked) == 6
    assert not names & set(B.NAMES)
    assert not asked & set(B.NO_NAME_ASK)
    said = {messages[0].replace(name, "{n}").lower() for name, messages in P.NAMED_CHATS}  # "hello! {n} here"
    assert not said & {form.lower() for form in B.NAME_SAY}
    assert all(name in messages[0] and name not in " ".join(messages[1:]) for name, messages in P.NAMED_CHATS)

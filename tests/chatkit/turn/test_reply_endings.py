"""A reply that hits max_new_tokens never stops mid-sentence: it is cut back, or marked, and says so."""

from __future__ import annotations

import re

import pytest
from fakes import ScriptedGenerator, Shouting

from chatkit import ChatBot, DecodingConfig, MemoryStore, TransformersGenerator
from chatkit.policies.base import PolicySet
from chatkit.text import complete_sentences, end_cleanly

CUT = "Hello there. I like reading books about the"


def _bot(text: str, finish: str, moderated: bool) -> ChatBot:
    policies = PolicySet(output=[Shouting()]) if moderated else PolicySet()
    return ChatBot(ScriptedGenerator(text, finish_reason=finish), store=MemoryStore(), policies=policies)


@pytest.mark.parametrize("moderated", [False, True], ids=["no-output-policies", "output-policies"])
@pytest.mark.parametrize(("text", "expected"), [
    (CUT, "Hello there."),
    ("I like reading books about the", "I like reading books about the…"),
    ('She said "ok." Then we', 'She said "ok."'),
])
async def test_a_cut_reply_ends_at_its_last_whole_sentence(text: str, expected: str, moderated: bool) -> None:
    bot = _bot(text, "length", moderated)
    reply = await bot.reply("c", "tell me something")
    assert (reply.text, reply.finish_reason) == (expected, "length")
    assert (await bot.history("c"))[-1].content == expected, "the stored reply is the one the user got"


async def test_a_live_token_stream_marks_the_cut_it_cannot_take_back() -> None:
    bot = _bot(CUT, "length", moderated=False)
    stream = bot.stream("c", "tell me something")
    shown = "".join([piece async for piece in stream])
    assert shown == CUT + "…" and stream.reply is not None and stream.reply.text == shown
    assert stream.reply.finish_reason == "length"


async def test_a_live_sentence_stream_drops_the_unfinished_sentence() -> None:
    bot = _bot(CUT, "length", moderated=True)
    stream = bot.stream("c", "tell me something")
    shown = "".join([piece async for piece in stream])
    assert shown.strip() == "Hello there." and stream.reply is not None and stream.reply.text == "Hello there."


@pytest.mark.parametrize("moderated", [False, True])
async def test_a_reply_that_ended_on_its_own_is_left_alone(moderated: bool) -> None:
    reply = await _bot(CUT, "stop", moderated).reply("c", "hi")
    assert (reply.text, reply.finish_reason) == (CUT, "stop")


def test_sentence_helpers() -> None:
    assert complete_sentences("One. Two! Three") == "One. Two!"
    assert complete_sentences("no end") == "" and end_cleanly("no end,") == "no end…" and end_cleanly("") == ""
    assert end_cleanly("Version 2.5 is out") == "Version 2.5 is out…", "a decimal point is no sentence end"


async def test_the_real_model_never_ends_mid_sentence_at_the_limit(generator: TransformersGenerator) -> None:
    bot = ChatBot(generator, store=MemoryStore())
    short = DecodingConfig(temperature=0.7, max_new_tokens=12, min_new_tokens=12, seed=3)
    for i, message in enumerate(["tell me about your weekend", "what do you like to cook?", "describe your town"]):
        reply = await bot.reply(f"c{i}", message, decoding=short)
        assert reply.finish_reason == "length"
        assert re.search(r"([.!?][\"')\]]*|…)$", reply.text), reply.text

from __future__ import annotations

import asyncio
import threading

import pytest

from chatkit import ChatBot, DecodingConfig, GenerationError, InvalidMessageError, MemoryStore, Role, Settings
from chatkit.engine.transformers.generator import TransformersGenerator
from chatkit.policies.base import Action, PolicyContext, PolicySet, Verdict

GREEDY = DecodingConfig(temperature=0.0, max_new_tokens=24)


async def test_reply_answers_and_records_the_turn(bot: ChatBot) -> None:
    reply = await bot.reply("alice", "hi, how are you?")
    assert reply.text.strip()
    assert reply.finish_reason in {"stop", "length"}
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert reply.timings.first_token_s is not None and reply.timings.total_s >= reply.timings.first_token_s
    history = await bot.history("alice")
    assert [(m.role, m.content) for m in history] == [(Role.USER, "hi, how are you?"), (Role.ASSISTANT, reply.text)]


async def test_stream_yields_the_reply_that_is_recorded(bot: ChatBot) -> None:
    stream = bot.stream("bob", "what do you do for fun?", decoding=GREEDY)
    pieces = [piece async for piece in stream]
    assert len(pieces) > 1, "a stream should deliver the reply in several pieces"
    assert stream.reply is not None
    assert "".join(pieces) == stream.reply.text
    assert (await bot.history("bob"))[-1].content == stream.reply.text


async def test_greedy_stream_and_reply_agree(bot: ChatBot) -> None:
    streamed = bot.stream("c1", "do you have any pets?", decoding=GREEDY)
    text = "".join([p async for p in streamed])
    replied = await bot.reply("c2", "do you have any pets?", decoding=GREEDY)
    if replied.finish_reason != "length":
        assert text == replied.text
    else:  # a live token stream cannot take back the unfinished sentence: it marks the cut; reply drops it
        assert text.endswith("…") and text.startswith(replied.text.removesuffix("…"))


async def test_later_turns_see_the_history(bot: ChatBot) -> None:
    first = await bot.reply("carol", "i love hiking in the mountains.", decoding=GREEDY)
    second = await bot.reply("carol", "where should i go next?", decoding=GREEDY)
    assert second.usage.prompt_tokens > first.usage.prompt_tokens + first.usage.completion_tokens
    assert len(await bot.history("carol")) == 4
    assert await bot.history("dave") == []


async def test_turns_of_one_conversation_run_in_order(bot: ChatBot) -> None:
    texts = [f"message number {i}" for i in range(4)]
    await asyncio.gather(*(bot.reply("same", t, decoding=GREEDY) for t in texts))
    history = await bot.history("same")
    assert [m.role for m in history] == [Role.USER, Role.ASSISTANT] * 4
    assert [m.content for m in history[::2]] == texts


async def test_a_slow_conversation_does_not_hold_up_another(generator: TransformersGenerator) -> None:
    release = threading.Event()

    class WaitForA:
        name = "wait"

        def check(self, text: str, ctx: PolicyContext) -> Verdict:
            if ctx.conversation_id == "a":
                assert release.wait(30), "conversation b was never answered"
            return Verdict(self.name, Action.ALLOW, 0.0)

    bot = ChatBot(generator, policies=PolicySet(input=[WaitForA()]))
    slow = asyncio.create_task(bot.reply("a", "hello", decoding=GREEDY))
    fast = await asyncio.wait_for(bot.reply("b", "hello", decoding=GREEDY), timeout=30)
    assert not slow.done() and fast.text
    release.set()
    assert (await slow).text


@pytest.mark.parametrize("bad", ["", "   \n\t ", "x" * 8001, None, 42])
async def test_bad_messages_are_rejected_and_nothing_is_stored(bot: ChatBot, bad: object) -> None:
    await bot.reply("keep", "hello", decoding=GREEDY)
    with pytest.raises(InvalidMessageError):
        await bot.reply("keep", bad)  # type: ignore[arg-type]
    assert len(await bot.history("keep")) == 2


@pytest.mark.parametrize(("raw", "stored"), [
    ("he\x00llo\x1b[31m there", "hello[31m there"),
    ("  padded\r\nline  ", "padded\nline"),
    (b"caf\xc3\xa9 \xff\xfe", "café \ufffd\ufffd"),
    ("lone \udc80 surrogate", "lone \ufffd surrogate"),  # as invalid UTF-8 bytes are: U+FFFD
])
async def test_messages_are_cleaned_before_storage(bot: ChatBot, raw: object, stored: str) -> None:
    await bot.reply("clean", raw, decoding=GREEDY)  # type: ignore[arg-type]
    assert (await bot.history("clean"))[0].content == stored


@pytest.mark.parametrize("bad_id", ["", "  ", "x" * 300, "a\udcffb", "tab\there", "bell\x07"])
async def test_bad_conversation_ids_are_rejected(bot: ChatBot, bad_id: str) -> None:
    with pytest.raises(InvalidMessageError):
        await bot.reply(bad_id, "hello")


async def test_a_message_larger_than_the_window_is_shortened_not_fatal(generator: TransformersGenerator) -> None:
    bot = ChatBot(generator, settings=Settings(chat={"max_message_chars": 100_000}))
    reply = await bot.reply("long", "tell me a story " * 2000, decoding=GREEDY)
    assert reply.usage.prompt_tokens <= generator.max_context_tokens - GREEDY.max_new_tokens
    assert len((await bot.history("long"))[0].content) == len(("tell me a story " * 2000).strip())


async def test_reset_forgets_messages_but_keeps_the_system_prompt(bot: ChatBot) -> None:
    await bot.set_system_prompt("eve", "You are a pirate.")
    await bot.reply("eve", "hello", decoding=GREEDY)
    await bot.reset("eve")
    assert await bot.history("eve") == []
    assert await bot.system_prompt("eve") == "You are a pirate."
    assert await bot.system_prompt("other") == Settings().chat.system_prompt
    await bot.set_system_prompt("eve", None)
    assert await bot.system_prompt("eve") == Settings().chat.system_prompt


async def test_an_input_block_answers_without_calling_the_model(generator: TransformersGenerator) -> None:
    class BlockAll:
        name = "block-all"

        def check(self, text: str, ctx: PolicyContext) -> Verdict:
            return Verdict(self.name, Action.BLOCK, 1.0, "test")

    bot = ChatBot(generator, policies=PolicySet(input=[BlockAll()]))
    reply = await bot.reply("x", "anything")
    assert reply.finish_reason == "blocked" and reply.usage.completion_tokens == 0
    assert [v.policy for v in reply.verdicts] == ["block-all"]


class _CrashingModel:
    """Stands in for a model whose backend dies mid-generation (e.g. out of memory)."""

    def __init__(self, real: object) -> None:
        self.generation_config = real.generation_config  # type: ignore[attr-defined]
        self.device = real.device  # type: ignore[attr-defined]

    def generate(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("CUDA out of memory")


async def test_a_crashed_backend_gives_a_clear_error_and_loses_nothing(generator: TransformersGenerator) -> None:
    store = MemoryStore()
    good = ChatBot(generator, store=store)
    await good.reply("k", "hello", decoding=GREEDY)
    broken = TransformersGenerator(_CrashingModel(generator.model), generator.tokenizer, name="broken",
                                   max_context_tokens=generator.max_context_tokens)
    bot = ChatBot(broken, store=store)
    with pytest.raises(GenerationError, match="out of memory"):
        await bot.reply("k", "are you there?")
    assert len(await bot.history("k")) == 2
    # the worker thread survived: the same generator can be used again
    with pytest.raises(GenerationError):
        await bot.reply("k", "still there?")


async def test_notes_remember_what_left_the_window(generator: TransformersGenerator) -> None:
    from chatkit.turn.notes import SelfNotes

    small = TransformersGenerator(generator.model, generator.tokenizer, name="small", max_context_tokens=120)
    notes = SelfNotes()
    bot = ChatBot(small, on_drop=notes, settings=Settings(decoding={"preset": "greedy", "max_new_tokens": 16}))
    await bot.reply("n", "hello! my dog is called rex and i live in leeds.")
    for i in range(6):
        await bot.reply("n", f"tell me something nice, number {i}")
    assert notes.notes("n") == "Earlier the user said: my dog is called rex and i live in leeds."
    assert notes.notes("other") is None
    await bot.reset("n")
    assert notes.notes("n") is None
    await small.aclose()


async def test_a_conversation_can_have_its_own_decoding(bot: ChatBot) -> None:
    from chatkit import ConfigError
    from chatkit.engine.decoding import PRESETS

    effective = await bot.set_decoding("g", "greedy", max_new_tokens=6)
    assert effective == PRESETS["greedy"].with_overrides(max_new_tokens=6)
    assert await bot.decoding_for("g") == effective
    assert await bot.decoding_for("other") == bot.decoding
    reply = await bot.reply("g", "what do you do for fun?")
    assert reply.usage.completion_tokens <= 6
    again = await bot.reply("g2", "what do you do for fun?", decoding=effective)
    assert again.text == reply.text, "the stored overrides decode like the explicit config"
    with pytest.raises(ConfigError, match="temperature"):
        await bot.set_decoding("g", temperature=-3)
    assert await bot.decoding_for("g") == effective, "a refused override changes nothing"
    await bot.set_decoding("g")
    assert await bot.decoding_for("g") == bot.decoding


async def test_the_turn_that_drops_a_fact_already_sees_its_note() -> None:
    from fakes import ScriptedGenerator

    from chatkit import DecodingConfig
    from chatkit.turn.notes import SelfNotes

    generator = ScriptedGenerator(*["fine thanks"] * 8)
    generator.max_context_tokens = 40  # the fake counts words + 2 per message
    bot = ChatBot(generator, on_drop=SelfNotes(), settings=Settings(chat={"system_prompt": "S"}, decoding={"max_new_tokens": 4}))
    short = DecodingConfig(max_new_tokens=4)
    await bot.reply("n", "my dog is called rex", decoding=short)
    for i in range(8):
        prompt, _ = generator.calls[-1]
        if all("rex" not in m.content for m in prompt if m.role == Role.USER):  # the fact left the window this turn
            assert "Earlier the user said: my dog is called rex" in prompt[0].content
            return
        await bot.reply("n", f"tell me something nice please, number {i}", decoding=short)
    raise AssertionError("the fact never left the window; make the window smaller")


async def test_a_message_from_a_platform_is_answered_once_and_its_reply_is_owed_until_delivered() -> None:
    from fakes import ScriptedGenerator

    from chatkit import Origin

    bot = ChatBot(ScriptedGenerator("Hello there."))  # a second generation would find no reply to give
    first = await bot.reply("u", "hi", origin=Origin("telegram:update:7", "42"))
    again = await bot.reply("u", "hi", origin=Origin("telegram:update:7", "42"))
    assert (first.text, first.finish_reason) == ("Hello there.", "stop")
    assert (again.text, again.finish_reason) == ("Hello there.", "replayed")
    assert len(await bot.history("u")) == 2, "one turn, not two"
    owed = await bot.store.undelivered()
    assert [(d.source, d.target, d.text) for d in owed] == [("telegram:update:7", "42", "Hello there.")]
    await bot.store.mark_delivered("telegram:update:7")
    assert await bot.store.undelivered() == []

"""ChatBot with moderation policies: what a user sees and what is recorded."""

from __future__ import annotations

import logging

import pytest
from fakes import Recorder, ScriptedGenerator

from chatkit import ChatBot, MemoryStore, Settings
from chatkit.policies.base import Action, PolicyContext, PolicySet, Verdict
from chatkit.policies.function import FunctionPolicy
from chatkit.policies.language import LanguagePolicy
from chatkit.policies.pii import PIIPolicy
from chatkit.storage.transfer import export_conversations


def bot_with(generator: ScriptedGenerator, *, input=(), output=(), regenerations: int = 2) -> ChatBot:
    settings = Settings(policies={"max_regenerations": regenerations, "fallback": "FALLBACK"})
    return ChatBot(generator, settings=settings, store=MemoryStore(), policies=PolicySet(input=list(input), output=list(output)))


def regenerate_if(word: str) -> FunctionPolicy:
    return FunctionPolicy(lambda text: word in text, f"no-{word}", action=Action.REGENERATE)


async def test_streams_release_each_sentence_only_after_it_passed() -> None:
    recorder = Recorder()
    bot = bot_with(ScriptedGenerator("Hello there! How are you today? I am fine."), output=[recorder])
    stream = bot.stream("c", "hi")
    pieces = []
    async for piece in stream:
        assert any(seen.endswith(piece) for seen in recorder.seen), "released before the policies saw it"
        pieces.append(piece)
    # the first word early (policies.first_release_chars), then the rest of its sentence checked with it
    assert pieces == ["Hello ", "there! ", "How are you today? ", "I am fine."]
    assert recorder.seen == ["Hello ", "Hello there! ", "How are you today? ", "I am fine."]
    assert stream.reply is not None and stream.reply.text == "Hello there! How are you today? I am fine."


async def test_output_redaction_masks_spans_in_what_is_shown_and_stored() -> None:
    bot = bot_with(ScriptedGenerator("Sure. Mail me at bob@example.com please."), output=[PIIPolicy()])
    reply = await bot.reply("c", "how do i reach you?")
    assert reply.text == "Sure. Mail me at [EMAIL] please."
    assert any(v.policy == "pii" and v.action == Action.REDACT for v in reply.verdicts)
    assert (await bot.history("c"))[-1].content == reply.text


async def test_regenerate_retries_with_a_new_seed_and_keeps_the_audit_trail() -> None:
    generator = ScriptedGenerator("This is bad.", "This is good.")
    bot = bot_with(generator, output=[regenerate_if("bad")])
    reply = await bot.reply("c", "hi")
    assert reply.text == "This is good." and reply.finish_reason == "stop"
    assert [v.action for v in reply.verdicts] == [Action.REGENERATE, Action.ALLOW]
    first, second = generator.calls[0][1], generator.calls[1][1]
    assert second.seed is not None and second.seed != first.seed and second.temperature > 0
    conv = await bot.store.load("c")
    assert conv is not None and [v.action for v in conv.messages[1].verdicts] == [Action.REGENERATE, Action.ALLOW]


async def test_when_regenerations_run_out_the_fallback_is_sent() -> None:
    generator = ScriptedGenerator("bad one.", "bad two.", "bad three.")
    reply = await bot_with(generator, output=[regenerate_if("bad")], regenerations=2).reply("c", "hi")
    assert (reply.text, reply.finish_reason) == ("FALLBACK", "fallback")
    assert len(generator.calls) == 3


async def test_an_output_block_sends_the_fallback_without_retrying() -> None:
    generator = ScriptedGenerator("Something forbidden here.", "never used")
    reply = await bot_with(generator, output=[Recorder()]).reply("c", "hi")
    assert reply.text == "FALLBACK" and len(generator.calls) == 1


async def test_a_live_stream_keeps_what_it_showed_and_stops_at_the_first_bad_sentence() -> None:
    bot = bot_with(ScriptedGenerator("Fine start. Then forbidden words. And more."), output=[Recorder()])
    stream = bot.stream("c", "hi")
    pieces = [p async for p in stream]
    assert pieces == ["Fine ", "start. "]
    assert stream.reply is not None and (stream.reply.text, stream.reply.finish_reason) == ("Fine start.", "fallback")
    assert (await bot.history("c"))[-1].content == "Fine start."


async def test_input_block_uses_the_policys_own_refusal() -> None:
    generator = ScriptedGenerator()
    bot = bot_with(generator, input=[LanguagePolicy(allowed=["en"])])
    reply = await bot.reply("c", "Ich habe heute keine Zeit, weil ich arbeiten muss.")
    assert reply.text == "Sorry, I can only chat in English." and reply.finish_reason == "blocked"
    assert generator.calls == []


async def test_input_redaction_happens_before_storage_and_the_model() -> None:
    generator = ScriptedGenerator("Thanks, noted.")
    bot = bot_with(generator, input=[PIIPolicy()])
    await bot.reply("c", "my card is 4111 1111 1111 1111")
    assert (await bot.history("c"))[0].content == "my card is [CARD]"
    assert generator.calls[0][0][-1].content == "my card is [CARD]"


async def test_a_crashing_output_policy_fails_closed(caplog: pytest.LogCaptureFixture) -> None:
    def broken(text: str) -> bool:
        raise RuntimeError("model file missing")

    with caplog.at_level(logging.ERROR):
        reply = await bot_with(ScriptedGenerator("Hello."), output=[FunctionPolicy(broken, "broken")]).reply("c", "hi")
    assert reply.text == "FALLBACK"
    assert "model file missing" in reply.verdicts[0].reason and "fail-closed" in caplog.text


async def test_verdicts_are_exported_for_review() -> None:
    bot = bot_with(ScriptedGenerator("Write to a@b.io now."), output=[PIIPolicy()], input=[Recorder()])
    await bot.reply("c", "contact?")
    exported = await export_conversations(bot.store)
    user, assistant = exported["conversations"][0]["messages"]
    assert user["verdicts"][0]["policy"] == "recorder"
    assert assistant["verdicts"][0] == {"policy": "pii", "action": "redact", "score": 1.0, "reason": "personal data: email",
                                        "redacted": "Write to [EMAIL] now.", "stage": "output", "attempt": 0, "part": 0}



async def test_each_verdict_says_where_it_came_from_and_a_reviewer_sees_what_was_held_back() -> None:
    recorder = Recorder()
    bot = bot_with(ScriptedGenerator("Fine. A rude one here. Bye.", "All good."), input=[Recorder()],
                   output=[regenerate_if("rude"), recorder])
    reply = await bot.reply("c", "hello")
    assert reply.text == "All good." and "rude" not in reply.text
    where = [(v.policy, v.stage, v.attempt, v.part, v.checked_text) for v in reply.verdicts]
    assert ("recorder", "input", 0, None, None) in where
    assert ("no-rude", "output", 0, 0, None) in where, "the first sentence passed"
    assert ("no-rude", "output", 0, 1, "A rude one here. ") in where, "the regenerated sentence is kept for review"
    assert ("recorder", "output", 0, 1, None) in where, "a policy that passed it keeps no copy"
    assert ("no-rude", "output", 1, 0, None) in where, "the second attempt"
    exported = (await export_conversations(bot.store))["conversations"][0]["messages"][1]["verdicts"]
    assert {"policy": "no-rude", "stage": "output", "attempt": 0, "part": 1, "checked_text": "A rude one here. "}.items() <= \
        next(v for v in exported if v.get("checked_text")).items()
    assert all("rude" not in m.content for m in await bot.history("c") if m.role == "assistant")


async def test_a_sentence_that_never_ends_is_released_in_bounded_pieces() -> None:
    from chatkit.turn.output_gate import MAX_RELEASE_CHARS

    run_on = " ".join(f"and then word{i}" for i in range(150))  # about 2,000 characters, no sentence end
    recorder = Recorder()
    bot = bot_with(ScriptedGenerator(run_on), output=[recorder])
    stream = bot.stream("u", "tell me everything")
    pieces = [piece async for piece in stream]
    assert "".join(pieces).strip() == run_on
    assert len(pieces) >= len(run_on) // MAX_RELEASE_CHARS and all(len(p) <= MAX_RELEASE_CHARS for p in pieces)
    # each piece was checked before it was released; the first, shown early, again with the rest of its sentence
    assert recorder.seen == [pieces[0], pieces[0] + pieces[1], *pieces[2:]] and pieces[0] == "and "
    assert stream.reply is not None and stream.reply.text == run_on


def test_release_points() -> None:
    from chatkit.turn.output_gate import first_release, next_release

    assert first_release("Hel", 1) == 3 and first_release(" ", 1) is None
    assert first_release("Well I thi", 1) == len("Well I ")
    assert first_release("Well I thi", 12) is None and first_release("Well I think so", 12) == len("Well I think ")
    assert first_release("Supercalifragilistic", 12) == len("Supercalifragilistic")

    assert next_release("Hello there. More") == len("Hello there. ")  # the sentence with its trailing space
    assert next_release("no end yet") is None
    assert next_release("x" * 250) == 200  # no space: a hard cut
    cut = next_release("word " * 60)
    assert cut is not None and cut <= 200 and ("word " * 60)[cut] == " "
    long_sentence = "a " * 150 + "end."
    assert next_release(long_sentence) is not None and next_release(long_sentence) <= 200


@pytest.mark.parametrize("action", [Action.REGENERATE, Action.BLOCK])
async def test_an_early_piece_that_fails_waits_for_its_sentence(action: Action) -> None:
    # tokens cut words: the early piece "Che" judged alone is not the reply; the whole sentence decides
    fragment = FunctionPolicy(lambda text: text.strip() == "Che", name="fragment", action=action)
    generator = ScriptedGenerator("Cheese is made from milk. It is.", chunk=3)
    stream = bot_with(generator, output=[fragment]).stream("u", "cheese?")
    pieces = [piece async for piece in stream]
    assert pieces == ["Cheese is made from milk. ", "It is."]
    assert len(generator.calls) == 1, "not generated again"
    assert stream.reply is not None and stream.reply.finish_reason == "stop"
    assert stream.reply.text == "Cheese is made from milk. It is."


async def test_an_early_piece_that_passes_is_shown_at_once() -> None:
    recorder = Recorder()
    pieces = [p async for p in bot_with(ScriptedGenerator("Cheese is made from milk.", chunk=3), output=[recorder]).stream("u", "?")]
    assert pieces[0] == recorder.seen[0] == "Che"
    assert recorder.seen[1] == "Cheese is made from milk." and "".join(pieces) == "Cheese is made from milk."


async def test_the_first_piece_of_a_live_stream_is_shown_before_its_sentence_ends() -> None:
    recorder = Recorder()
    settings = Settings(policies={"first_release_chars": 12})
    bot = ChatBot(ScriptedGenerator("Well I think that tea is lovely in the morning. It is."), settings=settings,
                  store=MemoryStore(), policies=PolicySet(output=[recorder]))
    pieces = [piece async for piece in bot.stream("u", "tea?")]
    assert pieces == ["Well I think ", "that tea is lovely in the morning. ", "It is."]
    assert recorder.seen == ["Well I think ", "Well I think that tea is lovely in the morning. ", "It is."]


async def test_the_rest_of_an_early_sentence_is_judged_with_its_start() -> None:
    recorder = Recorder()
    bot = bot_with(ScriptedGenerator("Sure thing my friend, here is the forbidden recipe. Enjoy."), output=[recorder])
    stream = bot.stream("u", "tell me")
    pieces = [piece async for piece in stream]
    assert pieces == ["Sure "]  # shown stays (the first word, by default); the failed sentence and the rest never show
    assert stream.reply is not None and stream.reply.finish_reason == "fallback"
    assert recorder.seen[-1] == "Sure thing my friend, here is the forbidden recipe. "


async def test_a_one_word_reply_is_shown_once() -> None:
    recorder = Recorder()
    bot = bot_with(ScriptedGenerator("Hello"), output=[recorder])
    stream = bot.stream("u", "hi")
    assert [piece async for piece in stream] == ["Hello"]
    assert recorder.seen == ["Hello"] and stream.reply is not None and stream.reply.text == "Hello"


class ContextRecorder:
    """Notes each text with the reply's text shown before it, as the output policies get them."""

    name = "context-recorder"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        self.seen.append((text, ctx.reply_before))
        return Verdict(self.name, Action.ALLOW, 0.0)


@pytest.mark.parametrize("streamed", [False, True])
async def test_each_sentence_is_checked_with_the_reply_before_it(streamed: bool) -> None:
    # "They ..." is read with what it refers to (policies/referents.py); an early first piece is not "before" its sentence
    recorder = ContextRecorder()
    bot = bot_with(ScriptedGenerator("Bees collect nectar. They store it in cells. Then they rest."), output=[recorder])
    if streamed:
        assert "".join([piece async for piece in bot.stream("u", "how do bees make honey?")]).startswith("Bees")
    else:
        await bot.reply("u", "how do bees make honey?")
    expected = [("Bees collect nectar. ", ""), ("They store it in cells. ", "Bees collect nectar. "),
                ("Then they rest.", "Bees collect nectar. They store it in cells. ")]
    assert recorder.seen == ([("Bees ", "")] if streamed else []) + expected

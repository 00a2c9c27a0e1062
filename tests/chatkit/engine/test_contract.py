"""One contract for every Generator: the local model, and the remote backend in front of a real engine
(``transformers serve`` with the same bundled model)."""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

import pytest

from chatkit import ChatBot, DecodingConfig, Generator, MemoryStore, Message, Role, Settings

GREEDY = DecodingConfig(temperature=0.0, max_new_tokens=24)
PROMPT = [Message(Role.SYSTEM, "You are a friendly chat partner."), Message(Role.USER, "hello, how are you today?")]


@pytest.fixture(params=["local", "remote"])
def backend(request: pytest.FixtureRequest) -> Generator:
    return request.getfixturevalue("generator" if request.param == "local" else "remote")  # type: ignore[no-any-return]


async def test_a_generation_has_text_counts_and_an_ending(backend: Generator) -> None:
    g = await backend.generate(PROMPT, GREEDY)
    assert g.text.strip() and g.completion_tokens > 0 and g.finish_reason in ("stop", "length")
    assert g.prompt_tokens == backend.count_tokens(PROMPT)
    assert isinstance(backend, Generator)


async def test_the_stream_is_the_generation_in_pieces(backend: Generator) -> None:
    stream = backend.stream(PROMPT, GREEDY)
    pieces = [p async for p in stream]
    assert stream.result is not None and "".join(pieces).strip() == stream.result.text


async def test_max_new_tokens_ends_the_reply_with_length(backend: Generator) -> None:
    g = await backend.generate(PROMPT, GREEDY.with_overrides(max_new_tokens=2))
    assert g.completion_tokens <= 2 and g.finish_reason == "length"


async def test_a_closed_stream_leaves_the_backend_ready(backend: Generator) -> None:
    stream = backend.stream(PROMPT, GREEDY.with_overrides(max_new_tokens=200, min_new_tokens=150))
    async with aclosing(stream):
        async for _ in stream:
            break
    assert stream.result is None
    assert (await backend.generate(PROMPT, GREEDY)).text


async def test_a_seed_makes_sampling_reproducible(backend: Generator) -> None:
    d = DecodingConfig(temperature=1.0, max_new_tokens=16, seed=11)
    assert (await backend.generate(PROMPT, d)).text == (await backend.generate(PROMPT, d)).text


async def test_a_chatbot_holds_a_conversation_on_it(backend: Generator) -> None:
    bot = ChatBot(backend, settings=Settings(decoding={"preset": "greedy", "max_new_tokens": 16}), store=MemoryStore())
    first = await bot.reply("c", "my name is Ada")
    second = await bot.reply("c", "what is my name?")
    assert first.text and second.text and second.usage.prompt_tokens > first.usage.prompt_tokens
    assert [m.role for m in await bot.history("c")] == [Role.USER, Role.ASSISTANT] * 2


async def test_the_remote_engine_says_what_the_local_model_says(generator: Any, remote: Any) -> None:
    # same weights, same template, greedy: the remote path adds nothing and loses nothing
    assert (await remote.generate(PROMPT, GREEDY)).text == (await generator.generate(PROMPT, GREEDY)).text

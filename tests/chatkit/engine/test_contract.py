"""One contract for every Generator: the local model (transformers, and llama.cpp on the same weights as GGUF), the
remote backend in front of a real engine (``transformers serve`` with the same bundled model), and the test fakes the
other suites stand on (a fake that broke the contract would make those suites prove nothing). What needs a real model
(length limits, seeds) runs on the engines only.

LoRA adapters are an optional capability (``ServesLoraAdapters``): an engine that has it is asked through it, one
that does not serves the base model and refuses any other name."""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

import pytest
from fakes import CountingGenerator, ScriptedGenerator, SlowGenerator

from chatkit import ChatBot, DecodingConfig, Generator, MemoryStore, Message, Role, Settings
from chatkit.engine.base import ServesLoraAdapters
from chatkit.errors import LoraAdapterError
from chatkit.models.lora import BASE

GREEDY = DecodingConfig(temperature=0.0, max_new_tokens=24)
PROMPT = [Message(Role.SYSTEM, "You are a friendly chat partner."), Message(Role.USER, "hello, how are you today?")]


ENGINES = {"local": "generator", "llamacpp": "llamacpp", "remote": "remote"}  # llamacpp skips where it is not installed


@pytest.fixture(params=list(ENGINES))
def backend(request: pytest.FixtureRequest) -> Generator:
    """The engines: what needs a real model runs on these."""
    return request.getfixturevalue(ENGINES[request.param])  # type: ignore[no-any-return]


@pytest.fixture(params=[*ENGINES, "counting", "scripted", "slow"])
def any_generator(request: pytest.FixtureRequest) -> Generator:
    """Every Generator: the engines and the test fakes."""
    if request.param in ENGINES:
        return request.getfixturevalue(ENGINES[request.param])  # type: ignore[no-any-return]
    if request.param == "counting":
        return CountingGenerator()
    if request.param == "scripted":
        return ScriptedGenerator(*(["Fine, thanks. And you?"] * 10))
    return SlowGenerator(words=3, interval=0.0)


async def test_a_generation_has_text_counts_and_an_ending(any_generator: Generator) -> None:
    backend = any_generator
    g = await backend.generate(PROMPT, GREEDY)
    assert g.text.strip() and g.completion_tokens > 0 and g.finish_reason in ("stop", "length")
    assert g.prompt_tokens == backend.count_tokens(PROMPT)
    assert isinstance(backend, Generator)


async def test_the_stream_is_the_generation_in_pieces(any_generator: Generator) -> None:
    backend = any_generator
    stream = backend.stream(PROMPT, GREEDY)
    pieces = [p async for p in stream]
    assert stream.result is not None and "".join(pieces).strip() == stream.result.text


async def test_max_new_tokens_ends_the_reply_with_length(backend: Generator) -> None:
    g = await backend.generate(PROMPT, GREEDY.with_overrides(max_new_tokens=2))
    assert g.completion_tokens <= 2 and g.finish_reason == "length"


async def test_a_closed_stream_leaves_the_backend_ready(any_generator: Generator) -> None:
    backend = any_generator
    stream = backend.stream(PROMPT, GREEDY.with_overrides(max_new_tokens=200, min_new_tokens=150))
    async with aclosing(stream):
        async for _ in stream:
            break
    assert stream.result is None
    assert (await backend.generate(PROMPT, GREEDY)).text


async def test_a_seed_makes_sampling_reproducible(backend: Generator) -> None:
    d = DecodingConfig(temperature=1.0, max_new_tokens=16, seed=11)
    assert (await backend.generate(PROMPT, d)).text == (await backend.generate(PROMPT, d)).text


async def test_a_chatbot_holds_a_conversation_on_it(any_generator: Generator) -> None:
    backend = any_generator
    bot = ChatBot(backend, settings=Settings(decoding={"preset": "greedy", "max_new_tokens": 16}), store=MemoryStore())
    first = await bot.reply("c", "my name is Ada")
    second = await bot.reply("c", "what is my name?")
    assert first.text and second.text and second.usage.prompt_tokens > first.usage.prompt_tokens
    assert [m.role for m in await bot.history("c")] == [Role.USER, Role.ASSISTANT] * 2


async def test_the_remote_engine_says_what_the_local_model_says(generator: Any, remote: Any) -> None:
    # same weights, same template, greedy: the remote path adds nothing and loses nothing
    assert (await remote.generate(PROMPT, GREEDY)).text == (await generator.generate(PROMPT, GREEDY)).text


async def test_lora_adapters_are_an_optional_capability(any_generator: Generator) -> None:
    bot = ChatBot(any_generator, store=MemoryStore())
    if isinstance(any_generator, ServesLoraAdapters):
        assert any_generator.check_adapter(None) in (None, *any_generator.adapters)
        assert bot.adapters() == (BASE, *any_generator.adapters)
        assert set(bot.unavailable_adapters()) == set(any_generator.unavailable_adapters)
    else:
        assert bot.adapters() == (BASE,) and bot.unavailable_adapters() == {}
    with pytest.raises(LoraAdapterError):
        await bot.set_adapter("c", "no-such-adapter")
    await bot.set_adapter("c", BASE)  # the base model is always there


def test_the_engines_have_the_capability_and_the_fakes_do_not(backend: Generator) -> None:
    assert isinstance(backend, ServesLoraAdapters)
    assert not isinstance(CountingGenerator(), ServesLoraAdapters)

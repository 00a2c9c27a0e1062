"""The remote backend's behaviour under faults, against a small OpenAI-compatible server that makes them on demand."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fake_openai import CUT, SLOW, STATUS_429, STATUS_500, STRICT, TOO_LONG, FakeOpenAI

from chatkit import ChatBot, DecodingConfig, GenerationError, MemoryStore, Message, Role, Settings
from chatkit.config import validate_settings
from chatkit.engine.remote import OpenAIBackend
from chatkit.errors import LoraAdapterError

PROMPT = [Message(Role.USER, "hello")]


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    s = FakeOpenAI()
    await s.start()
    yield s
    await s.stop()


def backend(server: FakeOpenAI, **options: object) -> OpenAIBackend:
    return OpenAIBackend(server.url, "served-model", **{"max_retries": 3, "timeout_s": 5.0, **options})  # type: ignore[arg-type]


@pytest.mark.parametrize("faults", [[STATUS_429] * 3, [STATUS_500, STATUS_500]], ids=["429 storm", "500s"])
async def test_429s_and_5xx_are_retried_with_backoff(server: FakeOpenAI, faults: list[str]) -> None:
    server.faults = list(faults)
    g = await backend(server).generate(PROMPT, DecodingConfig())
    assert g.text == "Hello there. How are you?" and len(server.requests) == len(faults) + 1


async def test_a_server_that_stays_down_is_a_generation_error_naming_it_and_the_conversation_is_unchanged(
        server: FakeOpenAI) -> None:
    server.faults = [STATUS_500] * 10
    bot = ChatBot(backend(server, max_retries=1), store=MemoryStore())
    with pytest.raises(GenerationError, match=server.url.replace(".", r"\.")):
        await bot.reply("c", "hello")
    assert await bot.history("c") == []


async def test_nothing_listening_is_a_clear_error() -> None:
    down = OpenAIBackend("http://127.0.0.1:1/v1", "m", max_retries=0)
    with pytest.raises(GenerationError, match="cannot connect"):
        await down.generate(PROMPT, DecodingConfig())


async def test_a_stream_cut_in_the_middle_records_nothing(server: FakeOpenAI) -> None:
    server.faults = [CUT]
    bot = ChatBot(backend(server), store=MemoryStore())
    with pytest.raises(GenerationError, match="stream broke"):
        await bot.reply("c", "hello")
    assert await bot.history("c") == []


async def test_a_slow_first_byte_times_out_then_is_retried(server: FakeOpenAI) -> None:
    server.faults, server.slow_s = [SLOW], 3.0
    t0 = time.monotonic()
    g = await backend(server, timeout_s=1.0, max_retries=1).generate(PROMPT, DecodingConfig())
    assert g.text and len(server.requests) == 2 and time.monotonic() - t0 < 3.0


async def test_a_context_length_error_is_retried_with_fewer_turns(server: FakeOpenAI) -> None:
    server.faults = [TOO_LONG]
    history = [Message(Role.SYSTEM, "be kind"), Message(Role.USER, "one"), Message(Role.ASSISTANT, "1"),
               Message(Role.USER, "two"), Message(Role.ASSISTANT, "2"), Message(Role.USER, "three")]
    g = await backend(server).generate(history, DecodingConfig())
    assert g.text
    sent = [[m["content"] for m in r["messages"]] for r in server.requests]
    assert sent == [["be kind", "one", "1", "two", "2", "three"], ["be kind", "two", "2", "three"]]


async def test_decoding_fields_are_mapped_standard_and_vendor(server: FakeOpenAI) -> None:
    d = DecodingConfig(temperature=0.3, top_p=0.8, max_new_tokens=50, stop=("END",), seed=5, frequency_penalty=0.4,
                       presence_penalty=0.2, repetition_penalty=1.2, top_k=40, min_p=0.05, min_new_tokens=3,
                       dry_multiplier=0.8)
    await backend(server).generate(PROMPT, d)
    sent = server.requests[0]
    assert {k: sent[k] for k in ("temperature", "top_p", "max_tokens", "stop", "seed", "frequency_penalty",
                                 "presence_penalty")} == {"temperature": 0.3, "top_p": 0.8, "max_tokens": 50, "stop": ["END"],
                                                          "seed": 5, "frequency_penalty": 0.4, "presence_penalty": 0.2}
    assert {k: sent[k] for k in ("repetition_penalty", "top_k", "min_p", "min_tokens", "dry_multiplier", "dry_base",
                                 "dry_allowed_length")} == {"repetition_penalty": 1.2, "top_k": 40, "min_p": 0.05, "min_tokens": 3,
                                                            "dry_multiplier": 0.8, "dry_base": 1.75, "dry_allowed_length": 2}
    assert sent["model"] == "served-model" and sent["stream"] is True


async def test_a_server_that_refuses_vendor_fields_is_told_once_and_sent_none(server: FakeOpenAI,
                                                                             caplog: pytest.LogCaptureFixture) -> None:
    server.faults = [STRICT]
    b = backend(server)
    with caplog.at_level(logging.WARNING, logger="chatkit.engine.remote"):
        assert (await b.generate(PROMPT, DecodingConfig(repetition_penalty=1.2))).text
        assert (await b.generate(PROMPT, DecodingConfig(repetition_penalty=1.2))).text
    assert "repetition_penalty" not in server.requests[-1]
    assert sum("refuses the vendor sampling fields" in r.getMessage() for r in caplog.records) == 1


def test_fields_no_server_takes_are_named_at_start_up(caplog: pytest.LogCaptureFixture) -> None:
    settings = validate_settings({"model": {"backend": "openai", "base_url": "http://127.0.0.1:1/v1", "name": "m"},
                                  "decoding": {"no_repeat_ngram_size": 3, "penalty_scope": "bot_history"}}, "test")
    with caplog.at_level(logging.WARNING, logger="chatkit.engine.remote"):
        OpenAIBackend.from_settings(settings)
    assert "no_repeat_ngram_size = 3" in caplog.text and "penalty_scope = 'bot_history'" in caplog.text


async def test_a_reply_that_repeats_the_bots_last_ones_is_regenerated(server: FakeOpenAI) -> None:
    server.replies = ["I love talking about books. Do you?", "Tell me about your day instead."]
    history = [Message(Role.USER, "hi"), Message(Role.ASSISTANT, "I love talking about books. What about you?"),
               Message(Role.USER, "ok")]
    stream = backend(server).stream(history, DecodingConfig(temperature=0.0, block_bot_ngrams=4, block_bot_turns=3))
    text = "".join([p async for p in stream])
    assert text == "Tell me about your day instead." and len(server.requests) == 2
    assert server.requests[1]["temperature"] > 0  # a greedy retry would only say the same again


async def test_adapters_are_model_ids_on_the_server(server: FakeOpenAI) -> None:
    b = backend(server, adapters={"bookshop": "bookshop-lora"})
    await b.generate(PROMPT, DecodingConfig(), adapter="bookshop")
    await b.generate(PROMPT, DecodingConfig(), adapter="base")
    assert [r["model"] for r in server.requests] == ["bookshop-lora", "served-model"]
    with pytest.raises(LoraAdapterError, match="served"):
        b.stream(PROMPT, DecodingConfig(), adapter="nope")


def test_without_a_tokenizer_the_count_is_a_conservative_estimate(tiny_tokenizer: object) -> None:
    with_tokenizer = OpenAIBackend("http://x/v1", "m", tokenizer=tiny_tokenizer)
    estimated = OpenAIBackend("http://x/v1", "m")
    for text in ["hi", "hello there, how are you doing today?", "a much longer message about books " * 20]:
        messages = [Message(Role.SYSTEM, "You are kind."), Message(Role.USER, text)]
        assert estimated.count_tokens(messages) >= with_tokenizer.count_tokens(messages)


def test_the_config_builds_the_remote_backend(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATKIT_BACKEND_API_KEY", "secret-key")
    settings = validate_settings({"model": {"backend": "openai", "base_url": server.url, "name": "served-model"},
                                  "adapters": {"served": {"bookshop": "bookshop-lora"}}}, "test")
    bot = ChatBot.from_config(settings=settings)
    assert isinstance(bot.generator, OpenAIBackend) and bot.adapters() == ("base", "bookshop")


@pytest.mark.parametrize(("model", "error"), [({"base_url": "", "name": "m"}, "base_url"), ({"base_url": "http://x/v1"}, "name")])
def test_a_half_configured_remote_backend_is_a_clear_error(model: dict[str, str], error: str) -> None:
    from chatkit import ModelLoadError

    settings = validate_settings({"model": {"backend": "openai", **model}}, "test")
    with pytest.raises(ModelLoadError, match=error):
        OpenAIBackend.from_settings(settings)


def test_settings_validate_the_remote_fields() -> None:
    from chatkit import ConfigError

    with pytest.raises(ConfigError, match="backend"):
        validate_settings({"model": {"backend": "grpc"}}, "test")
    assert Settings().model.backend == "local"


@pytest.mark.slow
def test_chatkit_chat_talks_through_transformers_serve(engine_url: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    from chatkit.models.catalogue import bundled_model_path

    config = tmp_path / "remote.toml"
    config.write_text(f'[model]\nbackend = "openai"\nbase_url = "{engine_url}"\nname = "{bundled_model_path()}"\n'
                      f'tokenizer = "tiny"\n[store]\npath = "{tmp_path / "c.sqlite3"}"\n')
    done = subprocess.run([sys.executable, "-m", "chatkit.cli", "chat", "--config", str(config)], input="hi\nhow are you?\n",
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all(line.strip() for line in lines)
    assert "refuses the vendor sampling fields" in done.stderr  # transformers serve is strict; said once, then it works

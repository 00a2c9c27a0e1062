from __future__ import annotations

from pathlib import Path

import pytest

from chatkit import ChatBot, DecodingConfig, Message, ModelLoadError, Role
from chatkit.generator import TransformersGenerator

GREEDY = DecodingConfig(temperature=0.0, max_new_tokens=40)
PROMPT = [Message(Role.SYSTEM, "You are a friendly chat partner."), Message(Role.USER, "what do you do for fun?")]


def _bad_dirs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    (tmp_path / "empty").mkdir()
    (tmp_path / "weights.bin").write_bytes(b"\0" * 16)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    return {
        "missing": (tmp_path / "nope", "does not exist"),
        "file": (tmp_path / "weights.bin", "is a file"),
        "not a model": (tmp_path / "empty", "not a model directory"),
        "broken config": (tmp_path / "broken", "cannot load"),
    }


@pytest.mark.parametrize("case", ["missing", "file", "not a model", "broken config"])
def test_unusable_model_paths_give_a_clear_error(tmp_path: Path, case: str) -> None:
    path, message = _bad_dirs(tmp_path)[case]
    with pytest.raises(ModelLoadError, match=message):
        TransformersGenerator.load(path)


def test_a_model_without_chat_template_is_refused(no_template_dir: Path) -> None:
    with pytest.raises(ModelLoadError, match="no chat template"):
        TransformersGenerator.load(no_template_dir)


async def test_any_local_causal_lm_with_a_chat_template_works(gpt2_dir: Path) -> None:
    generator = TransformersGenerator.load(gpt2_dir, device="cpu")
    bot = ChatBot(generator)
    reply = await bot.reply("x", "hello", decoding=DecodingConfig(temperature=0.0, max_new_tokens=5))
    assert reply.usage.completion_tokens >= 1
    assert generator.max_context_tokens == 256  # the model's own n_positions
    await generator.aclose()


async def test_generate_reports_length_when_cut(generator: TransformersGenerator) -> None:
    result = await generator.generate(PROMPT, DecodingConfig(temperature=0.0, max_new_tokens=2))
    assert result.completion_tokens <= 2
    assert result.finish_reason in {"length", "stop"}
    assert result.prompt_tokens == generator.count_tokens(PROMPT)


async def test_stop_strings_cut_the_reply_even_across_tokens(generator: TransformersGenerator) -> None:
    natural = (await generator.generate(PROMPT, GREEDY)).text
    assert len(natural) > 12, natural
    stop = natural[5:12]  # seven characters, which may span several tokens
    pieces = []
    stream = generator.stream(PROMPT, GREEDY.with_overrides(stop=[stop]))
    async for piece in stream:
        pieces.append(piece)
    assert stream.result is not None
    assert stream.result.text == natural[: natural.index(stop)].rstrip()
    assert "".join(pieces).rstrip() == stream.result.text
    assert stream.result.finish_reason == "stop"


async def test_closing_a_stream_stops_the_model_within_a_token(generator: TransformersGenerator) -> None:
    steps = []
    handle = generator.model.register_forward_hook(lambda *args: steps.append(1))
    try:
        stream = generator.stream(PROMPT, DecodingConfig(temperature=1.0, max_new_tokens=200, seed=3))
        read = 0
        async for _ in stream:
            read += 1
            if read == 2:
                break
        await stream.aclose()
        taken = len(steps)
        # the worker has finished: a new request is served right away and no stray steps happen
        await generator.generate(PROMPT, DecodingConfig(temperature=0.0, max_new_tokens=1))
    finally:
        handle.remove()
    assert stream.result is None
    assert taken <= read + 4, f"{taken} model steps ran for {read} pieces read"
    assert len(steps) - taken <= 2


async def test_a_seed_makes_sampling_reproducible(generator: TransformersGenerator) -> None:
    d = DecodingConfig(temperature=1.0, top_p=0.95, max_new_tokens=20, seed=7)
    a = await generator.generate(PROMPT, d)
    b = await generator.generate(PROMPT, d)
    assert a.text == b.text

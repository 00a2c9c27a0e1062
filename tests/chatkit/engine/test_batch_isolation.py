"""One request in a batch that fails, whatever the cause, fails that request only: its neighbours get their replies."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from model_hooks import core

from chatkit import DecodingConfig, Message, Role, TransformersGenerator
from chatkit.errors import GenerationError

POISON = "zxqvbnmpoison"


def prompt(i: int, word: str = "") -> list[Message]:
    return [Message(Role.SYSTEM, "You are a friendly chat partner."),
            Message(Role.USER, f"hello number {i}, what do you like? {word}".strip())]


async def outcomes(generator: TransformersGenerator, jobs: list[tuple[list[Message], DecodingConfig]]) -> list[Any]:
    return await asyncio.gather(*(generator.generate(p, d) for p, d in jobs), return_exceptions=True)


GOOD = DecodingConfig(temperature=0.0, max_new_tokens=8)


async def test_a_seed_torch_refuses_fails_only_its_own_request(generator: TransformersGenerator) -> None:
    bad = DecodingConfig.model_construct(**{**GOOD.model_dump(), "temperature": 0.8, "seed": 2**70})  # past validation
    alone = [(await generator.generate(prompt(i), GOOD)).text for i in range(6)]
    got = await outcomes(generator, [(prompt(i), GOOD) for i in range(3)] + [(prompt(9), bad)]
                         + [(prompt(i), GOOD) for i in range(3, 6)])
    assert isinstance(got[3], GenerationError)
    assert [g.text for g in got[:3] + got[4:]] == alone


async def test_decoding_that_cannot_be_set_up_fails_only_its_own_request(generator: TransformersGenerator) -> None:
    bad = DecodingConfig.model_construct(**{**GOOD.model_dump(), "temperature": 0.8, "top_k": -3})
    got = await outcomes(generator, [(prompt(i), GOOD) for i in range(4)] + [(prompt(9), bad)])
    assert isinstance(got[4], GenerationError)
    assert all(not isinstance(g, BaseException) and g.text for g in got[:4])


async def test_a_request_that_breaks_the_whole_forward_pass_fails_alone(generator: TransformersGenerator) -> None:
    poison = generator.tokenizer.encode(f" {POISON}", add_special_tokens=False)

    def hook(_: Any, args: Any, kwargs: Any) -> None:
        ids = kwargs.get("input_ids", args[0] if args else None)
        if ids is not None and ids.shape[1] > 1 and any(_holds(row.tolist(), poison) for row in ids):
            raise RuntimeError("a kernel failed on this input")

    alone = [(await generator.generate(prompt(i), GOOD)).text for i in range(5)]
    handle = core(generator).register_forward_pre_hook(hook, with_kwargs=True)
    try:
        got = await outcomes(generator, [(prompt(i), GOOD) for i in range(2)] + [(prompt(9, POISON), GOOD)]
                             + [(prompt(i), GOOD) for i in range(2, 5)])
    finally:
        handle.remove()
    assert isinstance(got[2], GenerationError)
    assert [g.text for g in got[:2] + got[3:]] == alone


def _holds(row: list[int], part: list[int]) -> bool:
    return any(row[i:i + len(part)] == part for i in range(len(row) - len(part) + 1))


@pytest.mark.parametrize("seed", [2**64, 2**70, -(2**63) - 1])
def test_out_of_range_seeds_are_refused_at_every_entry(seed: int) -> None:
    from chatkit.config import validate_settings
    from chatkit.errors import ConfigError

    with pytest.raises(ValueError):
        DecodingConfig(seed=seed)
    with pytest.raises(ConfigError, match="seed"):
        GOOD.with_overrides(seed=seed)
    with pytest.raises(ConfigError, match="seed"):
        validate_settings({"decoding": {"seed": seed}}, "test")
    for edge in (0, 2**64 - 1, -(2**63)):
        assert DecodingConfig(seed=edge).seed == edge


async def test_a_python_api_caller_cannot_store_a_bad_seed(bot: Any) -> None:
    from chatkit.errors import ConfigError

    with pytest.raises(ConfigError, match="seed"):
        await bot.set_decoding("c", seed=2**70)
    assert (await bot.decoding_for("c")).seed is None


def test_a_retry_seed_stays_in_range() -> None:
    from chatkit.engine.decoding import SEED_MAX, SEED_MIN, retry_seed

    assert retry_seed(5, 2) == 7
    assert retry_seed(SEED_MAX, 1) == SEED_MIN
    assert DecodingConfig(seed=retry_seed(SEED_MAX - 1, 3)).seed is not None

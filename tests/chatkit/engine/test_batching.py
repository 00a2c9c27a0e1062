"""Dynamic batching in the local backend: replies of different conversations share forward passes, and every
request's decoding stays its own."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

from model_hooks import core

from chatkit import DecodingConfig, Message, Role, TransformersGenerator

SYSTEM = Message(Role.SYSTEM, "You are a friendly chat partner.")


def prompt(i: int) -> list[Message]:
    return [SYSTEM, Message(Role.USER, f"hello number {i}, what do you like?")]


async def alone_and_together(generator: TransformersGenerator, jobs: list[tuple[list[Message], DecodingConfig, str | None]]
                             ) -> tuple[list[str], list[str]]:
    alone = [(await generator.generate(p, d, a)).text for p, d, a in jobs]
    together = await asyncio.gather(*(generator.generate(p, d, a) for p, d, a in jobs))
    return alone, [g.text for g in together]


async def test_concurrent_replies_share_forward_passes(generator: TransformersGenerator) -> None:
    steps: list[int] = []
    handle = core(generator).register_forward_hook(lambda *args: steps.append(1))
    d = DecodingConfig(temperature=0.0, max_new_tokens=12, min_new_tokens=12)
    try:
        await asyncio.gather(*(generator.generate(prompt(i), d) for i in range(8)))
    finally:
        handle.remove()
    assert 12 <= len(steps) <= 2 * 12  # one at a time would take 8 * 12 = 96 steps


async def test_each_request_keeps_its_own_decoding_in_a_batch(generator: TransformersGenerator) -> None:
    configs = [DecodingConfig(temperature=0.9, seed=s, max_new_tokens=10 + s) for s in range(4)]
    configs += [DecodingConfig(temperature=0.0, max_new_tokens=6), DecodingConfig(temperature=0.0, repetition_penalty=1.3),
                DecodingConfig(temperature=0.7, top_k=5, seed=9, dry_multiplier=1.0, frequency_penalty=0.5),
                DecodingConfig(temperature=0.0, min_new_tokens=20, max_new_tokens=20, no_repeat_ngram_size=2)]
    alone, together = await alone_and_together(generator, [(prompt(i), d, None) for i, d in enumerate(configs)])
    assert together == alone


async def test_each_request_ends_at_its_own_limit_and_stop_string(generator: TransformersGenerator) -> None:
    limits = [1, 3, 9, 27]
    results = await asyncio.gather(*(generator.generate(prompt(0), DecodingConfig(temperature=0.0, max_new_tokens=n,
                                                                                  min_new_tokens=n)) for n in limits))
    assert [r.completion_tokens for r in results] == limits
    full = (await generator.generate(prompt(1), DecodingConfig(temperature=0.0, max_new_tokens=24))).text
    word = full.split()[1]
    stopped, plain = await asyncio.gather(generator.generate(prompt(1), DecodingConfig(temperature=0.0, max_new_tokens=24,
                                                                                       stop=(word,))),
                                          generator.generate(prompt(1), DecodingConfig(temperature=0.0, max_new_tokens=24)))
    assert word not in stopped.text and full.startswith(stopped.text.rstrip()) and plain.text == full


async def test_mixed_adapters_are_served_each_with_its_own(generator: TransformersGenerator) -> None:
    d = DecodingConfig(temperature=0.0, max_new_tokens=16)
    jobs = [(prompt(i), d, "bookshop-tiny" if i % 2 else "base") for i in range(6)]
    alone, together = await alone_and_together(generator, jobs)
    assert together == alone and alone[0] != alone[1]


async def test_a_reader_leaving_stops_its_row_only(generator: TransformersGenerator) -> None:
    long = DecodingConfig(temperature=0.0, max_new_tokens=60, min_new_tokens=60)
    others = [asyncio.create_task(generator.generate(prompt(i), long)) for i in range(3)]
    stream = generator.stream(prompt(9), long)
    async with aclosing(stream):
        async for _ in stream:
            break
    assert stream.result is None
    assert [r.completion_tokens for r in await asyncio.gather(*others)] == [60, 60, 60]

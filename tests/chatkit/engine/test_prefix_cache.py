"""Prefix caching: a conversation's next turn computes only its new tokens, and says exactly what it would say
without the cache."""

from __future__ import annotations

from typing import Any

from model_hooks import core

from chatkit import ChatBot, MemoryStore, Settings, TransformersGenerator

SETTINGS = Settings(decoding={"preset": "balanced", "seed": 5, "max_new_tokens": 24})


def twin(generator: TransformersGenerator, **options: Any) -> TransformersGenerator:
    """Another generator on the same weights."""
    return TransformersGenerator(generator.model, generator.tokenizer, name=generator.name, adapters=generator.adapters,
                                 max_context_tokens=generator.max_context_tokens, **options)


async def conversation(generator: TransformersGenerator, prefills: list[int] | None = None) -> list[str]:
    handle = None
    if prefills is not None:  # how many positions each forward pass computes
        handle = core(generator).register_forward_hook(lambda m, args, kwargs, out: prefills.append(kwargs["input_ids"].shape[1]),
                                                       with_kwargs=True)
    bot = ChatBot(generator, settings=SETTINGS, store=MemoryStore())
    try:
        return [(await bot.reply("c", text)).text for text in
                ["hi, I am Ada", "I like books about the sea", "what should I read next?", "and after that?"]]
    finally:
        if handle is not None:
            handle.remove()


async def test_later_turns_compute_only_their_new_tokens_and_say_the_same(generator: TransformersGenerator) -> None:
    cached, plain = twin(generator, prefix_cache_tokens=4096), twin(generator, prefix_cache_tokens=0)
    cached_steps: list[int] = []
    plain_steps: list[int] = []
    with_cache = await conversation(cached, cached_steps)
    without = await conversation(plain, plain_steps)
    assert with_cache == without
    assert cached.prefix_cache is not None and cached.prefix_cache.hits == 3
    # the prefill is the one forward pass wider than a token: the last turn's is a fraction of the whole prompt's
    assert max(s for s in cached_steps[-25:] if s > 1) * 3 < max(s for s in plain_steps[-25:] if s > 1)
    await cached.aclose()
    await plain.aclose()


async def test_the_cache_stays_within_its_budget(generator: TransformersGenerator) -> None:
    small = twin(generator, prefix_cache_tokens=120)
    bots = [ChatBot(small, settings=SETTINGS, store=MemoryStore()) for _ in range(4)]
    for i, bot in enumerate(bots):
        await bot.reply(f"c{i}", f"hello there, this is conversation number {i} and it has a long first message")
    assert small.prefix_cache is not None and 0 < small.prefix_cache.tokens <= 120
    await small.aclose()

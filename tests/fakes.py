"""Test doubles that implement chatkit's protocols, for tests about everything but the model."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from chatkit.decoding import DecodingConfig
from chatkit.generator import Generation, GenerationStream
from chatkit.types import Message, Role


class CountingGenerator:
    """Replies 'saw N': N is how many user and assistant messages its prompt held.

    A reply thus shows exactly which history it was generated from, which is what ordering
    tests need; ``delay`` widens the window in which turns could overlap.
    """

    def __init__(self, delay: float = 0.0, max_context_tokens: int = 100_000) -> None:
        self.delay = delay
        self.max_context_tokens = max_context_tokens

    def count_tokens(self, messages: Sequence[Message]) -> int:
        return 1 + sum(len(m.content.split()) + 2 for m in messages)

    def stream(self, messages: Sequence[Message], decoding: DecodingConfig, adapter: str | None = None) -> GenerationStream:
        async def pieces(stream: GenerationStream) -> AsyncIterator[str]:
            await asyncio.sleep(self.delay)
            text = f"saw {sum(m.role != Role.SYSTEM for m in messages)}"
            yield text
            stream.result = Generation(text, self.count_tokens(messages), 2, "stop", 0.0, self.delay)

        return GenerationStream(pieces)

    async def generate(self, messages: Sequence[Message], decoding: DecodingConfig, adapter: str | None = None) -> Generation:
        stream = self.stream(messages, decoding, adapter)
        async for _ in stream:
            pass
        assert stream.result is not None
        return stream.result

    async def aclose(self) -> None:
        pass

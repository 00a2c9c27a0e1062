"""Test doubles that implement chatkit's protocols, for tests about everything but the model."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from chatkit.engine.base import Generation, GenerationStream
from chatkit.engine.decoding import DecodingConfig
from chatkit.policies.base import Action, PolicyContext, Verdict
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
        return await self.stream(messages, decoding, adapter).collect()

    async def aclose(self) -> None:
        pass


class Shouting:
    """A custom policy, as a user would write one: acts on messages written in capitals."""

    def __init__(self, name: str = "shouting", threshold: float = 0.8, action: Action = Action.FLAG) -> None:
        self.name, self.threshold, self.action = name, threshold, action

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        letters = [c for c in text if c.isalpha()]
        share = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
        return Verdict(self.name, self.action if share >= self.threshold else Action.ALLOW, share)


class Recorder:
    """A policy that notes the texts it was shown; blocks texts containing 'forbidden'."""

    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        self.seen.append(text)
        return Verdict(self.name, Action.BLOCK if "forbidden" in text else Action.ALLOW, 0.0)


class ScriptedGenerator(CountingGenerator):
    """Streams the given replies, one per call, a word at a time (or ``chunk`` characters at a time, cutting words as a
    tokenizer does); records each prompt and decoding."""

    def __init__(self, *replies: str, finish_reason: str = "stop", chunk: int = 0) -> None:
        super().__init__()
        self.chunk = chunk
        self.replies = list(replies)
        self.finish_reason = finish_reason  # "length": as if every reply hit max_new_tokens
        self.calls: list[tuple[list[Message], DecodingConfig]] = []

    def stream(self, messages: Sequence[Message], decoding: DecodingConfig, adapter: str | None = None) -> GenerationStream:
        self.calls.append((list(messages), decoding))
        text = self.replies.pop(0)

        async def pieces(stream: GenerationStream) -> AsyncIterator[str]:
            words = text.split(" ")
            parts = ([text[i:i + self.chunk] for i in range(0, len(text), self.chunk)] if self.chunk else
                     [word if i == len(words) - 1 else word + " " for i, word in enumerate(words)])
            for part in parts:
                await asyncio.sleep(0)
                yield part
            stream.result = Generation(text, self.count_tokens(messages), len(words), self.finish_reason, 0.001, 0.01)

        return GenerationStream(pieces)


class SlowGenerator(CountingGenerator):
    """Streams 'Word. ' every ``interval`` seconds, up to ``words``; counts what it produced and whether it was closed,
    so a test can see a stream stop when its reader goes away."""

    def __init__(self, words: int = 200, interval: float = 0.05) -> None:
        super().__init__()
        self.words, self.interval = words, interval
        self.produced = 0
        self.closed = 0

    def stream(self, messages: Sequence[Message], decoding: DecodingConfig, adapter: str | None = None) -> GenerationStream:
        async def pieces(stream: GenerationStream) -> AsyncIterator[str]:
            try:
                for _ in range(self.words):
                    await asyncio.sleep(self.interval)
                    self.produced += 1
                    yield "Word. "  # a sentence each: output policies release it at once
            finally:
                self.closed += 1
            stream.result = Generation(("Word. " * self.words).strip(), self.count_tokens(messages), self.words, "stop", 0.0, 0.0)

        return GenerationStream(pieces)


class FailingGenerator(CountingGenerator):
    """A backend that crashes: raises GenerationError after ``after`` pieces, as a broken model or server would."""

    def __init__(self, after: int = 0) -> None:
        super().__init__()
        self.after = after

    def stream(self, messages: Sequence[Message], decoding: DecodingConfig, adapter: str | None = None) -> GenerationStream:
        from chatkit.errors import GenerationError

        async def pieces(stream: GenerationStream) -> AsyncIterator[str]:
            for _ in range(self.after):
                yield "Fine. "
            raise GenerationError("the model failed while generating: RuntimeError: out of memory")

        return GenerationStream(pieces)

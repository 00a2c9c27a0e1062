"""The Generator protocol: what ChatBot needs from a model backend, and the stream a backend returns.

Backends: ``chatkit.engine.transformers.generator.TransformersGenerator`` (a local Hugging Face model) and
``chatkit.engine.remote.OpenAIBackend`` (any OpenAI-compatible model server).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from chatkit.engine.decoding import DecodingConfig
from chatkit.streams import ResultStream
from chatkit.types import Message


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # stop | length | cancelled
    first_token_s: float | None
    generate_s: float


@runtime_checkable
class Generator(Protocol):
    """What ChatBot needs from a model backend."""

    max_context_tokens: int

    def count_tokens(self, messages: Sequence[Message]) -> int:
        """Prompt tokens for these messages, rendered with the model's chat template."""
        ...

    def stream(self, messages: Sequence[Message], decoding: DecodingConfig, adapter: str | None = None) -> GenerationStream:
        ...

    async def generate(self, messages: Sequence[Message], decoding: DecodingConfig, adapter: str | None = None) -> Generation:
        ...

    async def aclose(self) -> None:
        ...


@runtime_checkable
class ServesLoraAdapters(Protocol):
    """An optional capability of a Generator: named LoRA adapters a request can choose (``adapter=`` in ``stream``
    and ``generate``). A generator without it serves the base model only; ChatBot asks with ``isinstance``."""

    adapters: tuple[str, ...]  # the names a request may choose; "base" (chatkit.models.lora.BASE) means none
    unavailable_adapters: Mapping[str, str]  # adapters it knows of but cannot serve, with the reason why

    def check_adapter(self, adapter: str | None) -> str | None:
        """The adapter to use (None: the base model) for a requested name; LoraAdapterError if it cannot be served."""
        ...


class GenerationStream(ResultStream[Generation]):
    """Reply text as it is generated; ``result`` holds the whole Generation once iteration ends (the backend's
    ``pieces`` sets it on the stream it is given).

    Closing it (``aclose``, or leaving an ``async with aclosing(...)`` block) stops the model
    within one token step.
    """

    result_type = Generation

    def __init__(self, pieces: Callable[[GenerationStream], AsyncIterator[str]]) -> None:
        super().__init__(pieces(self))

    async def collect(self) -> Generation:
        """Run to the end and return the whole Generation."""
        async for _ in self:
            pass
        assert self.result is not None
        return self.result

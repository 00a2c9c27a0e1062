"""The stream every layer hands on: text pieces as they come, and a result once iteration ends.

``GenerationStream`` (engine/base.py: the Generation of a model's reply) and ``ReplyStream`` (turn/chatbot.py: the
Reply of a turn) are both one of these.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Generic, TypeVar

R = TypeVar("R")


class ResultStream(AsyncIterator[str], Generic[R]):
    """Text pieces from ``source``, with ``result`` (None until iteration ends) of type ``result_type``.

    The result arrives one of two ways: the source sets ``stream.result`` itself before it ends, or it yields the
    result as its last item (an instance of ``result_type``), which the stream keeps instead of handing on, closing
    the source. Closing the stream (``aclose``) closes the source.
    """

    result_type: type[R]
    result: R | None = None  # set by the source, or kept from its last item

    def __init__(self, source: AsyncIterator[str | R]) -> None:
        self._source = source

    async def __anext__(self) -> str:
        item = await self._source.__anext__()
        if isinstance(item, self.result_type):
            self.result = item
            await self._source.aclose()  # type: ignore[attr-defined]
            raise StopAsyncIteration
        return item  # type: ignore[return-value]

    async def aclose(self) -> None:
        await self._source.aclose()  # type: ignore[attr-defined]

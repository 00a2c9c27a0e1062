"""What the HTTP routes share: the bot, the metrics, the model ids, and running one turn with both counted."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from chatkit.adapters.http.errors import APIError
from chatkit.adapters.http.metrics import Metrics
from chatkit.adapters.http.shutdown import Shutdown
from chatkit.models.lora import BASE
from chatkit.policies.base import Verdict
from chatkit.turn.chatbot import ChatBot, ReplyStream
from chatkit.types import Reply


@dataclass
class Service:
    bot: ChatBot
    metrics: Metrics
    shutdown: Shutdown | None = None  # ends streams still running just before the server would cut them

    @property
    def model_id(self) -> str:
        """The base model's id: its catalogue name, or the last part of its path."""
        name = str(getattr(self.bot.generator, "name", "") or "chatkit")
        return Path(name).name or name

    def models(self) -> dict[str, str]:
        """Model ids a request may name, each with the adapter it runs ("base": none)."""
        return {self.model_id: BASE, **{a: a for a in self.bot.adapters() if a != BASE}}

    def adapter_for(self, model: str) -> str:
        models = self.models()
        if model in models:
            return models[model]
        raise APIError(404, f"the model {model!r} does not exist; GET /v1/models lists them ({', '.join(models)})",
                       code="model_not_found", param="model")

    async def pieces(self, stream: ReplyStream) -> AsyncIterator[str]:
        """The stream's text, counted in the metrics; closing this stops the generation within a step."""
        t0 = time.perf_counter()
        first: float | None = None
        with self.metrics.turn():
            async with aclosing(stream):
                async for piece in stream:
                    if first is None:
                        first = time.perf_counter() - t0
                    yield piece
        assert stream.reply is not None
        self.metrics.reply(stream.reply, first)

    def until_shutdown(self, pieces: AsyncIterator[str]) -> AsyncIterator[str]:
        """``pieces`` of a stream, ended with ShutdownCut when the server's shutdown grace is nearly over."""
        return self.shutdown.cut(pieces) if self.shutdown is not None else pieces

    async def run(self, stream: ReplyStream) -> Reply:
        async with aclosing(self.pieces(stream)) as pieces:
            async for _ in pieces:
                pass
        assert stream.reply is not None
        return stream.reply


def service(request: Request) -> Service:
    """The routes' dependency: the app's Service."""
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(service)]


def caller(request: Request) -> str:
    """Who is calling: a key's fingerprint, "anonymous" without keys (set by the Guard middleware)."""
    return str(request.scope.get("state", {}).get("caller") or "anonymous")


def public_verdict(v: Verdict) -> dict[str, object]:
    """A verdict as a client may see it: never the text a policy held back (``checked_text``)."""
    d = v.as_dict()
    d.pop("checked_text", None)
    return d

"""A small OpenAI-compatible chat server on 127.0.0.1 for the faults a real engine will not produce on demand:
429 storms, 5xx, a stream cut in the middle, a slow first byte, context-length errors, strict field checking."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web

# what the next requests get, in order; an empty queue answers with ``reply``
OK, STATUS_429, STATUS_500, CUT, SLOW, TOO_LONG, STRICT = "ok", "429", "500", "cut", "slow", "too-long", "strict"


class FakeOpenAI:
    def __init__(self, *replies: str) -> None:
        self.replies = list(replies) or ["Hello there. How are you?"]
        self.faults: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.slow_s = 3.0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/v1"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        fault = self.faults.pop(0) if self.faults else OK
        if fault == STATUS_429:
            return web.json_response({"error": {"message": "rate limited", "type": "rate_limit"}}, status=429,
                                     headers={"Retry-After": "0"})
        if fault == STATUS_500:
            return web.json_response({"error": {"message": "engine crashed"}}, status=500)
        if fault == TOO_LONG:
            return web.json_response({"error": {"message": "This model's maximum context length is 64 tokens.",
                                                "type": "invalid_request_error"}}, status=400)
        if fault == STRICT and "repetition_penalty" in body:
            return web.json_response({"detail": "extra fields not permitted"}, status=422)
        if fault == SLOW:
            await asyncio.sleep(self.slow_s)
        text = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        words = text.split(" ")
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for i, word in enumerate(words):
            piece = word if i == 0 else " " + word
            await response.write(_chunk({"content": piece}))
            if fault == CUT and i == 1:
                assert request.transport is not None
                request.transport.abort()  # the engine dies mid-stream
                return response
        await response.write(_chunk({}, "stop"))
        usage = {"prompt_tokens": 11, "completion_tokens": len(words), "total_tokens": 11 + len(words)}
        final = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [], "usage": usage}
        await response.write(f"data: {json.dumps(final)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        return response


def _chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {"id": "x", "object": "chat.completion.chunk", "created": int(time.time()), "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n".encode()

"""A guard engine on 127.0.0.1 that answers what a test scripts, or fails on demand: a slow answer (past the
policy's timeout), 5xx, a body that is not JSON, a JSON body with no message. It serves ``/v1/chat/completions`` (a
guard model's answer text) and ``/v1/moderations`` (a moderation result)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiohttp import web

OK, SLOW, STATUS_500, STATUS_400, NOT_JSON, NO_MESSAGE = "ok", "slow", "500", "400", "not-json", "no-message"


class FakeGuard:
    def __init__(self, answer: str = "safe") -> None:
        self.answer = answer  # the chat answer; ``moderation`` the /v1/moderations result
        self.moderation: dict[str, Any] = {"flagged": False, "categories": {}, "category_scores": {}}
        self.faults: list[str] = []  # what the next requests get, in order; then OK
        self.requests: list[tuple[str, dict[str, Any], dict[str, str]]] = []  # (route, body, headers)
        self.slow_s = 3.0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/moderations", self._moderations)
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

    async def _fault(self, request: web.Request, route: str) -> web.Response | None:
        self.requests.append((route, await request.json(), dict(request.headers)))
        fault = self.faults.pop(0) if self.faults else OK
        if fault == SLOW:
            await asyncio.sleep(self.slow_s)
        if fault == STATUS_500:
            return web.json_response({"error": {"message": "engine crashed"}}, status=500)
        if fault == STATUS_400:
            return web.json_response({"error": {"message": "bad request"}}, status=400)
        if fault == NOT_JSON:
            return web.Response(text="<html>502 from a proxy</html>", content_type="text/html")
        if fault == NO_MESSAGE:
            return web.json_response({"choices": [], "results": []})
        return None

    async def _chat(self, request: web.Request) -> web.Response:
        failed = await self._fault(request, "chat")
        return failed or web.json_response({"id": "x", "object": "chat.completion", "created": 0, "model": "guard",
                                            "choices": [{"index": 0, "finish_reason": "stop",
                                                         "message": {"role": "assistant", "content": self.answer}}]})

    async def _moderations(self, request: web.Request) -> web.Response:
        failed = await self._fault(request, "moderations")
        return failed or web.json_response({"id": "modr-x", "model": "m", "results": [self.moderation]})


@contextmanager
def safe_guard() -> Iterator[str]:
    """A guard engine in a thread (for synchronous fixtures) whose every chat answer is 'safe'; yields its API root."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "guard", "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "safe"}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()

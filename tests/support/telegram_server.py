"""A Telegram Bot API server on 127.0.0.1 for tests: real HTTP, real aiogram on the other side.

It keeps a queue of updates for getUpdates (long polling), records every call, answers
sendMessage / editMessageText / sendChatAction / sendMessageDraft / setMyCommands /
deleteWebhook / setWebhook / getMe like Telegram does, and can answer 429 on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from typing import Any

from aiohttp import web

BOT = {"id": 4242, "is_bot": True, "first_name": "chatkit", "username": "chatkit_bot"}


DROP = -1  # in FakeBotAPI.fail: carry the call out, then cut the connection before answering


class FakeBotAPI:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail: dict[str, list[int]] = defaultdict(list)  # method -> error codes (or DROP) to answer next
        self.messages: dict[tuple[int, int], str] = {}  # (chat, message id) -> text
        self._updates: list[dict[str, Any]] = []
        self._pushed: dict[int, dict[str, Any]] = {}
        self._new_update = asyncio.Event()
        self._update_id = 0
        self._message_id = 1000
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what a test does -----------------------------------------------------------------------
    def push(self, **update: Any) -> int:
        self._update_id += 1
        self._updates.append({"update_id": self._update_id, **update})
        self._pushed[self._update_id] = self._updates[-1]
        self._new_update.set()
        return self._update_id

    def redeliver(self, update_id: int) -> None:
        """Send an update again, as Telegram does when it never saw it confirmed."""
        self._updates.append(self._pushed[update_id])
        self._new_update.set()

    def message(self, text: str | None = None, *, user: int = 1, chat: int | None = None, chat_type: str = "private",
                reply_to_bot: bool = False, mention: bool = False, kind: str = "message", **extra: Any) -> int:
        self._message_id += 1
        msg: dict[str, Any] = {"message_id": self._message_id, "date": int(time.time()),
                               "chat": {"id": chat if chat is not None else user, "type": chat_type},
                               "from": {"id": user, "is_bot": False, "first_name": f"user{user}"}, **extra}
        if text is not None:
            msg["text"] = f"@{BOT['username']} {text}" if mention else text
            if mention:
                msg["entities"] = [{"type": "mention", "offset": 0, "length": len(BOT["username"]) + 1}]
            if text.startswith("/"):
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to_bot:
            msg["reply_to_message"] = {"message_id": 1, "date": int(time.time()), "chat": msg["chat"], "from": BOT, "text": "hi"}
        return self.push(**{kind: msg})

    def sent(self, method: str = "sendMessage", chat: int | None = None) -> list[dict[str, Any]]:
        return [p for m, p in self.calls if m == method and (chat is None or int(p.get("chat_id", 0)) == chat)]

    async def wait_for(self, method: str, count: int = 1, *, chat: int | None = None, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.sent(method, chat)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} was called {len(self.sent(method, chat))} times, not {count}; calls: "
                                     f"{[m for m, _ in self.calls]}")
            await asyncio.sleep(0.02)
        return self.sent(method, chat)

    # -- the Bot API ----------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(await request.post()) if request.body_exists else {}
        if request.content_type == "application/json":
            params = await request.json()
        params = {k: _decode(v) for k, v in params.items()}
        if method != "getUpdates":
            self.calls.append((method, params))
        if self.fail[method]:
            code = self.fail[method].pop(0)
            if code == DROP:  # the call is carried out, but the connection breaks before the answer
                handler = getattr(self, f"_{method}", None)
                if handler:
                    await handler(params)
                assert request.transport is not None
                request.transport.abort()
                return web.Response()
            if code == 429:
                return _error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            return _error(code, "Internal Server Error")
        handler = getattr(self, f"_{method}", None)
        result = await handler(params) if handler else True
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT

    async def _getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset, timeout = int(params.get("offset", 0) or 0), float(params.get("timeout", 0) or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout:
            self._new_update.clear()
            with_timeout = asyncio.wait_for(self._new_update.wait(), timeout=min(timeout, 1.0))
            with contextlib.suppress(TimeoutError):
                await with_timeout
        return list(self._updates)

    async def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._message_id += 1
        chat = int(params["chat_id"])
        self.messages[(chat, self._message_id)] = params["text"]
        return {"message_id": self._message_id, "date": int(time.time()), "chat": {"id": chat, "type": "private"},
                "from": BOT, "text": params["text"]}

    async def _editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if self.messages.get(key) == params["text"]:
            return _error(400, "Bad Request: message is not modified: specified new message content and reply markup "
                               "are exactly the same as a current content and reply markup of the message")
        self.messages[key] = params["text"]
        return {"message_id": key[1], "date": int(time.time()), "chat": {"id": key[0], "type": "group"}, "from": BOT,
                "text": params["text"]}

    async def _getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _error(code: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)

"""What stands in front of every route: API keys, per-key rate limits, the body size limit, the access log, metrics.

One pure ASGI middleware, so it also sees streamed responses to their end and bodies before they are read.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from starlette.exceptions import HTTPException

from chatkit.adapters.http.errors import error_response
from chatkit.adapters.http.metrics import Metrics
from chatkit.hashing import sha256_hex
from chatkit.ratelimit import RateLimiter

access_log = logging.getLogger("chatkit.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PROTECTED = ("/v1/", "/metrics")  # the page, /healthz and the API docs stay open: they hold nothing private
DRAIN_LIMIT = 64_000_000  # a body over the limit but under this is read and dropped before the 413; larger ones are cut


def fingerprint(key: str) -> str:
    """A key's name in logs, metrics and conversation ids: never the key itself."""
    return sha256_hex(key, 12)


class Guard:
    """Keys, limits and logging around an ASGI app. Sets ``scope["state"]["caller"]`` (the key's fingerprint, or
    "anonymous" when the server has no keys) for the routes."""

    def __init__(self, app: ASGIApp, *, keys: tuple[str, ...], limiter: RateLimiter, max_body_bytes: int,
                 metrics: Metrics, routes: Sequence[Any] = ()) -> None:
        self.app, self.keys, self.limiter, self.max_body_bytes, self.metrics = app, keys, limiter, max_body_bytes, metrics
        self.routes = routes  # the app's routes: a request answered before routing is counted under its route's template

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500
        started = False

        async def sending(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
            await send(message)

        caller = ""
        try:
            caller, rejection = self._admit(scope)
            if rejection is not None:
                await rejection(scope, receive, sending)
                return
            scope.setdefault("state", {})["caller"] = caller
            await self.app(scope, self._limited(receive), sending)
        finally:
            # a template, never the raw path: ids stay out of labels and the log, and the label set stays bounded
            path = getattr(scope.get("route"), "path", None) or _template(self.routes, scope)
            seconds = time.perf_counter() - t0
            self.metrics.request(scope["method"], path, status, seconds)
            access_log.info(json.dumps({"method": scope["method"], "route": path, "status": status,
                                        "ms": round(seconds * 1000, 1), "caller": caller or None,
                                        "client": (scope.get("client") or ("?",))[0]}))

    def _admit(self, scope: Scope) -> tuple[str, Any]:
        """Who is calling, and the error answer if they may not."""
        if not _local_path(scope).startswith(PROTECTED):
            return "", None
        caller = "anonymous"
        if self.keys:
            key = _bearer(scope)
            valid = key is not None and any(hmac.compare_digest(key.encode(), k.encode()) for k in self.keys)
            if not valid:  # failed authentication spends the client address's own bucket: guessing keys is throttled
                wait = self.limiter.take(f"auth-failed:{(scope.get('client') or ('?',))[0]}")
                if wait is not None:
                    return "", error_response(429, f"too many requests without a valid key; try again in {math.ceil(wait)} s",
                                              code="rate_limit_exceeded", retry_after=wait)
            if key is None:
                return "", error_response(401, "this server needs an API key: send 'Authorization: Bearer KEY'",
                                          code="missing_api_key")
            if not valid:
                return "", error_response(401, "the API key is not valid", code="invalid_api_key")
            caller = fingerprint(key)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            # read (and drop) what the client is sending, so that it sees the 413 rather than a reset connection
            return caller, _drained(self._too_large()) if int(declared) <= DRAIN_LIMIT else self._too_large()
        # without keys, each client address gets its own bucket
        wait = self.limiter.take(caller if self.keys else f"addr:{(scope.get('client') or ('?',))[0]}")
        if wait is not None:
            return caller, error_response(429, f"rate limit reached; try again in {math.ceil(wait)} s", code="rate_limit_exceeded",
                                          retry_after=wait)
        return caller, None

    def _too_large(self) -> Any:
        return error_response(413, f"the request body is over {self.max_body_bytes:,} bytes (serve.max_body_bytes)",
                              code="request_too_large")

    def _limited(self, receive: Receive) -> Receive:
        """``receive`` that stops a body larger than declared (chunked uploads declare nothing)."""
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise HTTPException(413, f"the request body is over {self.max_body_bytes:,} bytes (serve.max_body_bytes)")
            return message

        return limited


def _template(routes: Sequence[Any], scope: Scope) -> str:
    """The template of the route ``scope`` would reach ("/v1/conversations/{conversation_id}"), or "(unmatched)"."""
    from starlette.routing import Match

    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI's wrapper of an included router (whose routes hold
        if inner is not None:                            # their full paths: this app includes without a prefix)
            found = _template(inner.routes, scope)
            if found != "(unmatched)":
                return found
            continue
        try:
            match, _ = route.matches(scope)
        except Exception:  # a route that cannot judge this scope does not name it
            continue
        if match != Match.NONE and isinstance(getattr(route, "path", None), str):
            return str(route.path)
    return "(unmatched)"


def _drained(response: ASGIApp) -> ASGIApp:
    async def drain_then_answer(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        await response(scope, receive, send)

    return drain_then_answer


def _local_path(scope: Scope) -> str:
    """The path within this app: a host app that mounts it at /chat passes /chat/v1/... with root_path /chat."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k.lower() == name:
            return v.decode("latin-1")
    return None


def _bearer(scope: Scope) -> str | None:
    value = _header(scope, b"authorization")
    if value is None or not value.lower().startswith("bearer "):
        return None
    return value[7:].strip() or None

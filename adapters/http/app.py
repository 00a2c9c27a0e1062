"""``chatkit serve``: the HTTP API (OpenAI-compatible and conversations), the web chat page, health and metrics.

``create_app(bot)`` builds the ASGI app, so a host application can mount it::

    from chatkit import ChatBot
    from chatkit.adapters.http import create_app

    app = create_app(ChatBot.from_config())
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response

from chatkit import __version__
from chatkit.adapters.http import conversations as http_conversations
from chatkit.adapters.http import errors as http_errors
from chatkit.adapters.http import moderations as http_moderations
from chatkit.adapters.http import openai as http_openai
from chatkit.adapters.http.guard import Guard
from chatkit.adapters.http.metrics import CONTENT_TYPE, Metrics
from chatkit.adapters.http.service import Service, ServiceDep
from chatkit.adapters.http.shutdown import Shutdown
from chatkit.config import ServeSettings, Settings, load_settings, validate_settings
from chatkit.errors import one_line
from chatkit.ratelimit import RateLimiter
from chatkit.redact import install_log_masking, mask_url
from chatkit.turn.chatbot import ChatBot

log = logging.getLogger(__name__)

SETTINGS_ENV = "CHATKIT_SERVE_SETTINGS"  # how `chatkit serve`'s settings, command-line overrides included, reach workers


def create_app(bot: ChatBot, settings: ServeSettings | None = None, *, owns_bot: bool = False) -> FastAPI:
    """The server's app for ``bot``; ``settings`` default to the bot's ``[serve]``. With ``owns_bot``, shutting the
    app down closes the bot."""
    settings = settings or bot.settings.serve
    install_log_masking("chatkit", "uvicorn.error")  # a store URL's password never reaches a log

    shutdown = Shutdown(settings.shutdown_timeout_s)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        shutdown.install()
        yield
        if owns_bot:
            await bot.aclose()

    app = FastAPI(title="chatkit", version=_version(), lifespan=lifespan,
                  description="Moderated chat: an OpenAI-compatible API, stateful conversations, and a web chat page.")
    metrics = Metrics()
    app.state.service = Service(bot, metrics, shutdown)
    http_errors.install(app)
    app.include_router(http_openai.router)
    app.include_router(http_conversations.router)
    app.include_router(http_moderations.router)
    page = resources.files("chatkit.adapters").joinpath("web/index.html").read_text(encoding="utf-8")

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get("/healthz", tags=["Operations"])
    async def healthz(svc: ServiceDep) -> JSONResponse:
        """200 when the model is loaded and the store answers; 503 otherwise."""
        try:
            await svc.bot.conversation("healthz", limit=0)
            store = "ok"
        except Exception as e:  # any failure of the store is what this endpoint reports
            store = f"unreachable: {mask_url(one_line(e))}"
        ok = store == "ok"
        return JSONResponse({"status": "ok" if ok else "unavailable", "model": svc.model_id, "model_loaded": True,
                             "store": store}, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["Operations"], response_class=Response)
    async def prometheus(svc: ServiceDep) -> Response:
        """Prometheus text format: requests, latency, tokens, verdicts by policy and action, turns in progress."""
        return Response(svc.metrics.render(), media_type=CONTENT_TYPE)

    keys = settings.keys()
    app.add_middleware(Guard, keys=keys, limiter=RateLimiter(settings.rate_limit, settings.rate_window_s),
                       max_body_bytes=settings.max_body_bytes, metrics=metrics, routes=app.router.routes)
    if settings.cors_origins:  # outside the guard: a browser's preflight carries no key
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["*"],
                           allow_headers=["Authorization", "Content-Type"])
    return app


def app_from_environment() -> FastAPI:
    """The app a worker process builds (``uvicorn --factory``): the settings ``serve`` passed in $CHATKIT_SERVE_SETTINGS,
    else the config file ($CHATKIT_CONFIG or ./chatkit.toml)."""
    passed = os.environ.get(SETTINGS_ENV)
    settings = validate_settings(json.loads(passed), "chatkit serve") if passed else load_settings()
    return create_app(ChatBot.from_config(settings=settings), owns_bot=True)


def serve(settings: Settings, *, announce: Callable[[str], None] | None = None) -> None:
    """Run ``[serve]`` until SIGINT/SIGTERM; streams in progress get ``serve.shutdown_timeout_s`` to finish."""
    import uvicorn

    s = settings.serve
    options: dict[str, Any] = {"host": s.host, "port": s.port, "access_log": False, "log_level": "info",
                               "timeout_graceful_shutdown": s.shutdown_timeout_s,
                               # X-Forwarded-For from the configured proxies only (uvicorn believes loopback's by default)
                               "proxy_headers": bool(s.trusted_proxies), "forwarded_allow_ips": list(s.trusted_proxies)}
    logging.getLogger("chatkit.access").setLevel(logging.INFO)
    if s.workers > 1:
        if settings.store.backend == "memory":
            log.warning("%d workers with the memory store: each worker has its own conversations", s.workers)
        os.environ[SETTINGS_ENV] = worker_settings(settings).model_dump_json()
        uvicorn.run("chatkit.adapters.http:app_from_environment", factory=True, workers=s.workers, **options)
        return
    bot = ChatBot.from_config(settings=settings, announce=announce)
    uvicorn.run(create_app(bot, owns_bot=True), **options)


def worker_settings(settings: Settings) -> Settings:
    """The settings one of ``serve.workers`` processes runs with. Each worker keeps its own rate-limit buckets, so each
    gets its share of ``serve.rate_limit`` (rounded up): N workers together allow the limit once, not N times."""
    s = settings.serve
    if s.workers <= 1 or not s.rate_limit:
        return settings
    share = -(-s.rate_limit // s.workers)
    return settings.model_copy(update={"serve": s.model_copy(update={"rate_limit": share})})


def _version() -> str:
    return __version__


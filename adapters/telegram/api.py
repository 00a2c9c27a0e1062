"""Talking to the Bot API: a session that retries until Telegram answers, secrets kept out of logs, and the
confirmation of handled updates on shutdown."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType

from chatkit.config import TelegramSettings
from chatkit.errors import ConfigError, one_line

log = logging.getLogger(__name__)

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"


class UnconfirmedSend(TelegramNetworkError):
    """A message was sent, but the connection broke before Telegram answered: it may or may not have arrived, and
    with ``unconfirmed_sends = "drop"`` it is not sent again. Callers count it as delivered."""


class RetryMiddleware(BaseRequestMiddleware):
    """Waits out 429 answers (``retry_after``) and retries network errors and 5xx answers with capped backoff until
    the call goes through, so no reply is lost to a flaky or restarting API. One log line when the API becomes
    unreachable and one when it is back, however long it stays away.

    A message whose request went out but whose answer never came may have arrived: with ``resend_unconfirmed``
    (the default) it is sent again and may arrive twice; without, it raises UnconfirmedSend and is not sent again."""

    def __init__(self, base_delay_s: float = 0.5, max_delay_s: float = 30.0, *, resend_unconfirmed: bool = True) -> None:
        self.base_delay_s, self.max_delay_s = base_delay_s, max_delay_s
        self.resend_unconfirmed = resend_unconfirmed
        self._down_since: float | None = None

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        failures = 0
        while True:
            try:
                response = await make_request(bot, method)
            except TelegramRetryAfter as e:
                log.info("Telegram asked to wait %s s before %s", e.retry_after, type(method).__name__)
                await asyncio.sleep(e.retry_after)
                continue
            except (TelegramNetworkError, TelegramServerError) as e:
                if not self.resend_unconfirmed and isinstance(method, SendMessage) and _maybe_sent(e):
                    log.warning("a reply to chat %s may not have reached Telegram (%s); not sent again (unconfirmed_sends = "
                                "\"drop\")", method.chat_id, one_line(e, 200))
                    raise UnconfirmedSend(method=method, message=str(e)) from e
                if self._down_since is None:
                    self._down_since = time.monotonic()
                    log.warning("Telegram API unreachable (%s: %s); retrying with backoff up to %g s",
                                type(e).__name__, one_line(e, 200), self.max_delay_s)
                await asyncio.sleep(min(self.max_delay_s, self.base_delay_s * 2**failures))
                failures += 1
                continue
            if self._down_since is not None:
                log.warning("Telegram API reachable again after %.0f s", time.monotonic() - self._down_since)
                self._down_since = None
            return response


def _maybe_sent(e: Exception) -> bool:
    """Whether the request may have reached Telegram: anything but a connection that was never made."""
    from aiohttp import ClientConnectorError

    return isinstance(e, TelegramNetworkError) and not isinstance(e.__cause__, ClientConnectorError)


class UpdateLedger:
    """Which fetched updates were handled to the end, so a shutdown confirms exactly those to Telegram.

    Telegram confirms updates only through the offset of the next getUpdates; a polling loop stopped by SIGTERM
    never sends it, and after a restart every update of the last batch came again: answered twice. An outer
    middleware of the dispatcher, it notes each update as it starts and ends.
    """

    def __init__(self) -> None:
        self.started: set[int] = set()
        self.finished: set[int] = set()

    async def __call__(self, handler: Any, event: Any, data: dict[str, Any]) -> Any:
        self.started.add(event.update_id)
        try:
            return await handler(event, data)
        finally:
            self.finished.add(event.update_id)

    def offset(self) -> int | None:
        """The getUpdates offset that confirms every finished update and no unfinished or unstarted one.

        Updates start in the order of their ids, so those never started all come after the last one that did."""
        unfinished = self.started - self.finished
        if unfinished:
            return min(unfinished)
        return max(self.finished) + 1 if self.finished else None


class _HideToken(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            record.msg, record.args = self._mask(message), ()
        # aiohttp's errors carry the whole URL, token included, in the exception text of a traceback
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self._mask(record.stack_info)
        return True

    def _mask(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, "***")
        return text


def make_bot(settings: TelegramSettings, api_base: str | None = None) -> Bot:
    """An aiogram Bot with chatkit's retries, pointed at ``api_base`` (or the settings', or Telegram's)."""
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    token = os.environ.get(TOKEN_ENV) or settings.token
    if not token:
        raise ConfigError(f"no Telegram bot token: set the {TOKEN_ENV} environment variable (from @BotFather)")
    base = api_base or settings.api_base
    session = AiohttpSession(api=TelegramAPIServer.from_base(base)) if base else AiohttpSession()
    session.middleware(RetryMiddleware(resend_unconfirmed=settings.unconfirmed_sends == "resend"))
    hide = _HideToken([token, os.environ.get(SECRET_ENV, ""), settings.webhook_secret])
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _HideToken) and f.secrets == hide.secrets for f in handler.filters):
            handler.addFilter(hide)  # once per secret set, however many bots are made
    try:
        return Bot(token, session=session)
    except Exception as e:  # aiogram checks the token's shape
        raise ConfigError(f"the Telegram token is malformed ({type(e).__name__}); it looks like 123456:ABC-DEF...") from None


async def confirm_handled(bot: Bot, ledger: UpdateLedger) -> None:
    """Tell Telegram which updates were handled before stopping, so a restart gets only the rest."""
    offset = ledger.offset()
    if offset is None:
        return
    try:
        await asyncio.wait_for(bot.get_updates(offset=offset, limit=1, timeout=0), 10)
        log.info("confirmed the updates before %d; later ones come again after a restart", offset)
    except (TimeoutError, TelegramBadRequest) as e:
        log.warning("could not confirm the handled updates (%s); a restart may answer some of them again", e)

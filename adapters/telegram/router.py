"""The Telegram adapter, on aiogram 3.

Two ways to use it: ``build_router(chatbot)`` returns an aiogram Router that a host bot includes
in its own Dispatcher; ``run(chatbot, settings)`` (``chatkit telegram``) runs a standalone bot
with long polling, or a webhook when one is configured.

Private chats are keyed per user; in groups the bot answers only when mentioned or replied to,
and the conversation is keyed per chat. Replies pass the ChatBot's policies like every adapter's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import BotCommand, Message, Update

from chatkit.adapters.telegram.api import SECRET_ENV, UnconfirmedSend, UpdateLedger, confirm_handled, make_bot
from chatkit.config import TelegramSettings
from chatkit.errors import ChatkitError, ConfigError, InvalidMessageError
from chatkit.ratelimit import RateLimiter
from chatkit.text import SENTENCE_BREAK
from chatkit.turn.chatbot import ChatBot
from chatkit.types import Origin

log = logging.getLogger(__name__)

TELEGRAM_LIMIT = 4096
SOURCE_PREFIX = "telegram:update:"  # a delivery's source: which update it answers
HELP = ("Send me a message and I'll answer. /reset starts our conversation afresh. "
        "In groups, mention me or reply to one of my messages.")
COMMANDS = [BotCommand(command="start", description="say hello"), BotCommand(command="help", description="how I work"),
            BotCommand(command="reset", description="forget our conversation"),
            BotCommand(command="adapter", description="list or choose a persona")]


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at a paragraph, else a sentence, else a word, else anywhere."""
    pieces = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max((m.end() for m in re.finditer(r"\n\s*\n", window)), default=0)
        cut = cut or max((m.end() for m in SENTENCE_BREAK.finditer(window)), default=0)
        cut = cut or max((m.end() for m in re.finditer(r"\s", window)), default=0) or limit
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return [*pieces, rest] if rest else pieces


class TelegramAdapter:
    """Translates Telegram messages into ChatBot turns. ``router`` is what a Dispatcher includes."""

    def __init__(self, chatbot: ChatBot, settings: TelegramSettings | None = None) -> None:
        self.chatbot = chatbot
        self.settings = settings or chatbot.settings.telegram
        self.limiter = RateLimiter(self.settings.rate_limit, self.settings.rate_window_s, sliding=True)
        self._noticed: set[int] = set()  # users told they are over the limit, until their next allowed message
        self.started = time.time()
        self.replies = 0
        self._in_flight: set[asyncio.Task[Any]] = set()
        self.router = Router(name="chatkit")
        r = self.router
        r.message.register(self._start, CommandStart())
        r.message.register(self._help, Command("help"))
        r.message.register(self._reset, Command("reset"))
        r.message.register(self._stats, Command("stats"))
        r.message.register(self._adapter, Command("adapter"))
        r.message.register(self._text, F.text)
        r.message.register(self._other)
        r.edited_message.register(self._ignore)
        r.channel_post.register(self._ignore)
        r.edited_channel_post.register(self._ignore)
        r.shutdown.register(self.drain)
        r.startup.register(self.deliver_pending)

    # -- keys and addressing ----------------------------------------------------------------------
    @staticmethod
    def key(message: Message) -> str:
        if message.chat.type == "private":
            return f"telegram:user:{message.from_user.id if message.from_user else message.chat.id}"
        return f"telegram:chat:{message.chat.id}"

    @staticmethod
    async def addressed(message: Message, bot: Bot) -> tuple[bool, str]:
        """Whether the bot should answer, and the text without the mention."""
        text = message.text or ""
        if message.chat.type == "private":
            return True, text
        me = await bot.me()
        replied = message.reply_to_message is not None and message.reply_to_message.from_user is not None \
            and message.reply_to_message.from_user.id == me.id
        mention = f"@{me.username}".lower() if me.username else None
        mentioned = bool(mention) and any(e.type == "mention" and e.extract_from(text).lower() == mention
                                          for e in message.entities or [])
        if mentioned:
            text = re.sub(re.escape(mention or ""), "", text, flags=re.IGNORECASE).strip()
        return replied or mentioned, text

    # -- handlers ---------------------------------------------------------------------------------
    async def _start(self, message: Message) -> None:
        await message.answer("Hello! " + HELP)

    async def _help(self, message: Message) -> None:
        await message.answer(HELP)

    async def _reset(self, message: Message) -> None:
        await self.chatbot.reset(self.key(message))
        await message.answer("Done, I've forgotten our conversation.")

    async def _stats(self, message: Message, command: CommandObject) -> None:
        if not message.from_user or message.from_user.id not in self.settings.admins:
            await message.answer("Sorry, that command is for admins.")
            return
        conversations = len(await self.chatbot.store.list())
        uptime = int(time.time() - self.started)
        await message.answer(f"conversations: {conversations}\nreplies since start: {self.replies}\nuptime: {uptime} s")

    async def _adapter(self, message: Message, command: CommandObject) -> None:
        """/adapter lists the adapters; /adapter NAME picks one for this conversation."""
        names = self.chatbot.adapters()
        if not command.args:
            current = (await self.chatbot.options(self.key(message))).adapter or "default"
            unavailable = "".join(f"\nunavailable: {name} ({why})" for name, why in self.chatbot.unavailable_adapters().items())
            await message.answer(f"adapters: {', '.join(names)}\nthis conversation: {current}{unavailable}")
            return
        try:
            await self.chatbot.set_adapter(self.key(message), command.args.strip())
        except ChatkitError as e:
            await message.answer(str(e))
            return
        await message.answer(f"Now using {command.args.strip()}.")

    async def _other(self, message: Message) -> None:
        """Stickers, photos, voice, locations ...: a polite word in private chats, silence in groups."""
        if message.chat.type == "private":
            await message.answer("I can only read text messages, sorry.")

    async def _ignore(self, event: Any) -> None:
        log.debug("ignored an update without a new text message")

    async def _text(self, message: Message, bot: Bot, event_update: Update) -> None:
        # in flight from its first step, before any await: a shutdown's drain must not miss an update that has started
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await self._answer(message, bot, event_update)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _answer(self, message: Message, bot: Bot, event_update: Update) -> None:
        addressed, text = await self.addressed(message, bot)
        if not addressed:
            return
        origin = Origin(f"{SOURCE_PREFIX}{event_update.update_id}", str(message.chat.id))
        if await self.chatbot.deliveries.answered(origin):
            log.info("update %d was answered before; not again", event_update.update_id)
            return
        user = message.from_user.id if message.from_user else message.chat.id
        if self.limiter.take(user) is None:
            self._noticed.discard(user)
        else:  # the first refusal of a burst gets a notice
            if user not in self._noticed:
                self._noticed.add(user)
                await message.answer("You're sending messages faster than I can answer; please wait a moment.")
            return
        try:
            async with self._typing(bot, message.chat.id):
                if self.settings.stream:
                    await self._stream(message, bot, text, origin)
                else:
                    reply = await self.chatbot.reply(self.key(message), text, origin=origin)
                    for piece in split_message(reply.text):
                        with contextlib.suppress(UnconfirmedSend):  # may have arrived: counted as delivered
                            await message.answer(piece)
            await self.chatbot.deliveries.delivered(origin)
            self.replies += 1
        except InvalidMessageError as e:
            await message.answer(f"Sorry, I can't take that message: {e}.")
        except ChatkitError:
            log.exception("no reply for %s", self.key(message))
            await message.answer("Sorry, something went wrong on my side; please try again.")

    async def _stream(self, message: Message, bot: Bot, text: str, origin: Origin) -> None:
        """Show the reply as it grows: a draft in private chats, an edited message elsewhere."""
        private = message.chat.type == "private"
        shown, last, sent = "", 0.0, None
        stream = self.chatbot.stream(self.key(message), text, origin=origin)
        async with contextlib.aclosing(stream):
            async for piece in stream:
                shown += piece
                if time.monotonic() - last < self.settings.edit_interval_s or len(shown) > TELEGRAM_LIMIT:
                    continue
                last = time.monotonic()
                if private:
                    await bot.send_message_draft(chat_id=message.chat.id, draft_id=message.message_id, text=shown)
                elif sent is None:
                    with contextlib.suppress(UnconfirmedSend):
                        sent = await message.answer(shown)
                else:
                    await _edit(sent, shown)
        final = stream.reply.text if stream.reply else shown
        pieces = split_message(final)
        if sent is not None and pieces:
            await _edit(sent, pieces.pop(0))
        for piece in pieces:
            with contextlib.suppress(UnconfirmedSend):
                await message.answer(piece)

    @contextlib.asynccontextmanager
    async def _typing(self, bot: Bot, chat_id: int) -> AsyncIterator[None]:
        async def keep_typing() -> None:
            while True:
                with contextlib.suppress(TelegramBadRequest, TelegramNetworkError):
                    await bot.send_chat_action(chat_id=chat_id, action="typing")
                await asyncio.sleep(self.settings.typing_interval_s)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()

    async def deliver_pending(self, bot: Bot) -> None:
        """At start-up: send the replies that were recorded but never reached Telegram (the process died between)."""
        for owed in await self.chatbot.deliveries.pending(SOURCE_PREFIX):  # not another platform's
            for piece in split_message(owed.text):
                with contextlib.suppress(UnconfirmedSend):
                    await bot.send_message(chat_id=int(owed.target), text=piece)
            await self.chatbot.deliveries.delivered(owed.source)
            log.info("delivered a reply owed since before the restart (%s)", owed.source)

    async def drain(self, timeout_s: float = 60.0) -> None:
        """Let replies in progress finish (on shutdown, e.g. SIGTERM), those that start meanwhile included."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        await asyncio.sleep(0)  # tasks created just before the stop take their first step, and so count as in flight
        while (pending := [t for t in self._in_flight if t is not asyncio.current_task()]) and loop.time() < deadline:
            log.info("finishing %d replies before shutting down", len(pending))
            await asyncio.wait(pending, timeout=deadline - loop.time())
            await asyncio.sleep(0)


async def _edit(message: Message, text: str) -> None:
    try:
        await message.edit_text(text)
    except TelegramBadRequest as e:
        if "message is not modified" not in str(e):
            raise


def build_router(chatbot: ChatBot, settings: TelegramSettings | None = None) -> Router:
    """An aiogram Router that answers with ``chatbot``; include it in your own Dispatcher."""
    return TelegramAdapter(chatbot, settings).router


async def run(chatbot: ChatBot, settings: TelegramSettings | None = None, *, api_base: str | None = None) -> None:
    """A standalone bot: long polling, or a webhook server when ``webhook_url`` is set. Stops on SIGINT/SIGTERM,
    after finishing the replies in progress."""
    settings = settings or chatbot.settings.telegram
    bot = make_bot(settings, api_base)
    dispatcher = Dispatcher()
    dispatcher.include_router(build_router(chatbot, settings))
    try:
        if not await _until_stopped(bot.set_my_commands(COMMANDS)):
            return  # SIGTERM while the API was still unreachable: nothing was fetched, nothing is lost
        if settings.webhook_url:
            await _serve_webhook(dispatcher, bot, settings)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            ledger = UpdateLedger()
            dispatcher.update.outer_middleware(ledger)
            await dispatcher.start_polling(bot, tasks_concurrency_limit=settings.max_concurrency, handle_signals=True)
            await confirm_handled(bot, ledger)
    finally:
        await chatbot.aclose()
        await bot.session.close()


async def _until_stopped(call: Any) -> bool:
    """Await a start-up call, which retries until the API answers; False if SIGINT or SIGTERM came first."""
    import signal

    loop, task = asyncio.get_running_loop(), asyncio.ensure_future(call)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        log.warning("stopped before the Telegram API answered")
        return False
    except TelegramBadRequest:
        pass  # an API that refuses the command list still serves messages
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return True


def webhook_app(dispatcher: Dispatcher, bot: Bot, settings: TelegramSettings) -> Any:
    """The aiohttp application that receives updates at ``webhook_path``; calls without the secret get 401."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
    from aiohttp import web

    secret = os.environ.get(SECRET_ENV) or settings.webhook_secret
    if not secret:
        raise ConfigError(f"a webhook needs a secret: set {SECRET_ENV} (letters, digits, _ and -)")
    app = web.Application()
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret,
                         handle_in_background=True).register(app, path=settings.webhook_path)
    setup_application(app, dispatcher, bot=bot)
    return app


async def _serve_webhook(dispatcher: Dispatcher, bot: Bot, settings: TelegramSettings) -> None:
    import signal

    from aiohttp import web

    app = webhook_app(dispatcher, bot, settings)
    secret = os.environ.get(SECRET_ENV) or settings.webhook_secret
    await bot.set_webhook(settings.webhook_url.rstrip("/") + settings.webhook_path, secret_token=secret)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    log.info("webhook listening on %s:%d%s", settings.webhook_host, settings.webhook_port, settings.webhook_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()  # runs the dispatcher's shutdown hooks, which wait for replies in progress

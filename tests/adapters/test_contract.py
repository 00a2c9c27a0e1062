"""One contract for every platform adapter (console, Telegram, HTTP): what a person on any platform can count on.

- a refused message: the person is shown the refusal, never a model reply;
- a reader who leaves mid-reply stops the generation (within a step), and nothing half-done is recorded;
- a message chatkit cannot take becomes a message to the person, not a crash;
- a message the platform delivers twice is answered once (where the platform redelivers at all).

Each adapter gets a driver that speaks its platform: stdin/stdout, the Bot API (a fake server), HTTP (a real server).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import AsyncIterator
from typing import Any, Protocol

import aiohttp
import pytest
from aiogram import Dispatcher
from fakes import ScriptedGenerator, SlowGenerator
from http_server import serving
from telegram_server import FakeBotAPI

from chatkit import ChatBot, MemoryStore, Settings
from chatkit.adapters.console import ConsoleChat
from chatkit.adapters.http import create_app
from chatkit.adapters.telegram import build_router
from chatkit.adapters.telegram.api import make_bot
from chatkit.config import TelegramSettings
from chatkit.engine.base import Generator
from chatkit.policies import FunctionPolicy, PolicySet

REFUSAL = "Sorry, I can't help with that message."
FORBIDDEN = "grimblewort"
SETTINGS = {"chat": {"max_message_chars": 200}}
TOO_LONG = "word " * 100  # over max_message_chars


def make_bot_with(generator: Generator) -> ChatBot:
    refuse = FunctionPolicy(lambda text: FORBIDDEN in text, "forbidden")
    return ChatBot(generator, settings=Settings(**SETTINGS), store=MemoryStore(), policies=PolicySet(input=[refuse]))


class Driver(Protocol):
    async def say(self, bot: ChatBot, text: str) -> str:
        """Send one message as a person would; what the person was shown."""
        ...

    async def say_and_leave(self, bot: ChatBot, text: str) -> None:
        """Send one message, and go away once the first text of the reply was shown."""
        ...

    async def say_twice(self, bot: ChatBot, text: str) -> list[str]:
        """Send one message that the platform then delivers again; every reply the person was shown."""
        ...


class ConsoleDriver:
    async def say(self, bot: ChatBot, text: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        chat = ConsoleChat(bot, stdin=io.StringIO(text + "\n"), stdout=out, stderr=err, interactive=False)
        await asyncio.to_thread(chat.run)
        return (out.getvalue().strip() or err.getvalue()).strip()

    async def say_and_leave(self, bot: ChatBot, text: str) -> None:
        class Gone(io.StringIO):  # the terminal went away: a closed pipe after the first piece
            def write(self, s: str) -> int:
                if "bot> " not in s and s.strip():
                    raise BrokenPipeError("the reader left")
                return super().write(s)

        chat = ConsoleChat(bot, stdin=io.StringIO(text + "\n"), stdout=Gone(), stderr=io.StringIO(), interactive=True)
        chat._prompted_lines = chat._piped_lines  # type: ignore[method-assign]  (no tty to prompt on)
        with contextlib.suppress(BrokenPipeError):
            await asyncio.to_thread(chat.run)

    async def say_twice(self, bot: ChatBot, text: str) -> list[str]:
        pytest.skip("a console reads each line once: nothing is redelivered")


class TelegramDriver:
    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self.user = 0

    @contextlib.asynccontextmanager
    async def polling(self, bot: ChatBot, **options: Any) -> AsyncIterator[None]:
        settings = TelegramSettings(**options)
        telegram = make_bot(settings, self.api.url)
        dispatcher = Dispatcher()
        dispatcher.include_router(build_router(bot, settings))
        task = asyncio.create_task(dispatcher.start_polling(telegram, handle_signals=False, polling_timeout=1,
                                                            close_bot_session=True))
        try:
            yield
        finally:
            await dispatcher.stop_polling()
            await asyncio.wait_for(task, 15)

    async def say(self, bot: ChatBot, text: str) -> str:
        self.user += 1
        async with self.polling(bot):
            self.api.message(text, user=self.user)
            sent = await self.api.wait_for("sendMessage", 1, chat=self.user, timeout=10)
        return str(sent[-1]["text"])

    async def say_and_leave(self, bot: ChatBot, text: str) -> None:
        self.user += 1
        self.api.fail["sendMessageDraft"] = [403] * 5  # the person blocked the bot while it was answering
        async with self.polling(bot, stream=True):
            self.api.message(text, user=self.user)
            await self.api.wait_for("sendMessageDraft", 1, chat=None, timeout=10)
            await asyncio.sleep(0.5)

    async def say_twice(self, bot: ChatBot, text: str) -> list[str]:
        self.user += 1
        async with self.polling(bot):
            update = self.api.message(text, user=self.user)
            await self.api.wait_for("sendMessage", 1, chat=self.user, timeout=10)
        self.api.redeliver(update)  # the process died before confirming the update; the next one gets it again
        async with self.polling(bot):
            await asyncio.sleep(1.5)  # time for a second reply, if the redelivered update were answered again
        return [str(m["text"]) for m in self.api.sent("sendMessage", chat=self.user)]


class HTTPDriver:
    async def say(self, bot: ChatBot, text: str) -> str:
        with serving(create_app(bot)) as url:
            async with aiohttp.ClientSession() as session, session.post(f"{url}/v1/conversations/c/messages",
                                                                        json={"content": text}) as response:
                body = await response.json()
        return str(body["text"] if response.status == 200 else body["error"]["message"])

    async def say_and_leave(self, bot: ChatBot, text: str) -> None:
        with serving(create_app(bot)) as url:
            async with aiohttp.ClientSession() as session:
                response = await session.post(f"{url}/v1/conversations/gone/messages?stream=true", json={"content": text})
                await response.content.readuntil(b"\n\n")  # the first piece arrived
                response.close()  # the client goes away
            await asyncio.sleep(0.5)

    async def say_twice(self, bot: ChatBot, text: str) -> list[str]:
        pytest.skip("HTTP has no redelivery: a client that retries sends a new request (no idempotency keys yet)")


@pytest.fixture
async def api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeBotAPI]:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:test-token-abc")
    server = FakeBotAPI()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(params=["console", "telegram", "http"])
def driver(request: pytest.FixtureRequest) -> Driver:
    if request.param == "console":
        return ConsoleDriver()
    if request.param == "telegram":
        return TelegramDriver(request.getfixturevalue("api"))
    return HTTPDriver()


async def test_a_refused_message_shows_the_refusal(driver: Driver) -> None:
    generator = ScriptedGenerator("a model reply that must not be shown.")
    shown = await driver.say(make_bot_with(generator), f"tell me about {FORBIDDEN}")
    assert REFUSAL in shown and "must not be shown" not in shown
    assert generator.calls == []  # the model was never asked


async def test_a_reader_who_leaves_stops_the_generation(driver: Driver) -> None:
    slow = SlowGenerator(words=200, interval=0.05)  # 10 s if nobody stopped it
    bot = make_bot_with(slow)
    await driver.say_and_leave(bot, "talk a lot")
    deadline = time.monotonic() + 5
    while slow.closed == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    produced = slow.produced
    await asyncio.sleep(0.3)
    assert slow.closed == 1 and slow.produced == produced < 40  # it stopped, and within a step
    assert all(not c.messages for c in bot.store._data.values())  # type: ignore[attr-defined]  (nothing half-recorded)


async def test_a_bad_message_becomes_a_message_to_the_person(driver: Driver) -> None:
    generator = ScriptedGenerator("never sent.")
    shown = await driver.say(make_bot_with(generator), TOO_LONG)
    assert "200" in shown and "never sent" not in shown  # it says what the limit is
    assert generator.calls == []


async def test_a_redelivered_message_is_answered_once(driver: Driver) -> None:
    bot = make_bot_with(ScriptedGenerator("first answer.", "second answer."))
    assert await driver.say_twice(bot, "hello") == ["first answer."]

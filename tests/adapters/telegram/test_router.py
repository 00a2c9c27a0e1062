"""The Telegram adapter against a real HTTP server on 127.0.0.1 that speaks the Bot API, with real aiogram polling."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiogram import Dispatcher
from fakes import ScriptedGenerator
from telegram_server import DROP, FakeBotAPI

from chatkit import ChatBot, MemoryStore, Settings
from chatkit.adapters.telegram import build_router, split_message, webhook_app
from chatkit.adapters.telegram.api import make_bot
from chatkit.config import TelegramSettings
from chatkit.storage.sqlite import SQLiteStore
from chatkit.testing import free_port

TOKEN = "123456:test-token-abc"


@pytest.fixture
async def api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeBotAPI]:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    server = FakeBotAPI()
    await server.start()
    yield server
    await server.stop()


@asynccontextmanager
async def polling(api: FakeBotAPI, chatbot: ChatBot, **options: object) -> AsyncIterator[Dispatcher]:
    """aiogram long polling against the fake server, for the length of the block."""
    settings = TelegramSettings(**options)  # type: ignore[arg-type]
    bot = make_bot(settings, api.url)
    dispatcher = Dispatcher()
    dispatcher.include_router(build_router(chatbot, settings))
    task = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1, close_bot_session=True))
    try:
        yield dispatcher
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(task, 15)


def scripted(*replies: str, store: object = None) -> ChatBot:
    return ChatBot(ScriptedGenerator(*replies), store=store or MemoryStore())  # type: ignore[arg-type]


async def test_a_multi_turn_private_conversation_on_the_bundled_model(api: FakeBotAPI, generator: object) -> None:
    chatbot = ChatBot(generator, settings=Settings(decoding={"preset": "greedy", "max_new_tokens": 16}))  # type: ignore[arg-type]
    async with polling(api, chatbot):
        api.message("hi, how are you?", user=7)
        await api.wait_for("sendMessage", 1, chat=7)
        api.message("what do you do for fun?", user=7)
        replies = await api.wait_for("sendMessage", 2, chat=7)
    assert all(r["text"].strip() for r in replies)
    assert api.sent("sendChatAction", chat=7)[0]["action"] == "typing"
    history = await chatbot.history("telegram:user:7")
    assert [m.content for m in history[::2]] == ["hi, how are you?", "what do you do for fun?"]
    assert [m.content for m in history[1::2]] == [r["text"] for r in replies]


async def test_in_groups_the_bot_answers_only_when_addressed(api: FakeBotAPI) -> None:
    chatbot = scripted("first answer.", "second answer.")
    async with polling(api, chatbot):
        api.message("talking among ourselves", user=1, chat=-100, chat_type="group")
        api.message("what do you think?", user=1, chat=-100, chat_type="group", mention=True)
        await api.wait_for("sendMessage", 1, chat=-100)
        api.message("and you?", user=2, chat=-100, chat_type="group", reply_to_bot=True)
        await api.wait_for("sendMessage", 2, chat=-100)
        await asyncio.sleep(0.3)
    assert [m["text"] for m in api.sent("sendMessage", chat=-100)] == ["first answer.", "second answer."]
    history = await chatbot.history("telegram:chat:-100")
    assert [m.content for m in history[::2]] == ["what do you think?", "and you?"], "one conversation per group"


async def test_a_10000_character_reply_is_split_on_boundaries(api: FakeBotAPI) -> None:
    sentence = "This sentence is part of a very long reply that goes on and on. "
    long_reply = (sentence * 160).strip()
    assert len(long_reply) > 10_000
    async with polling(api, scripted(long_reply)):
        api.message("tell me everything", user=3)
        await api.wait_for("sendMessage", 3, chat=3)
        await asyncio.sleep(0.2)
    parts = [m["text"] for m in api.sent("sendMessage", chat=3)]
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert all(p.endswith(".") for p in parts), "cut at sentence ends"
    assert " ".join(parts) == long_reply


def test_split_message_prefers_paragraphs_then_sentences_then_words() -> None:
    text = "a" * 3000 + "\n\n" + "b" * 3000
    assert split_message(text) == ["a" * 3000, "b" * 3000]
    assert split_message("word " * 2000) == [("word " * 819).strip(), ("word " * 819).strip(), ("word " * 362).strip()]
    assert split_message("x" * 5000) == ["x" * 4096, "x" * 904]
    assert split_message("") == []


async def test_a_429_is_waited_out_and_no_reply_is_lost(api: FakeBotAPI) -> None:
    api.fail["sendMessage"] = [429]
    async with polling(api, scripted("here you go.")):
        api.message("hello", user=4)
        await api.wait_for("sendMessage", 2, chat=4, timeout=10)
    assert [m["text"] for m in api.sent("sendMessage", chat=4)] == ["here you go.", "here you go."], "sent again after the 429"


@pytest.mark.parametrize("failures", [[429] * 6, [502], [500, 502, 503]], ids=["six 429s", "a 502", "three 5xx"])
async def test_a_reply_survives_rate_limits_and_server_errors_and_arrives_once(api: FakeBotAPI, failures: list[int]) -> None:
    api.fail["sendMessage"] = list(failures)
    async with polling(api, scripted("here you go.")):
        api.message("hello", user=6)
        await api.wait_for("sendMessage", len(failures) + 1, chat=6, timeout=30)
        await asyncio.sleep(0.5)
    delivered = [text for (chat, _), text in api.messages.items() if chat == 6]
    assert delivered == ["here you go."]


@pytest.mark.parametrize(("mode", "arrived"), [("resend", 2), ("drop", 1)])
async def test_a_connection_lost_after_telegram_took_a_reply(api: FakeBotAPI, mode: str, arrived: int) -> None:
    # the Bot API has no idempotency key: a reply whose answer never came is either sent again (it may arrive twice)
    # or counted as delivered (it may never arrive); unconfirmed_sends picks, and "drop" makes the user see it once
    api.fail["sendMessage"] = [DROP]
    chatbot = scripted("here you go.")
    async with polling(api, chatbot, unconfirmed_sends=mode):
        api.message("hello", user=12)
        await api.wait_for("sendMessage", arrived, chat=12, timeout=20)
        await asyncio.sleep(1.5)  # time for a resend that should not come
    assert [text for (chat, _), text in api.messages.items() if chat == 12] == ["here you go."] * arrived
    assert await chatbot.store.undelivered() == []


async def test_a_redelivered_update_is_never_answered_twice(api: FakeBotAPI) -> None:
    chatbot = scripted("first answer.", "second answer.", "third answer.")
    async with polling(api, chatbot):
        update = api.message("hello", user=8)
        await api.wait_for("sendMessage", 1, chat=8, timeout=10)
    # the process died before confirming it; the next one (same store) is sent the update again
    api.redeliver(update)
    async with polling(api, chatbot):
        api.message("and again", user=8)
        await api.wait_for("sendMessage", 2, chat=8, timeout=10)
        await asyncio.sleep(1.5)  # time for a third reply, if the redelivered update were answered again
    assert [m["text"] for m in api.sent("sendMessage", chat=8)] == ["first answer.", "second answer."]
    assert await chatbot.store.undelivered() == []


async def test_a_reply_recorded_but_never_sent_is_delivered_after_a_restart(api: FakeBotAPI) -> None:
    from chatkit import Origin

    store = MemoryStore()
    crashed = scripted("sorry for the wait.", store=store)  # the turn was recorded, then the process died
    await crashed.reply("telegram:user:9", "are you there?", origin=Origin("telegram:update:1", "9"))
    assert len(await store.undelivered()) == 1
    restarted = scripted(store=store)  # it has nothing to generate: the owed reply must come from the store
    async with polling(api, restarted):
        await api.wait_for("sendMessage", 1, chat=9, timeout=10)
        api.push(message={"message_id": 5, "date": 1, "chat": {"id": 9, "type": "private"},
                          "from": {"id": 9, "is_bot": False, "first_name": "u"}, "text": "are you there?"})
        await asyncio.sleep(1)  # update 1 again: already answered and delivered
    assert [m["text"] for m in api.sent("sendMessage", chat=9)] == ["sorry for the wait."]
    assert await store.undelivered() == []


async def test_updates_without_text_never_crash_the_bot(api: FakeBotAPI) -> None:
    async with polling(api, scripted("still here.")):
        api.message(None, user=5, sticker={"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
                                           "is_animated": False, "is_video": False})
        api.message("an edit", user=5, kind="edited_message", edit_date=1)
        api.push(channel_post={"message_id": 9, "date": 1, "chat": {"id": -5, "type": "channel"}, "text": "news"})
        api.message(None, user=5, chat=-6, chat_type="group", photo=[{"file_id": "p", "file_unique_id": "p", "width": 1,
                                                                       "height": 1}])
        api.message("are you alive?", user=5)
        await api.wait_for("sendMessage", 2, chat=5)
        await asyncio.sleep(0.3)
    assert [m["text"] for m in api.sent("sendMessage", chat=5)] == ["I can only read text messages, sorry.", "still here."]
    assert api.sent("sendMessage", chat=-5) == [] and api.sent("sendMessage", chat=-6) == []


async def test_users_over_the_rate_limit_get_one_polite_notice(api: FakeBotAPI) -> None:
    async with polling(api, scripted("one.", "two.", "never"), rate_limit=2, rate_window_s=60):
        for i in range(5):
            api.message(f"message {i}", user=6)
        await api.wait_for("sendMessage", 3, chat=6)
        await asyncio.sleep(0.5)
    texts = [m["text"] for m in api.sent("sendMessage", chat=6)]
    assert sorted(texts) == sorted(["one.", "two.", "You're sending messages faster than I can answer; please wait a moment."])


async def test_commands_reset_help_and_admin_stats(api: FakeBotAPI) -> None:
    chatbot = scripted("hello.")
    async with polling(api, chatbot, admins=[8]):
        api.message("hi", user=8)
        await api.wait_for("sendMessage", 1, chat=8)
        api.message("/stats", user=8)
        api.message("/stats", user=9)
        api.message("/help", user=9)
        await api.wait_for("sendMessage", 2, chat=9)
        api.message("/reset", user=8)
        await api.wait_for("sendMessage", 3, chat=8)
    assert api.sent("sendMessage", chat=8)[1]["text"].startswith("conversations: 1\nreplies since start: 1")
    assert next(m["text"] for m in api.sent("sendMessage", chat=9)) == "Sorry, that command is for admins."
    assert await chatbot.history("telegram:user:8") == []


async def test_streaming_uses_drafts_in_private_and_edits_in_groups(api: FakeBotAPI) -> None:
    reply = "First part of the answer. Second part of the answer. Third part."
    async with polling(api, scripted(reply, reply), stream=True, edit_interval_s=0.3):
        api.message("stream please", user=10)
        await api.wait_for("sendMessage", 1, chat=10)
        api.message("and here", user=11, chat=-11, chat_type="group", mention=True)
        await api.wait_for("sendMessage", 1, chat=-11)
        await asyncio.sleep(0.5)
    drafts = api.sent("sendMessageDraft", chat=10)
    assert drafts and reply.startswith(drafts[0]["text"])
    assert [m["text"] for m in api.sent("sendMessage", chat=10)] == [reply]
    assert api.messages[(-11, int(api.sent("editMessageText", chat=-11)[-1]["message_id"]))] == reply


async def test_history_survives_a_restart_of_the_bot(api: FakeBotAPI, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    async with polling(api, scripted("nice to meet you ada.", store=SQLiteStore(path))):
        api.message("my name is ada", user=12)
        await api.wait_for("sendMessage", 1, chat=12)
    restarted = scripted("welcome back.", store=SQLiteStore(path))
    async with polling(api, restarted):
        api.message("do you remember me?", user=12)
        await api.wait_for("sendMessage", 2, chat=12)
    history = await restarted.history("telegram:user:12")
    assert [m.content for m in history] == ["my name is ada", "nice to meet you ada.", "do you remember me?", "welcome back."]
    await restarted.store.close()


async def test_a_webhook_round_trip_and_a_wrong_secret_is_rejected(api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiohttp import web

    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    settings = TelegramSettings(webhook_url="https://example.test")
    bot = make_bot(settings, api.url)
    dispatcher = Dispatcher()
    dispatcher.include_router(build_router(scripted("hooked."), settings))
    runner = web.AppRunner(webhook_app(dispatcher, bot, settings))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    update = {"update_id": 1, "message": {"message_id": 5, "date": 1, "chat": {"id": 13, "type": "private"},
                                          "from": {"id": 13, "is_bot": False, "first_name": "u"}, "text": "hi"}}
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/telegram"
            async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as wrong:
                assert wrong.status == 401
            async with http.post(url, json=update) as missing:
                assert missing.status == 401
            async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}) as right:
                assert right.status == 200
        await api.wait_for("sendMessage", 1, chat=13)
    finally:
        await runner.cleanup()
    assert [m["text"] for m in api.sent("sendMessage", chat=13)] == ["hooked."]


def cli_env(tmp_path: Path, extra: str = "") -> dict[str, str]:
    """The environment of a `chatkit telegram` process on the tiny model, with its own store and the test token."""
    config = tmp_path / "chatkit.toml"
    config.write_text(f'[model]\npath = "tiny"\n[store]\npath = "{tmp_path / "c.sqlite3"}"\n{extra}')
    return {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "CHATKIT_CONFIG": str(config)}


@pytest.mark.slow
async def test_the_cli_bot_finishes_its_reply_on_sigterm_and_never_logs_the_token(api: FakeBotAPI, tmp_path: Path) -> None:
    env = cli_env(tmp_path, "[decoding]\nmax_new_tokens = 120\nmin_new_tokens = 120\n")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "chatkit.cli", "-vv", "telegram", "--api-base", api.url,
                                                env=env, stderr=subprocess.PIPE)
    try:
        api.message("tell me about your day", user=14)
        await api.wait_for("sendChatAction", 1, chat=14, timeout=90)
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 90)
    finally:
        if proc.returncode is None:
            proc.kill()
    assert proc.returncode == 0, stderr.decode()[-2000:]
    assert len(api.sent("sendMessage", chat=14)) == 1, "the reply in progress was sent before exit"
    assert TOKEN not in stderr.decode() and "test-token" not in stderr.decode()
    assert "setMyCommands" in [m for m, _ in api.calls]


def test_a_missing_token_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatkit import ConfigError

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        make_bot(TelegramSettings())
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not a token")
    with pytest.raises(ConfigError, match="malformed"):
        make_bot(TelegramSettings())



async def test_the_adapter_command_lists_and_refuses_unknown_names(api: FakeBotAPI) -> None:
    async with polling(api, scripted()):
        api.message("/adapter", user=15)
        await api.wait_for("sendMessage", 1, chat=15)
        api.message("/adapter pirate", user=15)
        await api.wait_for("sendMessage", 2, chat=15)
    listing, refusal = [m["text"] for m in api.sent("sendMessage", chat=15)]
    assert listing == "adapters: base\nthis conversation: default"
    assert "no adapters" in refusal


def test_a_traceback_never_shows_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import logging

    from aiogram.exceptions import TelegramNetworkError
    from aiogram.methods import GetUpdates

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        make_bot(TelegramSettings(), "http://127.0.0.1:9")
        url = f"http://127.0.0.1:9/bot{TOKEN}/getUpdates"
        try:
            raise TelegramNetworkError(GetUpdates(), f"HTTP Client says - ClientConnectorError: Cannot connect to host {url}")
        except TelegramNetworkError:
            logging.getLogger("aiogram.dispatcher").exception("Failed to fetch updates")
    finally:
        root.removeHandler(handler)
    logged = stream.getvalue()
    assert "Traceback" in logged and "Cannot connect to host" in logged and "/bot***/getUpdates" in logged
    assert "test-token-abc" not in logged


@pytest.mark.slow
async def test_an_unreachable_api_is_retried_quietly_until_sigterm(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "chatkit.cli", "telegram", "--api-base", closed,
                                                env=env, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    seen: list[bytes] = []
    try:
        while not any(b"Telegram API unreachable" in line for line in seen):  # after the model and policies load
            seen.append(await asyncio.wait_for(proc.stderr.readline(), 120))
            assert seen[-1], b"".join(seen).decode()[-2000:]
        await asyncio.sleep(6)  # several retries, with backoff: 0.5 + 1 + 2 s ...
        assert proc.returncode is None, "it keeps trying instead of exiting"
        proc.send_signal(signal.SIGTERM)
        _, rest = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
    log = b"".join(seen).decode() + rest.decode()
    assert proc.returncode == 0, log[-2000:]
    assert log.count("Telegram API unreachable") == 1, log[-2000:]
    assert "Traceback" not in log and "test-token-abc" not in log


@pytest.mark.slow
async def test_sigterm_then_restart_answers_every_message_exactly_once(api: FakeBotAPI, tmp_path: Path) -> None:
    env = cli_env(tmp_path, "[decoding]\nmax_new_tokens = 100\nmin_new_tokens = 100\n[telegram]\nmax_concurrency = 4\n")
    users = list(range(100, 124))

    async def start() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "chatkit.cli", "telegram", "--api-base", api.url,
                                                    env=env, stderr=subprocess.DEVNULL)

    for user in users:
        api.message(f"hello, I am user {user}", user=user)
    first = await start()
    try:
        await api.wait_for("sendMessage", 3, timeout=90)
        first.send_signal(signal.SIGTERM)  # mid-batch: some answered, some running, some fetched but not started
        assert await asyncio.wait_for(first.wait(), 90) == 0
        answered_before = sum(bool(api.sent("sendMessage", chat=u)) for u in users)
        assert answered_before < len(users), "the batch was not cut short; send more messages"
        second = await start()
        try:
            await api.wait_for("sendMessage", len(users), timeout=120)
            await asyncio.sleep(3)  # time for a duplicate to show up, if any
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 90)
    finally:
        for proc in (first, locals().get("second")):
            if proc is not None and proc.returncode is None:
                proc.kill()
    replies = {u: len(api.sent("sendMessage", chat=u)) for u in users}
    assert set(replies.values()) == {1}, f"replies per user: {replies}"

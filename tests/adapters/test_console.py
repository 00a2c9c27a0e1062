from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatkit import ChatBot, MemoryStore, Settings
from chatkit.adapters.console import ConsoleChat
from chatkit.engine.transformers.generator import TransformersGenerator


def console(generator: TransformersGenerator, lines: str, **kwargs: object) -> tuple[str, str, MemoryStore]:
    store = MemoryStore()
    bot = ChatBot(generator, store=store, settings=Settings(decoding={"preset": "greedy", "max_new_tokens": 24}))
    out, err = io.StringIO(), io.StringIO()
    assert ConsoleChat(bot, stdin=io.StringIO(lines), stdout=out, stderr=err, interactive=False, **kwargs).run() == 0
    return out.getvalue(), err.getvalue(), store


def test_scripted_chat_prints_one_line_per_input_line(generator: TransformersGenerator) -> None:
    out, err, _ = console(generator, "hi\n\nwhat is your name?\n")
    lines = out.splitlines()
    assert len(lines) == 3 and lines[0].strip() and lines[1] == "" and lines[2].strip()
    assert err == ""


def test_commands_reset_and_system(generator: TransformersGenerator) -> None:
    out, err, store = console(generator, "hi\n/reset\n/system You are terse.\n/system\nhello\n/help\n/bogus\n")
    lines = out.splitlines()
    assert len(lines) == 7, "commands keep the alignment too: their output goes to stderr, an empty line to stdout"
    assert [i for i, line in enumerate(lines) if line.strip()] == [0, 4]
    assert "conversation reset" in err and "system prompt: You are terse." in err
    assert "/quit" in err and "unknown command /bogus" in err
    import asyncio

    conv = asyncio.run(store.load("console"))
    assert conv is not None and conv.options.system_prompt == "You are terse." and len(conv.messages) == 2


def test_quit_stops_reading(generator: TransformersGenerator) -> None:
    out, _, _ = console(generator, "hi\n/quit\nnever answered\n")
    assert len(out.splitlines()) == 2 and out.splitlines()[1] == ""


def test_a_bad_line_is_reported_and_the_chat_goes_on(generator: TransformersGenerator) -> None:
    out, err, _ = console(generator, "x" * 9000 + "\nhello\n")
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0] == "" and lines[1].strip()
    assert "line 1" in err and "over the limit" in err


def test_system_prompt_option(generator: TransformersGenerator) -> None:
    import asyncio

    _, _, store = console(generator, "hi\n", system_prompt="You are a pirate.")
    conv = asyncio.run(store.load("console"))
    assert conv is not None and conv.options.system_prompt == "You are a pirate."


@pytest.fixture
def data_home(tmp_path: Path) -> Path:
    """Where the default SQLite store lands in these runs (never the user's own data directory)."""
    return tmp_path / "data"


def _cli(data_home: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "chatkit.cli", *args], input=stdin, capture_output=True, timeout=120,
                          env={**os.environ, "XDG_DATA_HOME": str(data_home)})


@pytest.mark.slow
def test_piped_chat_on_the_bundled_model_end_to_end(data_home: Path) -> None:
    done = _cli(data_home, "chat", "--model", "tiny", stdin=b"hi\nhow are you?\n")
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode().splitlines()
    assert len(lines) == 2 and all(line.strip() for line in lines), lines
    assert b"Traceback" not in done.stderr


@pytest.mark.slow
def test_binary_junk_on_stdin_does_not_crash(data_home: Path) -> None:
    done = _cli(data_home, "chat", "--model", "tiny", "--max-new-tokens", "8", stdin=b"\xff\xfe\x00\x01garbage\x80\nhi\n")
    assert done.returncode == 0, done.stderr.decode()
    assert len(done.stdout.decode().splitlines()) == 2


@pytest.mark.slow
def test_a_named_conversation_survives_a_restart_of_the_chat(data_home: Path) -> None:
    for line in (b"my name is ada\n", b"what is my name?\n"):
        done = _cli(data_home, "chat", "--model", "tiny", "--conversation", "trip", "--max-new-tokens", "8", stdin=line)
        assert done.returncode == 0
    assert (data_home / "chatkit" / "conversations.sqlite3").is_file()
    shown = _cli(data_home, "conversations", "show", "trip", "--json")
    assert shown.returncode == 0, shown.stderr.decode()
    messages = json.loads(shown.stdout)["messages"]
    assert [m["content"] for m in messages[::2]] == ["my name is ada", "what is my name?"]


async def test_closing_a_bot_leaves_a_shared_generator_working(generator: TransformersGenerator) -> None:
    first, second = ChatBot(generator), ChatBot(generator)
    await first.aclose()
    assert (await second.reply("c", "hi")).text, "the generator belongs to whoever made it"

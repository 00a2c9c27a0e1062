"""The console adapter: ``chatkit chat``.

On a terminal it streams replies as they are generated and takes slash commands; Ctrl-C stops
a reply in progress (or leaves at the prompt) and Ctrl-D leaves. When stdin is not a terminal it
reads one message per line and prints one reply per line, so it can be scripted.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import aclosing
from typing import TextIO

from chatkit.errors import ChatkitError
from chatkit.turn.chatbot import ChatBot

log = logging.getLogger(__name__)

HELP = """commands:
  /help           show this help
  /reset          forget this conversation
  /system [TEXT]  show the system prompt, or set it for this conversation (/system default restores it)
  /adapters       list the LoRA adapters
  /adapter NAME   use an adapter in this conversation (base: none, default: the configured one)
  /quit           leave (Ctrl-D works too; Ctrl-C stops a reply)"""


class ConsoleChat:
    def __init__(self, bot: ChatBot, *, conversation: str = "console", stdin: TextIO | None = None,
                 stdout: TextIO | None = None, stderr: TextIO | None = None, interactive: bool | None = None,
                 system_prompt: str | None = None) -> None:
        self.bot = bot
        self.system_prompt = system_prompt
        self.conversation = conversation
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self._commands: dict[str, Callable[[asyncio.Runner, str], bool]] = {
            "/help": self._help, "/reset": self._reset, "/system": self._system, "/quit": self._quit, "/exit": self._quit,
            "/adapters": self._adapters, "/adapter": self._adapter,
        }

    def run(self) -> int:
        """Chat until end of input or /quit; returns the exit status."""
        if hasattr(self.stdin, "reconfigure"):
            self.stdin.reconfigure(errors="replace")  # binary junk becomes U+FFFD instead of a crash
        answer = self._answer_live if self.interactive else self._answer_line
        with asyncio.Runner() as runner:
            try:
                if self.system_prompt:
                    runner.run(self.bot.set_system_prompt(self.conversation, self.system_prompt))
                for number, line in self._prompted_lines() if self.interactive else self._piped_lines():
                    if line.strip() and not line.startswith("/"):
                        answer(runner, number, line)
                        continue
                    leave = line.startswith("/") and not self._command(runner, line)
                    if not self.interactive:
                        self._say("", self.stdout)  # a script reads one output line per input line, always
                    if leave:
                        break
            finally:
                runner.run(self.bot.aclose())
        return 0

    # -- input ----------------------------------------------------------------------------------
    def _prompted_lines(self) -> Iterator[tuple[int, str]]:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
        self._say("chatkit: type a message, /help for commands, Ctrl-D to leave.", self.stderr)
        for number in itertools.count(1):
            try:
                yield number, input("you> ")
            except (EOFError, KeyboardInterrupt):
                self._say("", self.stdout)
                return

    def _piped_lines(self) -> Iterator[tuple[int, str]]:
        for number, raw in enumerate(self.stdin, start=1):
            yield number, raw.rstrip("\n")

    # -- output ---------------------------------------------------------------------------------
    def _answer_live(self, runner: asyncio.Runner, number: int, line: str) -> None:
        """Stream the reply as it comes; Ctrl-C stops it."""
        self.stdout.write("bot> ")
        self.stdout.flush()
        try:
            runner.run(self._stream(line))
        except KeyboardInterrupt:
            self._say(" [stopped]", self.stdout)
        except ChatkitError as e:
            self._say(f"\nchatkit: {e}", self.stderr)

    def _answer_line(self, runner: asyncio.Runner, number: int, line: str) -> None:
        """One reply on one line; a failed message gets an error on stderr and an empty line."""
        try:
            reply = runner.run(self.bot.reply(self.conversation, line))
        except ChatkitError as e:
            self._say(f"chatkit: line {number}: {e}", self.stderr)
            self._say("", self.stdout)  # keep one output line per input line
            return
        self._say(" ".join(reply.text.split()), self.stdout)

    async def _stream(self, text: str) -> None:
        stream = self.bot.stream(self.conversation, text)
        async with aclosing(stream):
            async for piece in stream:
                self.stdout.write(piece)
                self.stdout.flush()
        self._say("", self.stdout)

    # -- commands -------------------------------------------------------------------------------
    def _command(self, runner: asyncio.Runner, line: str) -> bool:
        """Run a slash command; False means leave."""
        name, _, arg = line.strip().partition(" ")
        handler = self._commands.get(name.lower())
        if handler is None:
            self._say(f"unknown command {name}; /help lists the commands", self.stderr)
            return True
        try:
            return handler(runner, arg.strip())
        except ChatkitError as e:
            self._say(f"chatkit: {e}", self.stderr)
            return True

    def _help(self, runner: asyncio.Runner, arg: str) -> bool:
        self._say(HELP, self.stderr)
        return True

    def _reset(self, runner: asyncio.Runner, arg: str) -> bool:
        runner.run(self.bot.reset(self.conversation))
        self._say("(conversation reset)", self.stderr)
        return True

    def _system(self, runner: asyncio.Runner, arg: str) -> bool:
        if arg:
            runner.run(self.bot.set_system_prompt(self.conversation, None if arg == "default" else arg))
        prompt = runner.run(self.bot.system_prompt(self.conversation))
        self._say(f"(system prompt: {prompt})", self.stderr)
        return True

    def _adapters(self, runner: asyncio.Runner, arg: str) -> bool:
        current = runner.run(self.bot.options(self.conversation)).adapter
        self._say("adapters: " + ", ".join(f"{n} (in use)" if n == current else n for n in self.bot.adapters()), self.stderr)
        for name, why in self.bot.unavailable_adapters().items():
            self._say(f"  unavailable: {name} ({why})", self.stderr)
        return True

    def _adapter(self, runner: asyncio.Runner, arg: str) -> bool:
        if not arg:
            return self._adapters(runner, arg)
        runner.run(self.bot.set_adapter(self.conversation, None if arg == "default" else arg))
        self._say(f"(adapter: {arg})", self.stderr)
        return True

    def _quit(self, runner: asyncio.Runner, arg: str) -> bool:
        return False

    @staticmethod
    def _say(text: str, stream: TextIO) -> None:
        stream.write(text + "\n")
        stream.flush()

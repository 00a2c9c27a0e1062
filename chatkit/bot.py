"""ChatBot: one conversational turn, end to end.

    load the conversation -> input policies -> context window -> generate -> output policies -> record

Turns of one conversation run strictly in order; different conversations run concurrently.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing, asynccontextmanager
from pathlib import Path
from typing import Any

from chatkit.config import Settings, load_settings
from chatkit.context import ContextWindow, DropHook, Prompt
from chatkit.decoding import DecodingConfig
from chatkit.errors import InvalidMessageError
from chatkit.generator import Generation, Generator
from chatkit.store import Conversation, MemoryStore, Store, StoredMessage, open_store
from chatkit.text import clean_message
from chatkit.types import Message, Reply, Role, Timings, Usage
from policies.base import Action, PolicyContext, PolicySet, Stage, Verdict

log = logging.getLogger(__name__)

MAX_CONVERSATION_ID = 256


class ReplyStream(AsyncIterator[str]):
    """Reply text as it is released; ``reply`` holds the complete Reply once iteration ends."""

    def __init__(self, pieces: Callable[[ReplyStream], AsyncIterator[str]]) -> None:
        self.reply: Reply | None = None
        self._pieces = pieces(self)

    async def __anext__(self) -> str:
        return await self._pieces.__anext__()

    async def aclose(self) -> None:
        await self._pieces.aclose()  # type: ignore[attr-defined]


class ChatBot:
    """The embedding API. Build one with ``ChatBot.from_config()`` or from your own parts."""

    def __init__(self, generator: Generator, *, settings: Settings | None = None, store: Store | None = None,
                 policies: PolicySet | None = None, on_drop: DropHook | None = None) -> None:
        self.settings = settings or Settings()
        self.generator = generator
        self.store: Store = store if store is not None else MemoryStore()
        self.policies = policies or PolicySet()
        self.on_drop = on_drop
        self._notified: dict[str, int] = {}  # per conversation: messages already handed to on_drop
        self.decoding = self.settings.decoding.resolve()
        self.window = ContextWindow(generator, generator.max_context_tokens)
        self.window.budget(self.decoding.max_new_tokens)  # fail now, not on the first message
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @classmethod
    def from_config(cls, path: str | Path | None = None, *, model: str | Path | None = None,
                    settings: Settings | None = None) -> ChatBot:
        """A bot from a config file (or the defaults), on the bundled model unless one is named."""
        from chatkit.generator import TransformersGenerator

        settings = settings or load_settings(path)
        if model is not None:
            settings = settings.updated("model", path=str(model))
        m = settings.model
        generator = TransformersGenerator.load(m.path or None, device=m.device, threads=m.threads,
                                               max_context_tokens=m.max_context_tokens)
        on_drop = None
        if settings.chat.notes:
            from chatkit.context import SelfNotes

            on_drop = SelfNotes()
        return cls(generator, settings=settings, store=open_store(settings.store), on_drop=on_drop)

    async def __aenter__(self) -> ChatBot:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.generator.aclose()
        await self.store.close()

    # -- turns ----------------------------------------------------------------------------------
    async def reply(self, conversation_id: str, text: str, *, decoding: DecodingConfig | None = None) -> Reply:
        """Answer one user message and record both in the conversation."""
        stream = self.stream(conversation_id, text, decoding=decoding)
        async with aclosing(stream):
            async for _ in stream:
                pass
        assert stream.reply is not None
        return stream.reply

    def stream(self, conversation_id: str, text: str, *, decoding: DecodingConfig | None = None) -> ReplyStream:
        """Like ``reply``, but yields the reply's text as it is generated.

        The turn is recorded when the stream ends; a stream closed early records nothing.
        """
        key = _check_id(conversation_id)
        message = clean_message(text, self.settings.chat.max_message_chars)
        return ReplyStream(lambda s: self._turn(s, key, message, decoding or self.decoding))

    async def _turn(self, stream: ReplyStream, key: str, text: str, decoding: DecodingConfig) -> AsyncIterator[str]:
        t0 = time.perf_counter()
        async with self._lock(key), self.store.lock(key):
            conv, history, prompt = await self._context(key, text, decoding.max_new_tokens)
            adapter = conv.adapter if conv else None
            recent = tuple(m.content for m in history[-6:])
            checked_in = await self._moderate(text, Stage.INPUT, key, recent)
            if checked_in.action == Action.BLOCK:
                refusal = "Sorry, I can't help with that message."
                yield refusal
                stream.reply = Reply(refusal, checked_in.verdicts, finish_reason="blocked",
                                     timings=Timings(total_s=time.perf_counter() - t0))
                await self._record(key, text, refusal, checked_in.verdicts, ())
                return
            if self.on_drop is not None and conv is not None:
                self._hand_over_dropped(key, history, conv.message_count - len(history), prompt.dropped)
            queued_s = time.perf_counter() - t0
            gen_stream = self.generator.stream(prompt.messages, decoding, adapter)
            async with aclosing(gen_stream):
                if self.policies.output:
                    generation = await self._drain(gen_stream)
                else:
                    async for piece in gen_stream:
                        yield piece
                    generation = gen_stream.result
            assert generation is not None
            checked_out = await self._moderate(generation.text, Stage.OUTPUT, key, (*recent, text))
            reply_text = checked_out.text
            reason = generation.finish_reason
            if checked_out.action >= Action.REGENERATE:
                reply_text, reason = "Sorry, I don't have a good answer to that.", "fallback"
            if self.policies.output:
                yield reply_text
            usage = Usage(prompt.tokens, generation.completion_tokens, prompt.dropped)
            timings = Timings(total_s=time.perf_counter() - t0, generate_s=generation.generate_s,
                              first_token_s=None if generation.first_token_s is None else queued_s + generation.first_token_s)
            verdicts = checked_in.verdicts + checked_out.verdicts
            stream.reply = Reply(reply_text, verdicts, usage, timings, reason)
            await self._record(key, text, reply_text, checked_in.verdicts, checked_out.verdicts)

    async def prompt(self, conversation_id: str, text: str, *, decoding: DecodingConfig | None = None) -> Prompt:
        """The prompt the model would see if ``text`` were sent now (nothing is generated or recorded)."""
        key = _check_id(conversation_id)
        message = clean_message(text, self.settings.chat.max_message_chars)
        return (await self._context(key, message, (decoding or self.decoding).max_new_tokens))[2]

    async def _context(self, key: str, text: str, max_new_tokens: int) -> tuple[Conversation | None, list[Message], Prompt]:
        """Load as much of the conversation as the window can use, and build the prompt.

        Loads the newest 64 messages and more only while the window could hold older ones, so a
        turn costs O(window) whatever the conversation's length. Every message costs at least one
        token, so more than max_context_tokens messages are never needed.
        """
        limit = 64
        while True:
            conv = await self.store.load(key, limit=limit)
            history = [m.message() for m in conv.messages] if conv else []
            system = conv.system_prompt if conv and conv.system_prompt is not None else self.settings.chat.system_prompt
            if self.on_drop is not None and (notes := self.on_drop.notes(key)):
                system = f"{system}\n{notes}" if system else notes
            prompt = self.window.build(system, history, text, max_new_tokens)
            if (conv is None or prompt.dropped > 0 or len(history) >= conv.message_count
                    or limit >= self.generator.max_context_tokens):
                return conv, history, prompt
            limit = min(limit * 4, self.generator.max_context_tokens)

    def _hand_over_dropped(self, key: str, history: list[Message], first: int, dropped: int) -> None:
        """Give on_drop the messages that left the window since it last heard of this conversation.

        ``first`` is the absolute index of history[0] in the conversation.
        """
        assert self.on_drop is not None
        done = self._notified.get(key, 0)
        if first + dropped > done:
            self.on_drop.dropped(key, history[max(done - first, 0):dropped])
            self._notified[key] = first + dropped

    @staticmethod
    async def _drain(stream: AsyncIterator[str]) -> Generation:
        async for _ in stream:
            pass
        return stream.result  # type: ignore[attr-defined,no-any-return]

    async def _moderate(self, text: str, stage: Stage, key: str, history: tuple[str, ...]) -> Any:
        ctx = PolicyContext(stage=stage, conversation_id=key, history=history)
        if not self.policies.policies(stage):
            return self.policies.check(text, ctx)  # cheap: no policies, no thread hop
        return await asyncio.to_thread(self.policies.check, text, ctx)

    async def _record(self, key: str, user: str, reply: str, in_verdicts: tuple[Verdict, ...],
                      out_verdicts: tuple[Verdict, ...]) -> None:
        now = time.time()
        await self.store.append(key, [StoredMessage(Role.USER, user, now, in_verdicts),
                                      StoredMessage(Role.ASSISTANT, reply, now, out_verdicts)])

    @asynccontextmanager
    async def _lock(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]  # no waiters left: keep the table as small as the live conversations
            else:
                self._locks[key] = (lock, users - 1)

    # -- conversation management ----------------------------------------------------------------
    async def history(self, conversation_id: str) -> list[Message]:
        conv = await self.store.load(_check_id(conversation_id))
        return [m.message() for m in conv.messages] if conv else []

    async def reset(self, conversation_id: str) -> None:
        """Forget the conversation's messages (its system prompt stays)."""
        key = _check_id(conversation_id)
        async with self._lock(key), self.store.lock(key):
            await self.store.reset(key)
        self._forget(key)

    async def delete(self, conversation_id: str) -> bool:
        """Remove the conversation and its options; False if there was none."""
        key = _check_id(conversation_id)
        async with self._lock(key), self.store.lock(key):
            existed = await self.store.delete(key)
        self._forget(key)
        return existed

    def _forget(self, key: str) -> None:
        self._notified.pop(key, None)
        if self.on_drop is not None:
            self.on_drop.forget(key)

    async def set_system_prompt(self, conversation_id: str, text: str | None) -> None:
        """Give one conversation its own system prompt; None restores the configured one."""
        key = _check_id(conversation_id)
        if text is not None:
            text = clean_message(text, self.settings.chat.max_message_chars)
        async with self._lock(key), self.store.lock(key):
            conv = await self.store.load(key, limit=0)
            await self.store.set_options(key, system_prompt=text, adapter=conv.adapter if conv else None)

    async def system_prompt(self, conversation_id: str) -> str:
        conv = await self.store.load(_check_id(conversation_id), limit=0)
        return conv.system_prompt if conv and conv.system_prompt is not None else self.settings.chat.system_prompt


def _check_id(conversation_id: str) -> str:
    if not isinstance(conversation_id, str) or not conversation_id.strip():
        raise InvalidMessageError("a conversation id must be a non-empty string")
    if len(conversation_id) > MAX_CONVERSATION_ID:
        raise InvalidMessageError(f"a conversation id may have at most {MAX_CONVERSATION_ID} characters")
    return conversation_id

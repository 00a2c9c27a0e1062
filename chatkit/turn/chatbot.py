"""ChatBot: one conversational turn, end to end.

    load the conversation -> input policies -> context window -> generate -> output policies -> record

Turns of one conversation run strictly in order; different conversations run concurrently.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from chatkit.build import policies_from_settings
from chatkit.config import Settings, load_settings
from chatkit.engine.base import Generator
from chatkit.engine.decoding import DecodingConfig
from chatkit.engine.decoding import preset as named_preset
from chatkit.errors import InvalidMessageError
from chatkit.policies.base import Action, Decision, PolicyContext, PolicySet, Stage, Verdict
from chatkit.storage.base import Conversation, Delivery, MemoryStore, Options, Store, StoredMessage, check_store, open_store
from chatkit.text import clean_message
from chatkit.turn.output_gate import Answer, OutputGate
from chatkit.turn.window import ContextWindow, DropHook, Prompt
from chatkit.types import Message, Origin, Reply, Role, Timings, Usage

log = logging.getLogger(__name__)

MAX_CONVERSATION_ID = 256


class ReplyStream(AsyncIterator[str]):
    """Reply text as it is released; ``reply`` holds the complete Reply once iteration ends.

    ``live`` says whether a person reads the pieces as they come (``ChatBot.stream``) or only the
    whole reply (``ChatBot.reply``): a live stream cannot take back a sentence it has shown.
    """

    def __init__(self, pieces: Callable[[ReplyStream], AsyncIterator[str]], live: bool = True) -> None:
        self.reply: Reply | None = None
        self.live = live
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
        # (generator, store) that aclose() closes: only what this bot made; parts passed in may serve other bots too
        self._owns = (False, store is None)
        self.policies = policies or PolicySet()
        self.on_drop = on_drop
        self._notified: dict[str, int] = {}  # per conversation: messages already handed to on_drop
        self.decoding = self.settings.decoding.resolve()
        self.window = ContextWindow(generator, generator.max_context_tokens)
        self.window.budget(self.decoding.max_new_tokens)  # fail now, not on the first message
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @classmethod
    def from_config(cls, path: str | Path | None = None, *, model: str | Path | None = None,
                    settings: Settings | None = None, announce: Callable[[str], None] | None = None) -> ChatBot:
        """A bot from a config file (or the defaults). ``model`` overrides ``model.path``: a catalogue
        name, a .gguf file or a directory. The default model is pulled once if it is not here yet, with
        one line through ``announce`` (default: a log warning)."""
        from chatkit.engine.transformers.generator import TransformersGenerator

        settings = settings or load_settings(path)
        if model is not None:
            settings = settings.updated("model", path=str(model))
        check_store(settings.store)  # an unreachable store fails in a second, before anything slow loads
        policies = policies_from_settings(settings, load=True)  # a broken policy fails before the chat model loads
        m, a = settings.model, settings.adapters
        generator: Generator
        if m.backend == "openai":
            from chatkit.engine.remote import OpenAIBackend

            generator = OpenAIBackend.from_settings(settings, announce=announce)
        else:
            generator = TransformersGenerator.load(m.path or None, device=m.device, dtype=m.dtype, threads=m.threads,
                                                   max_context_tokens=m.max_context_tokens, adapters=a.paths,
                                                   default_adapter=a.default or None, merge=a.merge, max_batch=m.max_batch,
                                                   batch_wait_s=m.batch_wait_ms / 1000,
                                                   prefix_cache_tokens=m.prefix_cache_tokens, announce=announce)
        on_drop = None
        if settings.chat.notes:
            from chatkit.turn.window import SelfNotes

            on_drop = SelfNotes()
        bot = cls(generator, settings=settings, store=open_store(settings.store), on_drop=on_drop, policies=policies)
        bot._owns = (True, True)  # built here, so closed here; parts passed in belong to the caller
        return bot

    async def __aenter__(self) -> ChatBot:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close what this bot made (``from_config`` makes its generator and store); shared parts stay open."""
        owns_generator, owns_store = self._owns
        self._owns = (False, False)
        if owns_generator:
            await self.generator.aclose()
        if owns_store:
            await self.store.close()

    # -- turns ----------------------------------------------------------------------------------
    async def reply(self, conversation_id: str, text: str, *, decoding: DecodingConfig | None = None,
                    origin: Origin | None = None) -> Reply:
        """Answer one user message and record both in the conversation.

        With an ``origin`` (a platform message), the reply is recorded as owed to it (``store.undelivered()``
        until ``store.mark_delivered``), and the same origin again gets the recorded reply back with
        ``finish_reason = "replayed"``, never a second answer.
        """
        stream = self._stream(conversation_id, text, decoding, live=False, origin=origin)
        async with aclosing(stream):
            async for _ in stream:
                pass
        assert stream.reply is not None
        return stream.reply

    def stream(self, conversation_id: str, text: str, *, decoding: DecodingConfig | None = None,
               origin: Origin | None = None, live: bool = True) -> ReplyStream:
        """Like ``reply``, but yields the reply's text as it is generated.

        The turn is recorded when the stream ends; a stream closed early records nothing. With
        output policies, text comes a sentence at a time, each only after the policies passed it.
        ``live=False``: nobody reads the pieces as they come (as ``reply``), so a reply that fails a
        policy halfway can still be regenerated; the whole reply comes as one piece.
        """
        return self._stream(conversation_id, text, decoding, live=live, origin=origin)

    def _stream(self, conversation_id: str, text: str, decoding: DecodingConfig | None, live: bool,
                origin: Origin | None = None) -> ReplyStream:
        key = _check_id(conversation_id)
        message = clean_message(text, self.settings.chat.max_message_chars)
        return ReplyStream(lambda s: self._turn(s, key, message, decoding, origin), live=live)

    async def _turn(self, stream: ReplyStream, key: str, text: str, explicit: DecodingConfig | None,
                    origin: Origin | None) -> AsyncIterator[str]:
        t0 = time.perf_counter()
        async with self._lock(key), self.store.lock(key):
            if origin is not None and (known := await self.store.delivery(origin.source)) is not None:
                yield known.text  # answered before (a redelivered update): the same reply, no second turn
                stream.reply = Reply(known.text, finish_reason="replayed", timings=Timings(total_s=time.perf_counter() - t0))
                return
            conv, history, prompt, decoding = await self._context(key, text, explicit)

            async def context(checked: str) -> tuple[Prompt, DecodingConfig, str | None]:
                nonlocal conv, history, prompt, decoding
                if checked != text:  # redacted: neither the model nor the store sees the original
                    conv, history, prompt, decoding = await self._context(key, checked, explicit)
                if self.on_drop is not None and conv is not None:
                    before = self.on_drop.notes(key)
                    self._hand_over_dropped(key, history, conv.message_count - len(history), prompt.dropped)
                    if self.on_drop.notes(key) != before:  # what just left the window is noted: this turn already sees it
                        conv, history, prompt, decoding = await self._context(key, checked, explicit)
                return prompt, decoding, conv.options.adapter if conv else None

            turn = _Turn(text)
            async with aclosing(self._respond(stream, turn, key, tuple(m.content for m in history[-6:]), context, t0)) as pieces:
                async for piece in pieces:
                    yield piece
            await self._record(key, turn.user_text, stream.reply.text, turn.in_verdicts, turn.out_verdicts, origin)  # type: ignore[union-attr]

    def complete(self, messages: Sequence[Message], *, decoding: DecodingConfig | None = None, adapter: str | None = None,
                 live: bool = True) -> ReplyStream:
        """A stateless turn (the OpenAI chat API's model): ``messages`` is the whole conversation, the last one the
        user's. The last message passes the input policies and the reply the output policies; nothing is stored.

        System messages replace the configured system prompt. ``adapter`` None is the configured default adapter.
        Invalid messages raise InvalidMessageError.
        """
        if not messages or messages[-1].role != Role.USER:
            raise InvalidMessageError("the last message must be the user's")
        limit = self.settings.chat.max_message_chars
        system = [clean_message(m.content, limit) for m in messages if m.role == Role.SYSTEM]
        history = [Message(m.role, clean_message(m.content, limit)) for m in messages[:-1] if m.role != Role.SYSTEM]
        text = clean_message(messages[-1].content, limit)
        self._check_adapter(adapter)
        return ReplyStream(lambda s: self._stateless(s, "\n".join(system) if system else self.settings.chat.system_prompt,
                                                     history, text, decoding or self.decoding, adapter), live=live)

    async def _stateless(self, stream: ReplyStream, system: str, history: list[Message], text: str,
                         decoding: DecodingConfig, adapter: str | None) -> AsyncIterator[str]:
        async def context(checked: str) -> tuple[Prompt, DecodingConfig, str | None]:
            return self.window.build(system, history, checked, decoding.max_new_tokens), decoding, adapter

        recent = tuple(m.content for m in history[-6:])
        async with aclosing(self._respond(stream, _Turn(text), "(stateless)", recent, context, time.perf_counter())) as pieces:
            async for piece in pieces:
                yield piece

    async def _respond(self, stream: ReplyStream, turn: _Turn, key: str, recent: tuple[str, ...],
                       context: Callable[[str], Awaitable[tuple[Prompt, DecodingConfig, str | None]]],
                       t0: float) -> AsyncIterator[str]:
        """One answer: the input policies, then the prompt ``context`` builds for the checked user text, then the reply
        behind the output policies. Sets ``stream.reply``, and in ``turn`` what is to be recorded."""
        checked_in = await self._moderate(turn.user_text, Stage.INPUT, key, recent)
        turn.in_verdicts = checked_in.verdicts
        if checked_in.action == Action.BLOCK:
            refusal = checked_in.refusal or self.settings.policies.refusal
            yield refusal
            stream.reply = Reply(refusal, checked_in.verdicts, finish_reason="blocked",
                                 timings=Timings(total_s=time.perf_counter() - t0))
            return
        turn.user_text = checked_in.text
        prompt, decoding, adapter = await context(turn.user_text)
        queued_s = time.perf_counter() - t0
        result = Answer()
        moderate = partial(self._moderate, stage=Stage.OUTPUT, key=key, history=(*recent, turn.user_text))
        gate = OutputGate(self.generator, self.policies, self.settings.policies, moderate, key)
        async with aclosing(gate.answer(result, prompt, decoding, adapter, stream.live)) as pieces:
            async for piece in pieces:
                yield piece
        generation = result.generation
        assert generation is not None
        turn.out_verdicts = result.verdicts
        usage = Usage(prompt.tokens, result.completion_tokens, prompt.dropped)
        timings = Timings(total_s=time.perf_counter() - t0, generate_s=result.generate_s,
                          first_token_s=None if generation.first_token_s is None else queued_s + generation.first_token_s)
        stream.reply = Reply(result.text, checked_in.verdicts + result.verdicts, usage, timings, result.finish_reason)

    async def prompt(self, conversation_id: str, text: str, *, decoding: DecodingConfig | None = None) -> Prompt:
        """The prompt the model would see if ``text`` were sent now (nothing is generated or recorded)."""
        key = _check_id(conversation_id)
        message = clean_message(text, self.settings.chat.max_message_chars)
        return (await self._context(key, message, decoding))[2]

    async def _context(self, key: str, text: str, explicit: DecodingConfig | None
                       ) -> tuple[Conversation | None, list[Message], Prompt, DecodingConfig]:
        """Load as much of the conversation as the window can use, and build the prompt.

        The decoding is ``explicit`` if given, else the bot's with the conversation's own overrides.

        Loads the newest 64 messages and more only while the window could hold older ones, so a
        turn costs O(window) whatever the conversation's length. Every message costs at least one
        token, so more than max_context_tokens messages are never needed.
        """
        limit = 64
        while True:
            conv = await self.store.load(key, limit=limit)
            history = [m.message() for m in conv.messages] if conv else []
            system = self._system_prompt(conv)
            if self.on_drop is not None and (notes := self.on_drop.notes(key)):
                system = f"{system}\n{notes}" if system else notes
            decoding = explicit or self._decoding(conv)
            prompt = self.window.build(system, history, text, decoding.max_new_tokens)
            if (conv is None or prompt.dropped > 0 or len(history) >= conv.message_count
                    or limit >= self.generator.max_context_tokens):
                return conv, history, prompt, decoding
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

    async def _moderate(self, text: str, stage: Stage, key: str, history: tuple[str, ...]) -> Decision:
        ctx = PolicyContext(stage=stage, conversation_id=key, history=history)
        if not self.policies.policies(stage):
            return self.policies.check(text, ctx)  # cheap: no policies, no thread hop
        decision = await self.policies.acheck(text, ctx)
        return replace(decision, verdicts=tuple(replace(v, stage=str(stage)) for v in decision.verdicts))

    async def _record(self, key: str, user: str, reply: str, in_verdicts: tuple[Verdict, ...],
                      out_verdicts: tuple[Verdict, ...], origin: Origin | None) -> None:
        now = time.time()
        owed = Delivery(origin.source, key, origin.target, reply, created_at=now) if origin is not None else None
        await self.store.append(key, [StoredMessage(Role.USER, user, now, in_verdicts),
                                      StoredMessage(Role.ASSISTANT, reply, now, out_verdicts)], owed)

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
    async def conversation(self, conversation_id: str, limit: int | None = None) -> Conversation | None:
        """The stored conversation (its newest ``limit`` messages), or None if there is none."""
        return await self.store.load(_check_id(conversation_id), limit=limit)

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
        if text is not None:
            text = clean_message(text, self.settings.chat.max_message_chars)
        await self._update_options(conversation_id, system_prompt=text)

    async def system_prompt(self, conversation_id: str) -> str:
        return self._system_prompt(await self.store.load(_check_id(conversation_id), limit=0))

    def _system_prompt(self, conv: Conversation | None) -> str:
        own = conv.options.system_prompt if conv else None
        return self.settings.chat.system_prompt if own is None else own

    def _decoding(self, conv: Conversation | None) -> DecodingConfig:
        overrides = conv.options.decoding if conv else None
        return self.decoding.with_overrides(**overrides) if overrides else self.decoding

    async def set_decoding(self, conversation_id: str, preset: str | None = None, **overrides: Any) -> DecodingConfig:
        """Give one conversation its own decoding: a preset and/or field overrides; no arguments restore the bot's.

        Returns the conversation's effective decoding. Invalid values raise ConfigError.
        """
        values = {**(named_preset(preset).model_dump() if preset else {}), **overrides}
        effective = self.decoding.with_overrides(**values)  # validates before anything is stored
        await self._update_options(conversation_id, decoding=values)
        return effective

    async def decoding_for(self, conversation_id: str) -> DecodingConfig:
        """The decoding this conversation's next turn will use."""
        return self._decoding(await self.store.load(_check_id(conversation_id), limit=0))

    def adapters(self) -> tuple[str, ...]:
        """The adapters a conversation can choose ("base" means none)."""
        from chatkit.models.lora import BASE

        return (BASE, *getattr(self.generator, "adapters", ()))

    def unavailable_adapters(self) -> dict[str, str]:
        """Shipped adapters trained for another base model, with the reason each cannot be used."""
        return dict(getattr(self.generator, "unavailable_adapters", {}))

    async def set_adapter(self, conversation_id: str, name: str | None) -> None:
        """Give one conversation its own LoRA adapter ("base": none; None: the configured default)."""
        self._check_adapter(name)  # unknown names fail here, before anything is stored
        await self._update_options(conversation_id, adapter=name)

    def _check_adapter(self, name: str | None) -> None:
        """AdapterError for a name the backend cannot serve ("base" and None are always fine)."""
        from chatkit.models.lora import BASE, AdapterError

        check = getattr(self.generator, "check_adapter", None)
        if check is not None:
            check(name)
        elif name not in (None, BASE):
            raise AdapterError("this model backend has no adapters")

    async def options(self, conversation_id: str) -> Options:
        """The conversation's own settings (defaults where it has none)."""
        conv = await self.store.load(_check_id(conversation_id), limit=0)
        return conv.options if conv else Options()

    async def _update_options(self, conversation_id: str, **changes: Any) -> None:
        key = _check_id(conversation_id)
        async with self._lock(key), self.store.lock(key):
            conv = await self.store.load(key, limit=0)
            await self.store.set_options(key, replace(conv.options if conv else Options(), **changes))


@dataclass
class _Turn:
    """What one turn records: the user's text as checked (maybe redacted) and the verdicts of each stage."""

    user_text: str
    in_verdicts: tuple[Verdict, ...] = ()
    out_verdicts: tuple[Verdict, ...] = ()


def _check_id(conversation_id: str) -> str:
    if not isinstance(conversation_id, str) or not conversation_id.strip():
        raise InvalidMessageError("a conversation id must be a non-empty string")
    if len(conversation_id) > MAX_CONVERSATION_ID:
        raise InvalidMessageError(f"a conversation id may have at most {MAX_CONVERSATION_ID} characters")
    if not conversation_id.isprintable():
        # a lone surrogate cannot be stored as UTF-8, and a control character hides in logs and listings
        raise InvalidMessageError(f"conversation id {conversation_id!r} has characters that are not printable text; "
                                  "use letters, digits and punctuation")
    return conversation_id

"""ChatBot: the embedding API, a facade over the turn (``pipeline.py``) and the conversation's stored options.

    ChatBot.reply / stream / complete -> Pipeline.run: load -> input policies -> window -> generate -> output gate
    -> record -> Reply

Build one with ``ChatBot.from_config()`` (the parts come from ``chatkit.build``) or from your own parts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing
from dataclasses import replace
from pathlib import Path
from typing import Any

from chatkit import build
from chatkit.config import Settings, load_settings
from chatkit.engine.base import Generator, ServesLoraAdapters
from chatkit.engine.decoding import DecodingConfig
from chatkit.engine.decoding import preset as named_preset
from chatkit.errors import InvalidMessageError, LoraAdapterError
from chatkit.models.lora import BASE
from chatkit.policies.base import PolicySet
from chatkit.storage.base import Conversation, Options, Store
from chatkit.storage.memory import MemoryStore
from chatkit.streams import ResultStream
from chatkit.text import clean_message
from chatkit.turn.notes import DropHook
from chatkit.turn.pipeline import Pipeline, StatelessRequest, TurnRequest
from chatkit.turn.window import Prompt
from chatkit.types import Message, Origin, Reply, Role

MAX_CONVERSATION_ID = 256


class ReplyStream(ResultStream[Reply]):
    """Reply text as it is released; ``reply`` (also ``result``) holds the complete Reply once iteration ends.

    ``live`` says whether a person reads the pieces as they come (``ChatBot.stream``) or only the
    whole reply (``ChatBot.reply``): a live stream cannot take back a sentence it has shown.
    The turn yields its text and then its Reply; the stream hands on the text and keeps the Reply.
    """

    result_type = Reply

    def __init__(self, turn: AsyncIterator[str | Reply], live: bool = True) -> None:
        super().__init__(turn)
        self.live = live

    @property
    def reply(self) -> Reply | None:
        return self.result

    @reply.setter
    def reply(self, reply: Reply | None) -> None:
        self.result = reply


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
        self.decoding = self.settings.decoding.resolve()
        self.turns = Pipeline(generator, self.store, self.policies, self.settings, self.decoding, on_drop)
        self.window = self.turns.window
        self.deliveries = self.turns.deliveries

    @classmethod
    def from_config(cls, path: str | Path | None = None, *, model: str | Path | None = None,
                    settings: Settings | None = None, announce: Callable[[str], None] | None = None) -> ChatBot:
        """A bot from a config file (or the defaults). ``model`` overrides ``model.path``: a catalogue
        name, a .gguf file or a directory. The default model is pulled once if it is not here yet, with
        one line through ``announce`` (default: a log warning). The parts come from ``chatkit.build``."""
        settings = settings or load_settings(path)
        if model is not None:
            settings = settings.updated("model", path=str(model))
        p = build.parts(settings, announce=announce)
        bot = cls(p.generator, settings=p.settings, store=p.store, on_drop=p.on_drop, policies=p.policies)
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
        ``finish_reason = "replayed"``, never a second answer (``chatkit.turn.delivery``).
        """
        stream = self.stream(conversation_id, text, decoding=decoding, origin=origin, live=False)
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
        key = _check_id(conversation_id)
        message = clean_message(text, self.settings.chat.max_message_chars)
        return ReplyStream(self.turns.run(TurnRequest(key, message, live, decoding, origin)), live=live)

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
        history = tuple(Message(m.role, clean_message(m.content, limit)) for m in messages[:-1] if m.role != Role.SYSTEM)
        text = clean_message(messages[-1].content, limit)
        self._check_adapter(adapter)
        request = StatelessRequest("\n".join(system) if system else self.settings.chat.system_prompt, history, text,
                                   decoding or self.decoding, adapter, live)
        return ReplyStream(self.turns.run_stateless(request), live=live)

    async def prompt(self, conversation_id: str, text: str, *, decoding: DecodingConfig | None = None) -> Prompt:
        """The prompt the model would see if ``text`` were sent now (nothing is generated or recorded)."""
        key = _check_id(conversation_id)
        message = clean_message(text, self.settings.chat.max_message_chars)
        return (await self.turns.load(key, message, decoding)).prompt

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
        async with self.turns.locks.hold(key), self.store.lock(key):
            await self.store.reset(key)
        self.turns.forget(key)

    async def delete(self, conversation_id: str) -> bool:
        """Remove the conversation and its options; False if there was none."""
        key = _check_id(conversation_id)
        async with self.turns.locks.hold(key), self.store.lock(key):
            existed = await self.store.delete(key)
        self.turns.forget(key)
        return existed

    async def set_system_prompt(self, conversation_id: str, text: str | None) -> None:
        """Give one conversation its own system prompt; None restores the configured one."""
        if text is not None:
            text = clean_message(text, self.settings.chat.max_message_chars)
        await self._update_options(conversation_id, system_prompt=text)

    async def system_prompt(self, conversation_id: str) -> str:
        return self.turns.system_prompt(await self.store.load(_check_id(conversation_id), limit=0))

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
        return self.turns.decoding_for(await self.store.load(_check_id(conversation_id), limit=0))

    def adapters(self) -> tuple[str, ...]:
        """The LoRA adapters a conversation can choose ("base" means none)."""
        return (BASE, *self.generator.adapters) if isinstance(self.generator, ServesLoraAdapters) else (BASE,)

    def unavailable_adapters(self) -> dict[str, str]:
        """Shipped LoRA adapters trained for another base model, with the reason each cannot be used."""
        return dict(self.generator.unavailable_adapters) if isinstance(self.generator, ServesLoraAdapters) else {}

    async def set_adapter(self, conversation_id: str, name: str | None) -> None:
        """Give one conversation its own LoRA adapter ("base": none; None: the configured default)."""
        self._check_adapter(name)  # unknown names fail here, before anything is stored
        await self._update_options(conversation_id, adapter=name)

    def _check_adapter(self, name: str | None) -> None:
        """LoraAdapterError for a LoRA adapter name the engine cannot serve ("base" and None are always fine)."""
        if isinstance(self.generator, ServesLoraAdapters):
            self.generator.check_adapter(name)
        elif name not in (None, BASE):
            raise LoraAdapterError("this model backend has no adapters")

    async def options(self, conversation_id: str) -> Options:
        """The conversation's own settings (defaults where it has none)."""
        conv = await self.store.load(_check_id(conversation_id), limit=0)
        return conv.options if conv else Options()

    async def _update_options(self, conversation_id: str, **changes: Any) -> None:
        key = _check_id(conversation_id)
        async with self.turns.locks.hold(key), self.store.lock(key):
            conv = await self.store.load(key, limit=0)
            await self.store.set_options(key, replace(conv.options if conv else Options(), **changes))


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

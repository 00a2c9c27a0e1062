"""One turn, end to end, in the order it runs; it flows one way and ends with a Reply.

    load the conversation -> input policies -> context window -> generate -> output gate -> record

``Pipeline.run`` yields the reply's text as the output gate releases it, then the Reply itself. Nothing is handed back
through shared objects: each step takes what the one before returned. Turns of one conversation run strictly in
order (a lock per conversation here, and the store's own lock across processes); different conversations run
concurrently.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass

from chatkit.config import Settings
from chatkit.engine.base import Generator
from chatkit.engine.decoding import DecodingConfig
from chatkit.policies.base import Action, Decision, PolicySet, Stage, Verdict
from chatkit.storage.base import Conversation, Store, StoredMessage
from chatkit.turn.delivery import Deliveries
from chatkit.turn.moderation import Moderator
from chatkit.turn.notes import DropHook
from chatkit.turn.output_gate import GateResult, OutputGate
from chatkit.turn.window import ContextWindow, Prompt
from chatkit.types import Message, Origin, Reply, Role, Timings, Usage

RECENT_TURNS = 6  # the messages before this one that the policies see


@dataclass(frozen=True)
class TurnRequest:
    """One user message to a stored conversation (``origin``: the platform message it came as)."""

    conversation_id: str
    text: str
    live: bool
    decoding: DecodingConfig | None = None  # None: the bot's, with the conversation's own overrides
    origin: Origin | None = None


@dataclass(frozen=True)
class StatelessRequest:
    """A whole conversation given with the message (the OpenAI chat API's model); nothing is loaded or stored."""

    system: str
    history: tuple[Message, ...]
    text: str
    decoding: DecodingConfig
    adapter: str | None
    live: bool


@dataclass(frozen=True)
class Loaded:
    """A conversation as the window needs it: enough of its newest messages, and the prompt they make."""

    conversation: Conversation | None
    history: list[Message]
    prompt: Prompt
    decoding: DecodingConfig

    @property
    def adapter(self) -> str | None:
        return self.conversation.options.adapter if self.conversation else None

    def recent(self) -> tuple[str, ...]:
        return tuple(m.content for m in self.history[-RECENT_TURNS:])

    def user_turns(self) -> tuple[str, ...]:
        return user_turns(self.history)


def user_turns(history: list[Message] | tuple[Message, ...]) -> tuple[str, ...]:
    """The user's messages among the recent ones, newest last: what the input policies read with a new message."""
    return tuple(m.content for m in history[-RECENT_TURNS:] if m.role == Role.USER)


class Pipeline:
    def __init__(self, generator: Generator, store: Store, policies: PolicySet, settings: Settings,
                 decoding: DecodingConfig, notes: DropHook | None = None) -> None:
        self.generator, self.store, self.settings, self.decoding, self.notes = generator, store, settings, decoding, notes
        self.window = ContextWindow(generator, generator.max_context_tokens)
        self.window.budget(decoding.max_new_tokens)  # fail now, not on the first message
        self.moderator = Moderator(policies)
        self.gate = OutputGate(generator, self.moderator, settings.policies)
        self.deliveries = Deliveries(store)
        self.locks = ConversationLocks()
        self._noted: dict[str, int] = {}  # per conversation: messages already handed to the notes

    # -- the turn -------------------------------------------------------------------------------------
    async def run(self, request: TurnRequest) -> AsyncIterator[str | Reply]:
        t0 = time.perf_counter()
        key, text = request.conversation_id, request.text
        async with self.locks.hold(key), self.store.lock(key):
            replayed = await self.deliveries.replay(request.origin, t0)
            if replayed is not None:  # answered before (a redelivered platform message): the same reply, no second turn
                yield replayed.text
                yield replayed
                return
            loaded = await self.load(key, text, request.decoding)  # 1. load
            checked = await self.moderator.check(text, Stage.INPUT, key, loaded.recent(), loaded.user_turns())  # 2. input
            if checked.action >= Action.BLOCK:  # refused, or answered with a policy's own message (care for a person)
                refusal = self._refusal(checked, t0)
                yield refusal.text
                await self.record(key, text, refusal.text, checked.verdicts, (), request.origin)
                yield refusal
                return
            loaded = await self.fit(key, text, checked.text, request.decoding, loaded)  # 3. window
            reply = None
            async with aclosing(self._generate(loaded.prompt, loaded.decoding, loaded.adapter, request.live, key,
                                               (*loaded.recent(), checked.text), checked, t0)) as pieces:  # 4., 5.
                async for item in pieces:
                    if isinstance(item, Reply):
                        reply = item
                    else:
                        yield item
            assert reply is not None
            out_verdicts = reply.verdicts[len(checked.verdicts):]  # the Reply carries the input verdicts first
            await self.record(key, checked.text, reply.text, checked.verdicts, out_verdicts, request.origin)  # 6. record
            yield reply

    async def run_stateless(self, request: StatelessRequest) -> AsyncIterator[str | Reply]:
        """The same steps without a store: the input policies, the window over the given history, the gated reply."""
        t0, key = time.perf_counter(), "(stateless)"
        recent = tuple(m.content for m in request.history[-RECENT_TURNS:])
        checked = await self.moderator.check(request.text, Stage.INPUT, key, recent, user_turns(request.history))
        if checked.action >= Action.BLOCK:
            refusal = self._refusal(checked, t0)
            yield refusal.text
            yield refusal
            return
        prompt = self.window.build(request.system, request.history, checked.text, request.decoding.max_new_tokens)
        async with aclosing(self._generate(prompt, request.decoding, request.adapter, request.live, key,
                                           (*recent, checked.text), checked, t0)) as pieces:
            async for item in pieces:
                yield item

    def _refusal(self, checked: Decision, t0: float) -> Reply:
        refusal = checked.refusal or self.settings.policies.refusal
        reason = "responded" if checked.action == Action.RESPOND else "blocked"
        return Reply(refusal, checked.verdicts, finish_reason=reason, timings=Timings(total_s=time.perf_counter() - t0))

    async def _generate(self, prompt: Prompt, decoding: DecodingConfig, adapter: str | None, live: bool, key: str,
                        history: tuple[str, ...], checked: Decision, t0: float) -> AsyncIterator[str | Reply]:
        """Steps 4 and 5: the engine's reply behind the output gate; the last item is the Reply."""
        queued_s = time.perf_counter() - t0
        result: GateResult | None = None
        async with aclosing(self.gate.run(prompt, decoding, adapter, live=live, conversation_id=key,
                                          history=history)) as pieces:
            async for item in pieces:
                if isinstance(item, GateResult):
                    result = item
                else:
                    yield item
        assert result is not None
        usage = Usage(prompt.tokens, result.completion_tokens, prompt.dropped)
        timings = Timings(total_s=time.perf_counter() - t0, generate_s=result.generate_s,
                          first_token_s=None if result.first_token_s is None else queued_s + result.first_token_s)
        yield Reply(result.text, checked.verdicts + result.verdicts, usage, timings, result.finish_reason)

    # -- 1. load and 3. window ------------------------------------------------------------------------
    async def load(self, key: str, text: str, explicit: DecodingConfig | None) -> Loaded:
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
            system = self.system_prompt(conv)
            if self.notes is not None and (notes := self.notes.notes(key)):
                system = f"{system}\n{notes}" if system else notes
            decoding = explicit or self.decoding_for(conv)
            prompt = self.window.build(system, history, text, decoding.max_new_tokens)
            if (conv is None or prompt.dropped > 0 or len(history) >= conv.message_count
                    or limit >= self.generator.max_context_tokens):
                return Loaded(conv, history, prompt, decoding)
            limit = min(limit * 4, self.generator.max_context_tokens)

    async def fit(self, key: str, text: str, checked: str, explicit: DecodingConfig | None, loaded: Loaded) -> Loaded:
        """The prompt for the checked text: if a policy redacted it, neither the model nor the store sees the original;
        what leaves the window goes to the notes, and when that changes them, this turn already sees it."""
        if checked != text:
            loaded = await self.load(key, checked, explicit)
        if self.notes is not None and loaded.conversation is not None:
            before = self.notes.notes(key)
            first = loaded.conversation.message_count - len(loaded.history)  # the index of history[0] in the conversation
            done = self._noted.get(key, 0)
            if first + loaded.prompt.dropped > done:
                self.notes.dropped(key, loaded.history[max(done - first, 0):loaded.prompt.dropped])
                self._noted[key] = first + loaded.prompt.dropped
            if self.notes.notes(key) != before:
                loaded = await self.load(key, checked, explicit)
        return loaded

    # -- 6. record ------------------------------------------------------------------------------------
    async def record(self, key: str, user: str, reply: str, in_verdicts: tuple[Verdict, ...],
                     out_verdicts: tuple[Verdict, ...], origin: Origin | None) -> None:
        """The user's message, the reply and what the reply is owed to (``origin``), in one store write."""
        now = time.time()
        await self.store.append(key, [StoredMessage(Role.USER, user, now, in_verdicts),
                                      StoredMessage(Role.ASSISTANT, reply, now, out_verdicts)],
                                self.deliveries.owed(origin, key, reply, now))

    # -- what a conversation's own options make of the bot's settings ----------------------------------
    def system_prompt(self, conv: Conversation | None) -> str:
        own = conv.options.system_prompt if conv else None
        return self.settings.chat.system_prompt if own is None else own

    def decoding_for(self, conv: Conversation | None) -> DecodingConfig:
        overrides = conv.options.decoding if conv else None
        return self.decoding.with_overrides(**overrides) if overrides else self.decoding

    def forget(self, key: str) -> None:
        self._noted.pop(key, None)
        if self.notes is not None:
            self.notes.forget(key)


class ConversationLocks:
    """One asyncio lock per conversation with turns in flight; the table holds only live conversations."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
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

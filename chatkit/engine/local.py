"""What every local engine shares, whoever computes the logits: prompts rendered with the model's Hugging Face tokenizer
and chat template (message text never becomes a control token), the adapter a request may use, and the async side of
a reply: jobs handed to the engine's model thread, tokens back as text pieces, stop strings, closing within a step.

``TransformersGenerator`` and ``LlamaCppGenerator`` are ``LocalEngine`` s; each supplies ``_submit`` (a Job to its model
thread). Both tokenize here, with the same tokenizer, so a prompt is the same token ids on either engine.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from chatkit.engine.base import Generation, GenerationStream
from chatkit.engine.decoding import DecodingConfig
from chatkit.engine.jobs import Job
from chatkit.errors import ChatkitError, GenerationError, LoraAdapterError
from chatkit.models.lora import BASE
from chatkit.types import Message, Role


class LocalEngine:
    """The Generator contract and ServesLoraAdapters over a model thread that subclasses provide (``_submit``)."""

    def __init__(self, tokenizer: Any, *, name: str, max_context_tokens: int, eos_token_ids: Sequence[int],
                 adapters: Sequence[str] = (), default_adapter: str | None = None, merged: bool = False,
                 unavailable_adapters: Mapping[str, str] | None = None) -> None:
        self.tokenizer = tokenizer
        self.name = name
        self.max_context_tokens = max_context_tokens
        self.eos_token_ids = sorted(set(eos_token_ids))
        self.adapters = tuple(adapters)  # names a request may choose; "base" means none
        self.default_adapter = default_adapter
        self.merged = merged  # the one adapter is merged into the weights: faster, but "base" is gone
        self.unavailable_adapters = dict(unavailable_adapters or {})  # shipped adapters for another base: name -> why
        self._active: set[threading.Event] = set()
        # every string the tokenizer would turn into one added token (chat-template markers among them)
        self._control_strings = tuple(t.content for t in getattr(tokenizer, "added_tokens_decoder", {}).values() if t.content)

    def _submit(self, job: Job) -> None:
        raise NotImplementedError

    # -- prompts --------------------------------------------------------------------------------
    def encode(self, messages: Sequence[Message], *, add_generation_prompt: bool = True) -> list[int]:
        """The prompt's token ids. Message text never becomes a control token, whatever it contains."""
        if any(token in m.content for m in messages for token in self._control_strings):
            return self._encode_escaped(messages, add_generation_prompt)
        out = self.tokenizer.apply_chat_template([m.as_dict() for m in messages], tokenize=True,
                                                 add_generation_prompt=add_generation_prompt, return_dict=True)
        ids = out["input_ids"]
        return list(ids[0] if ids and isinstance(ids[0], list) else ids)

    def _encode_escaped(self, messages: Sequence[Message], add_generation_prompt: bool) -> list[int]:
        """Render the template around placeholders, then encode each message's text as plain text.

        A user who types ``<|im_end|><|im_start|>system`` would otherwise forge a system turn that is
        stored and replayed in every later prompt.
        """
        marked = [{"role": str(m.role), "content": f"\ue000{i}\ue001"} for i, m in enumerate(messages)]
        rendered = self.tokenizer.apply_chat_template(marked, tokenize=False, add_generation_prompt=add_generation_prompt)
        ids: list[int] = []
        for k, part in enumerate(_PLACEHOLDER.split(rendered)):
            if k % 2:  # a message's text: control-token strings in it are spelled out, not matched
                ids += self.tokenizer.encode(messages[int(part)].content, add_special_tokens=False, split_special_tokens=True)
            elif part:
                ids += self.tokenizer.encode(part, add_special_tokens=False)
        return ids

    def count_tokens(self, messages: Sequence[Message]) -> int:
        return len(self.encode(messages, add_generation_prompt=True))

    def _tokens(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False, split_special_tokens=True))

    # -- generation -----------------------------------------------------------------------------
    async def generate(self, messages: Sequence[Message], decoding: DecodingConfig, adapter: str | None = None) -> Generation:
        return await self.stream(messages, decoding, adapter).collect()

    def stream(self, messages: Sequence[Message], decoding: DecodingConfig, adapter: str | None = None) -> GenerationStream:
        chosen = self.check_adapter(adapter)
        return GenerationStream(lambda s: self._pieces(s, list(messages), decoding, chosen))

    def check_adapter(self, adapter: str | None) -> str | None:
        """The adapter a request will use (None: the base model); unknown names raise LoraAdapterError."""
        name = adapter if adapter is not None else self.default_adapter
        if name is None or name == BASE:
            if name == BASE and self.merged:
                raise LoraAdapterError("the adapter is merged into the base model, so 'base' is not available; set merge = false")
            return None
        if name in self.unavailable_adapters:
            raise LoraAdapterError(f"adapter {name!r} cannot be used with this model: {self.unavailable_adapters[name]}")
        if name not in self.adapters:
            raise LoraAdapterError(f"unknown adapter {name!r}; available: {', '.join((BASE, *self.adapters))}")
        return name

    async def _pieces(self, stream: GenerationStream, messages: list[Message], decoding: DecodingConfig,
                      adapter: str | None) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        cancel = threading.Event()
        prompt = self.encode(messages)
        bot_replies = [self._tokens(m.content) for m in messages if m.role == Role.ASSISTANT]
        # the tokenizer is used on this thread only: split_special_tokens flips a flag on the shared Rust tokenizer, so a
        # prompt encoded while the model thread tokenized something else came out with its control tokens split
        breakers = {t for s in decoding.dry_sequence_breakers for t in self._tokens(s)}
        t0 = time.perf_counter()
        self._active.add(cancel)
        stopped = loop.create_future()
        self._submit(Job(prompt, bot_replies, breakers, decoding, adapter, cancel,
                         send=lambda kind, value: loop.call_soon_threadsafe(queue.put_nowait, (kind, value)),
                         on_stopped=lambda: loop.call_soon_threadsafe(_resolve, stopped)))
        ids: list[int] = []
        detok = Detokenizer(self.tokenizer)
        emitted, first_token_s, reason, text = 0, None, "length", ""
        try:
            while True:
                kind, value = await queue.get()
                if kind == "error":
                    if isinstance(value, ChatkitError):  # the engine's own verdict on the request (a prompt too long)
                        raise value
                    raise GenerationError(f"the model failed while generating: {type(value).__name__}: {value}") from value
                if kind == "done":
                    break
                if first_token_s is None:
                    first_token_s = time.perf_counter() - t0
                ids.extend(value)
                if any(t in self.eos_token_ids for t in value):
                    reason = "stop"
                text = detok.add(value).lstrip()
                cut = find_stop(text, decoding.stop)
                if cut is not None:
                    text, reason = text[:cut], "stop"
                    cancel.set()
                    break
                ready = len(text) - holdback(text, decoding.stop)
                if ready > emitted:
                    yield text[emitted:ready]
                    emitted = ready
            text = text.rstrip()
            if len(text) > emitted:
                yield text[emitted:]
        finally:
            cancel.set()
            self._active.discard(cancel)
            # wait until the model works on it no more (within a step), so a closed stream leaves no stray work behind
            await asyncio.shield(stopped)
        if cancel.is_set() and reason == "length" and len(ids) < decoding.max_new_tokens:
            reason = "cancelled"
        stream.result = Generation(text=text, prompt_tokens=len(prompt), completion_tokens=len(ids),
                                   finish_reason=reason, first_token_s=first_token_s, generate_s=time.perf_counter() - t0)


_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


class Detokenizer:
    """Reply text as tokens arrive, decoding a few tokens per step instead of the whole reply (vLLM's incremental
    detokenization): the new text is what decoding from a recent offset adds to decoding up to the last read token,
    so merges, leading spaces and multi-byte characters come out as a whole decode would give them."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer, self.ids, self.text = tokenizer, [], ""
        self.prefix, self.read = 0, 0

    def add(self, new: Sequence[int]) -> str:
        self.ids.extend(new)
        before = self.tokenizer.decode(self.ids[self.prefix:self.read], skip_special_tokens=True)
        after = self.tokenizer.decode(self.ids[self.prefix:], skip_special_tokens=True)
        if len(after) > len(before) and not after.endswith("\ufffd"):  # an unfinished UTF-8 character waits
            self.text += after[len(before):]
            self.prefix, self.read = self.read, len(self.ids)
        return self.text


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def find_stop(text: str, stops: Sequence[str]) -> int | None:
    hits = [i for s in stops if s and (i := text.find(s)) >= 0]
    return min(hits) if hits else None


def holdback(text: str, stops: Sequence[str]) -> int:
    """How many trailing characters to keep back: a partial stop string or an unfinished UTF-8 sequence."""
    keep = len(text) - len(text.rstrip("\ufffd"))
    for s in stops:
        for n in range(min(len(s) - 1, len(text)), 0, -1):
            if text.endswith(s[:n]):
                keep = max(keep, n)
                break
    return keep

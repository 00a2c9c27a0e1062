"""The remote backend: any server that speaks the OpenAI chat API (vLLM, SGLang, TGI, llama.cpp's server, Ollama,
``transformers serve``, another chatkit). chatkit stays the conversation, safety and platform layer on top.

Decoding: the OpenAI fields, plus the fields vLLM and llama.cpp accept as extensions (``repetition_penalty``,
``top_k``, ``min_p``, ``typical_p``, ``min_tokens``, DRY). What no server can take is named once in the log when
the backend starts, never dropped silently; cross-turn blocking is done here, by regenerating a reply whose first
sentence repeats the bot's recent replies.
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from chatkit.decoding import DecodingConfig, retry_seed
from chatkit.errors import GenerationError, ModelLoadError, one_line
from chatkit.generator import Generation, GenerationStream
from chatkit.text import first_sentence_end
from chatkit.types import Message, Role

log = logging.getLogger(__name__)

API_KEY_ENV = "CHATKIT_BACKEND_API_KEY"
# Without the model's tokenizer, tokens are estimated: BPE tokenizers average about 4 characters of English per token,
# so 3 over-counts on purpose (a prompt that fits the estimate fits the server), plus the chat template's markers.
CHARS_PER_TOKEN = 3.0
TOKENS_PER_MESSAGE = 8
_CONTEXT_ERROR = re.compile(r"context length|context window|maximum context|too many tokens|prompt is too long|max_tokens",
                            re.IGNORECASE)
_WORD = re.compile(r"\w+")


def unsupported_fields(decoding: DecodingConfig) -> list[str]:
    """Settings in ``decoding`` that no OpenAI-compatible server takes (each with what it is set to)."""
    d = DecodingConfig()
    found = [f"{name} = {getattr(decoding, name)!r}" for name in ("no_repeat_ngram_size", "repetition_scope", "penalty_scope")
             if getattr(decoding, name) != getattr(d, name)]
    return found


class OpenAIBackend:
    """A ``Generator`` for an OpenAI-compatible chat server. ``adapters`` maps chatkit's adapter names to the model
    ids the server serves them as (vLLM's ``--lora-modules name=path`` serves an adapter as model ``name``)."""

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, tokenizer: Any = None,
                 max_context_tokens: int = 4096, adapters: Mapping[str, str] | None = None, vendor_fields: bool = True,
                 timeout_s: float = 60.0, max_retries: int = 3, max_regenerations: int = 2) -> None:
        import openai

        if not base_url.startswith(("http://", "https://")):
            raise ModelLoadError(f"model.base_url must be an http(s) URL, not {base_url!r}")
        if not model:
            raise ModelLoadError("model.name is empty: name the model the server serves (GET /v1/models on it lists them)")
        self.base_url, self.name, self.tokenizer = base_url.rstrip("/"), model, tokenizer
        self.max_context_tokens = max_context_tokens
        self.served = dict(adapters or {})
        self.adapters = tuple(self.served)
        self.vendor_fields, self.max_regenerations = vendor_fields, max_regenerations
        self._client = openai.AsyncOpenAI(base_url=self.base_url, api_key=api_key or os.environ.get(API_KEY_ENV) or "none",
                                          timeout=timeout_s, max_retries=max_retries)

    @classmethod
    def from_settings(cls, settings: Any, *, adapters: Mapping[str, str] | None = None,
                      announce: Any = None) -> OpenAIBackend:
        """From ``[model]`` (``settings.model``) and ``[adapters] served``; logs the decoding fields it cannot honour."""
        m = settings.model
        tokenizer = None
        if m.tokenizer:
            from chatkit.local import load_chat_tokenizer
            from chatkit.models import resolve_model

            tokenizer = load_chat_tokenizer(resolve_model(m.tokenizer, announce=announce).path)
        backend = cls(m.base_url, m.name, tokenizer=tokenizer, max_context_tokens=m.max_context_tokens or 4096,
                      adapters=adapters if adapters is not None else settings.adapters.served, vendor_fields=m.vendor_fields,
                      timeout_s=m.timeout_s, max_retries=m.retries)
        lost = unsupported_fields(settings.decoding.resolve())
        if lost:
            log.warning("the model server cannot honour %s (no OpenAI-compatible server takes them); they are ignored",
                        ", ".join(lost))
        if not m.vendor_fields:
            log.warning("model.vendor_fields = false: only OpenAI's own sampling fields are sent (no repetition_penalty, "
                        "top_k, min_p, typical_p, min_tokens or DRY)")
        if tokenizer is None:
            log.info("no model.tokenizer: prompt tokens are estimated (%g characters a token, %d a message)",
                     CHARS_PER_TOKEN, TOKENS_PER_MESSAGE)
        return backend

    # -- the Generator protocol ---------------------------------------------------------------------
    def count_tokens(self, messages: Sequence[Message]) -> int:
        if self.tokenizer is not None:
            out = self.tokenizer.apply_chat_template([m.as_dict() for m in messages], tokenize=True,
                                                     add_generation_prompt=True, return_dict=True)
            return len(out["input_ids"])
        return TOKENS_PER_MESSAGE + sum(TOKENS_PER_MESSAGE + math.ceil(len(m.content) / CHARS_PER_TOKEN) for m in messages)

    def check_adapter(self, adapter: str | None) -> str | None:
        from chatkit.lora import BASE, AdapterError

        if adapter is None or adapter == BASE:
            return None
        if adapter not in self.served:
            raise AdapterError(f"unknown adapter {adapter!r}; available: {', '.join((BASE, *self.served))} "
                               "(name adapters the server serves in [adapters] served)")
        return adapter

    def stream(self, messages: Sequence[Message], decoding: DecodingConfig, adapter: str | None = None) -> GenerationStream:
        model = self.served[a] if (a := self.check_adapter(adapter)) else self.name
        return GenerationStream(lambda s: self._pieces(s, list(messages), decoding, model))

    async def generate(self, messages: Sequence[Message], decoding: DecodingConfig, adapter: str | None = None) -> Generation:
        return await self.stream(messages, decoding, adapter).collect()

    async def aclose(self) -> None:
        await self._client.close()

    # -- one reply ----------------------------------------------------------------------------------
    async def _pieces(self, stream: GenerationStream, messages: list[Message], decoding: DecodingConfig,
                      model: str) -> AsyncIterator[str]:
        t0 = time.perf_counter()
        recent = [m.content for m in messages if m.role == Role.ASSISTANT][-decoding.block_bot_turns:]
        blocked = _ngrams(recent, decoding.block_bot_ngrams) if decoding.block_bot_ngrams and recent else set()
        first_token_s: float | None = None
        for attempt in range(self.max_regenerations + 1):
            # a retry samples (a greedy retry would say the same again) with another seed
            d = decoding if attempt == 0 else decoding.with_overrides(seed=retry_seed(decoding.seed or 0, attempt),
                                                                      temperature=max(decoding.temperature, 0.7))
            held, shown, text, reason, usage = "", 0, "", "length", None
            repeated = False
            response, messages = await self._open(messages, d, model)
            try:
                async for chunk in response:
                    if chunk.usage is not None:
                        usage = chunk.usage
                    for choice in chunk.choices:
                        if choice.finish_reason:
                            reason = "length" if choice.finish_reason == "length" else "stop"
                        piece = choice.delta.content or ""
                        if not piece:
                            continue
                        first_token_s = first_token_s or time.perf_counter() - t0
                        text += piece
                        if not blocked:
                            yield piece
                            continue
                        held += piece  # with cross-turn blocking, the first sentence waits for its check
                        cut = first_sentence_end(held) if shown == 0 else None
                        if shown == 0 and cut is None:
                            continue
                        first = held[:cut] if shown == 0 and cut is not None else ""
                        if first and attempt < self.max_regenerations and _ngrams([first], d.block_bot_ngrams) & blocked:
                            repeated = True
                            break
                        shown += 1
                        yield held
                        held = ""
                    if repeated:
                        break
            except Exception as e:
                raise self._error(e, "the stream broke") from None
            finally:
                await response.close()  # also when the reader stopped early: the server stops generating
            last = attempt == self.max_regenerations
            if repeated or (held and not shown and not last and _ngrams([held], d.block_bot_ngrams) & blocked):
                log.info("the reply repeated the bot's recent replies; regenerating (attempt %d)", attempt + 2)
                continue
            if held:
                yield held
            completion = usage.completion_tokens if usage is not None else self.count_tokens([Message(Role.ASSISTANT, text)])
            stream.result = Generation(text=text.strip(), prompt_tokens=usage.prompt_tokens if usage else self.count_tokens(messages),
                                       completion_tokens=completion, finish_reason=reason, first_token_s=first_token_s,
                                       generate_s=time.perf_counter() - t0)
            return

    async def _open(self, messages: list[Message], decoding: DecodingConfig, model: str) -> tuple[Any, list[Message]]:
        """The streamed response; a context-length error is retried with the oldest turn left out."""
        import openai

        while True:
            try:
                response = await self._client.chat.completions.create(
                    model=model, messages=[m.as_dict() for m in messages], stream=True,  # type: ignore[misc]
                    stream_options={"include_usage": True}, **self._params(decoding))
                return response, messages
            except openai.UnprocessableEntityError as e:
                if not self.vendor_fields:
                    raise self._error(e, "the request was refused") from None
                # a strict server (transformers serve is one) refuses fields it does not know: say so once, send no more
                log.warning("the model server at %s refuses the vendor sampling fields (repetition_penalty, top_k, min_p, "
                            "typical_p, min_tokens, DRY); they are no longer sent (set model.vendor_fields = false)",
                            self.base_url)
                self.vendor_fields = False
            except openai.BadRequestError as e:
                shorter = _without_oldest_turn(messages)
                if _CONTEXT_ERROR.search(str(e)) and shorter is not None:
                    log.info("the model server says the prompt is too long; retrying without the oldest turn")
                    messages = shorter
                    continue
                raise self._error(e, "the request was refused") from None
            except Exception as e:
                raise self._error(e, "the request failed") from None

    def _params(self, d: DecodingConfig) -> dict[str, Any]:
        params: dict[str, Any] = {"temperature": d.temperature, "top_p": d.top_p, "max_tokens": d.max_new_tokens,
                                  "frequency_penalty": d.frequency_penalty, "presence_penalty": d.presence_penalty}
        if d.stop:
            params["stop"] = list(d.stop)
        if d.seed is not None:
            params["seed"] = d.seed
        if self.vendor_fields:
            extra = {"repetition_penalty": d.repetition_penalty, "top_k": d.top_k or None, "min_p": d.min_p or None,
                     "typical_p": d.typical_p if d.typical_p < 1.0 else None, "min_tokens": d.min_new_tokens or None}
            if d.dry_multiplier:
                extra |= {"dry_multiplier": d.dry_multiplier, "dry_base": d.dry_base, "dry_allowed_length": d.dry_allowed_length,
                          "dry_sequence_breakers": list(d.dry_sequence_breakers)}
            params["extra_body"] = {k: v for k, v in extra.items() if v is not None}
        return params

    def _error(self, e: Exception, what: str) -> GenerationError:
        import openai

        if isinstance(e, GenerationError):
            return e
        if isinstance(e, openai.APIStatusError):
            detail = f"HTTP {e.status_code}: {one_line(e, 300)}"
        elif isinstance(e, openai.APITimeoutError):
            detail = "no answer in time (model.timeout_s)"
        elif isinstance(e, openai.APIConnectionError):
            detail = f"cannot connect ({one_line(e.__cause__ or e, 200)})"
        else:
            detail = f"{type(e).__name__}: {one_line(e, 300)}"
        return GenerationError(f"the model server at {self.base_url}: {what}: {detail}; is it running and serving "
                               f"{self.name!r}? The conversation is unchanged")


def _ngrams(texts: Sequence[str], n: int) -> set[tuple[str, ...]]:
    grams: set[tuple[str, ...]] = set()
    for text in texts:
        words = _WORD.findall(text.lower())
        grams.update(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    return grams


def _without_oldest_turn(messages: list[Message]) -> list[Message] | None:
    """The prompt without its oldest user turn (and the replies to it); None when only the last message is left."""
    head = [m for m in messages[:1] if m.role == Role.SYSTEM]
    rest = messages[len(head):]
    starts = [i for i, m in enumerate(rest) if m.role == Role.USER]
    if len(starts) < 2:
        return None
    return head + rest[starts[1]:]

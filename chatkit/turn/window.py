"""The context window: which part of a conversation goes into the prompt for the next reply.

The system prompt comes first, then the newest whole turns that fit the token budget
(``max_context_tokens - max_new_tokens``), then the new user message. Tokens are counted with
the model's own tokenizer and chat template. Per-message counts are cached and the walk stops
when the budget is full, so building a prompt costs O(window), not O(history).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from chatkit.errors import ConfigError, ContextOverflowError
from chatkit.types import Message, Role

log = logging.getLogger(__name__)

TRUNCATION_MARKER = " […message shortened to fit the context window]"


class TokenCounter(Protocol):
    def count_tokens(self, messages: Sequence[Message]) -> int:
        """Tokens of the rendered prompt, generation prompt included."""
        ...


@dataclass(frozen=True)
class Prompt:
    messages: tuple[Message, ...]
    tokens: int
    dropped: int  # oldest history messages left out
    truncated: bool  # the user message was shortened


class ContextWindow:
    def __init__(self, counter: TokenCounter, max_context_tokens: int, cache_size: int = 8192) -> None:
        self.max_context_tokens = max_context_tokens
        self._counter = counter
        self._cache: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._cache_size = cache_size
        try:
            self._overhead = counter.count_tokens([])
        except Exception:  # some templates refuse an empty conversation
            self._overhead = 0

    def cost(self, message: Message) -> int:
        """Tokens this message adds to a prompt (cached)."""
        key = (str(message.role), message.content)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        n = max(1, self._counter.count_tokens([message]) - self._overhead)
        self._cache[key] = n
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return n

    def budget(self, max_new_tokens: int) -> int:
        """Prompt tokens available when ``max_new_tokens`` are kept free for the reply."""
        budget = self.max_context_tokens - max_new_tokens
        if budget < 16:
            raise ConfigError(
                f"the context window ({self.max_context_tokens} tokens) leaves no room for a prompt after "
                f"max_new_tokens={max_new_tokens}; lower decoding.max_new_tokens or raise model.max_context_tokens"
            )
        return budget

    def build(self, system: str | None, history: Sequence[Message], user_text: str, max_new_tokens: int) -> Prompt:
        budget = self.budget(max_new_tokens)
        head = [Message(Role.SYSTEM, system)] if system else []
        user, truncated = self._fit_user(head, user_text, budget)
        base = self._counter.count_tokens([*head, user])
        start, used = len(history), base
        for turn_start in _turn_starts_backward(history):
            turn_cost = sum(self.cost(m) for m in history[turn_start:start])
            if used + turn_cost > budget:
                break
            start, used = turn_start, used + turn_cost
        # The per-message estimate is exact for additive templates; verify, and drop more if not.
        while True:
            messages = (*head, *history[start:], user)
            tokens = self._counter.count_tokens(messages)
            if tokens <= budget or start == len(history):
                break
            start = _next_turn(history, start)
        if tokens > budget:
            raise ContextOverflowError(f"the prompt needs {tokens} tokens but only {budget} fit")
        return Prompt(messages=messages, tokens=tokens, dropped=start, truncated=truncated)

    def _fit_user(self, head: list[Message], text: str, budget: int) -> tuple[Message, bool]:
        whole = Message(Role.USER, text)
        if self._counter.count_tokens([*head, whole]) <= budget:
            return whole, False

        def cut(n: int) -> Message:  # the very message that is checked is the one returned
            return Message(Role.USER, text[:n].rstrip() + TRUNCATION_MARKER)

        if self._counter.count_tokens([*head, cut(0)]) > budget:
            raise ContextOverflowError(
                f"the system prompt alone does not fit the {budget}-token budget; shorten it "
                "or raise model.max_context_tokens"
            )
        lo, hi = 0, len(text)  # a long prefix that fits, by bisection: O(log n) tokenizations
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._counter.count_tokens([*head, cut(mid)]) <= budget:
                lo = mid
            else:
                hi = mid - 1
        log.info("user message of %d characters shortened to %d to fit the context window", len(text), lo)
        return cut(lo), True


def _turn_starts_backward(history: Sequence[Message]) -> Iterator[int]:
    """Where each turn (a user message and the replies after it) begins, newest first.

    Lazy, so a caller that stops at the window's edge never touches older history.
    """
    i = len(history) - 1
    while i >= 0:
        while i > 0 and history[i].role != Role.USER:
            i -= 1
        yield i
        i -= 1


def _next_turn(history: Sequence[Message], start: int) -> int:
    i = start + 1
    while i < len(history) and history[i].role != Role.USER:
        i += 1
    return i

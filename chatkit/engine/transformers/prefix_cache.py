"""Prefix caching for the local model: a conversation's next turn reuses the attention keys and values of its previous
prompt and reply, so only the new tokens are computed and time to first token stays flat as the chat grows.

Entries are keyed by token ids (and adapter: other weights, other keys and values); a lookup takes the entry sharing
the longest prefix with the new prompt, copied and cut to that prefix. Memory is bounded by a budget of cached
tokens, least recently used first out.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

MIN_REUSE = 16  # shorter shared prefixes (the system prompt's first words) are not worth a copy


class PrefixCache:
    def __init__(self, budget_tokens: int) -> None:
        self.budget = budget_tokens
        self._entries: OrderedDict[tuple[str | None, tuple[int, ...]], Any] = OrderedDict()
        self._tokens = 0
        self._lock = threading.Lock()
        self.hits = 0  # prompts that reused a cached prefix

    def take(self, adapter: str | None, prompt: Sequence[int]) -> tuple[Any | None, int]:
        """A private copy of the cache for the longest cached prefix of ``prompt`` (leaving at least one token to
        compute), and that prefix's length; (None, 0) when nothing useful is cached."""
        ids = tuple(prompt)
        with self._lock:
            best, length = None, 0
            for key in self._entries:
                if key[0] != adapter:
                    continue
                n = _common_prefix(key[1], ids)
                if n > length:
                    best, length = key, n
            length = min(length, len(ids) - 1)
            if best is None or length < MIN_REUSE:
                return None, 0
            self.hits += 1
            if length == len(best[1]):
                # the whole entry is a prefix: its conversation goes on, and the longer entry this turn leaves replaces
                # it; handed over without a copy
                cache = self._entries.pop(best)
                self._tokens -= len(best[1])
            else:
                self._entries.move_to_end(best)
                cache = copy.deepcopy(self._entries[best])
        extra = cache.get_seq_length() - length
        if extra > 0:
            cache.crop(-extra)  # negative: remove that many from the end (every transformers version reads it so)
        return cache, length

    def put(self, adapter: str | None, ids: Sequence[int], cache: Any) -> None:
        """Keep ``cache``, which holds keys and values for the first ``cache.get_seq_length()`` of ``ids``."""
        if self.budget <= 0:
            return
        held = cache.get_seq_length()
        if held < MIN_REUSE or held > self.budget:
            return
        key = (adapter, tuple(ids[:held]))
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return
            self._entries[key] = cache
            self._tokens += held
            while self._tokens > self.budget:
                (_, old), _ = self._entries.popitem(last=False)
                self._tokens -= len(old)

    @property
    def tokens(self) -> int:
        return self._tokens


def _common_prefix(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """Length of the shared prefix, by bisection over slice comparisons (done in C, not token by token)."""
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    lo, hi = 0, n  # a[:lo] == b[:lo], a[:hi] != b[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid
    return lo

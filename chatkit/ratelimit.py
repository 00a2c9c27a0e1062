"""Per-caller rate limits, shared by the platform adapters (the HTTP guard, the Telegram adapter).

Two ways to count ``limit`` events per ``window_s``:

- a token bucket (the default), refilled continuously: a caller regains one event every ``window_s / limit``
  seconds (the HTTP guard: a steady client is never stalled for a whole window);
- a sliding window (``sliding=True``): at most ``limit`` events in any ``window_s``; an event is forgotten once
  it is more than ``window_s`` old (Telegram: a user who sent ``limit`` messages waits for the oldest to age out).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable


class RateLimiter:
    """``limit`` events per ``window_s`` for each caller; a ``limit`` of 0 (or less) is no limit."""

    MAX_CALLERS = 10_000  # past this, callers in a state the same as a new caller's are forgotten

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic, *,
                 sliding: bool = False) -> None:
        self.limit, self.window_s, self.rate, self.clock, self.sliding = limit, window_s, limit / window_s, clock, sliding
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # token bucket: caller -> (tokens, when)
        self._seen: dict[Hashable, deque[float]] = {}  # sliding window: caller -> times of its events in the window

    def take(self, caller: Hashable) -> float | None:
        """None if the event may go ahead (and it is counted), else the seconds until it could (not counted)."""
        if self.limit <= 0:
            return None
        now = self.clock()
        wait = self._take_sliding(caller, now) if self.sliding else self._take_token(caller, now)
        if wait is None and len(self._buckets) + len(self._seen) > self.MAX_CALLERS:
            self._forget_idle(now)
        return wait

    def _take_token(self, caller: Hashable, now: float) -> float | None:
        tokens, then = self._buckets.get(caller, (float(self.limit), now))
        tokens = min(float(self.limit), tokens + (now - then) * self.rate)
        if tokens < 1.0:
            self._buckets[caller] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self._buckets[caller] = (tokens - 1.0, now)
        return None

    def _take_sliding(self, caller: Hashable, now: float) -> float | None:
        times = self._seen.setdefault(caller, deque())
        while times and now - times[0] > self.window_s:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            return None
        return max(0.0, self.window_s - (now - times[0]))  # the oldest event leaves the window just after this

    def _forget_idle(self, now: float) -> None:
        """Forget full buckets and windows with nothing left in them: the same as new callers."""
        full = [c for c, (t, then) in self._buckets.items() if t + (now - then) * self.rate >= self.limit]
        for caller in full:
            del self._buckets[caller]
        empty = [c for c, times in self._seen.items() if not times or now - times[-1] > self.window_s]
        for caller in empty:
            del self._seen[caller]

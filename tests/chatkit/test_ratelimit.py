"""The shared rate limiter's sliding window (the Telegram adapter's); the token bucket is tested with the HTTP guard."""

from __future__ import annotations

import pytest

from chatkit.ratelimit import RateLimiter


def test_the_sliding_window_allows_limit_events_in_any_window() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 60.0, clock=lambda: now[0], sliding=True)
    assert [limiter.take(7), limiter.take(7)] == [None, None]
    assert limiter.take(7) == pytest.approx(60.0)
    assert limiter.take(8) is None  # per caller
    now[0] = 30.0
    assert limiter.take(7) == pytest.approx(30.0)  # no continuous refill: the oldest must leave the window
    now[0] = 60.0
    assert limiter.take(7) is not None  # exactly window_s old is still inside it
    now[0] = 60.5
    assert [limiter.take(7), limiter.take(7)] == [None, None] and limiter.take(7) is not None


def test_forgetting_idle_callers_changes_nothing() -> None:
    now = [0.0]
    limiter = RateLimiter(1, 1.0, clock=lambda: now[0], sliding=True)
    limiter.MAX_CALLERS = 2
    for caller in range(3):
        assert limiter.take(caller) is None
    now[0] = 5.0
    assert limiter.take(99) is None
    assert len(limiter._seen) <= 2
    assert [limiter.take(c) for c in range(3)] == [None, None, None]

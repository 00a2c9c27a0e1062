"""Streams in progress when the server shuts down: they get ``serve.shutdown_timeout_s`` to finish; one still running
just before that ends with an error event and its terminating chunk, as for a crashed backend, instead of being cut
off by the server mid-event."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import AsyncIterator
from typing import Any

log = logging.getLogger(__name__)

MARGIN_S = 1.0  # streams are ended this long before the server would cancel them (at most a fifth of the grace)


CUT = "the server is shutting down; the reply was cut short, send it again"


class ShutdownCut(Exception):
    """The server is shutting down and this stream's grace ran out."""


class Shutdown:
    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._began: asyncio.Event | None = None

    def install(self) -> None:
        """Learn of SIGTERM/SIGINT on top of the server's own handlers (call from the lifespan's startup: uvicorn has
        installed them by then and restores the originals when it ends). Outside the main thread: nothing to do."""
        self._loop = asyncio.get_running_loop()
        self._began = asyncio.Event()
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)

            def handler(signum: int, frame: Any, previous: Any = previous) -> None:
                self.begin()
                if callable(previous):
                    previous(signum, frame)

            signal.signal(sig, handler)

    def begin(self) -> None:
        if self._loop is not None and self._began is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed already
                self._loop.call_soon_threadsafe(self._began.set)

    async def _cut_time(self) -> None:
        assert self._began is not None
        await self._began.wait()
        await asyncio.sleep(max(0.0, self.grace_s - min(MARGIN_S, self.grace_s / 5)))

    async def cut(self, pieces: AsyncIterator[str]) -> AsyncIterator[str]:
        """``pieces`` until they end, or ShutdownCut once shutdown has begun and the grace is (nearly) over. The pieces
        are read in the caller's own task, so a client that leaves still cancels them as before."""
        if self._began is None:  # not installed (an app that never started its lifespan): nothing to race
            async for piece in pieces:
                yield piece
            return
        task = asyncio.current_task()
        assert task is not None
        fired = waiting = False

        async def watchdog() -> None:
            nonlocal fired
            await self._cut_time()
            fired = True
            if waiting:  # interrupt the wait for the next piece; between pieces, the loop sees `fired` itself
                task.cancel()

        dog = asyncio.ensure_future(watchdog())
        try:
            while True:
                if fired:
                    raise ShutdownCut(CUT)
                waiting = True
                try:
                    piece = await anext(pieces)
                except StopAsyncIteration:
                    return
                except asyncio.CancelledError:
                    if fired and task.uncancel() == 0:  # our own cancellation, nobody else's
                        raise ShutdownCut(CUT) from None
                    raise
                finally:
                    waiting = False
                yield piece
        finally:
            dog.cancel()

"""One reply for a local engine's model thread to generate: what the thread needs, and where its tokens go."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chatkit.engine.decoding import DecodingConfig

Send = Callable[[str, Any], None]  # ("tokens", [ids]) | ("error", exception) | ("done", None)


@dataclass
class Job:
    """One reply to generate: what the model thread needs, and where its tokens go."""

    prompt: list[int]
    bot_replies: list[list[int]]
    breakers: set[int]
    decoding: DecodingConfig
    adapter: str | None
    cancel: threading.Event
    send: Send
    on_stopped: Callable[[], None] = lambda: None  # the model works on it no more (said once, from the model thread)
    _stopped: bool = field(default=False, repr=False)
    sent: bool = field(default=False, repr=False)  # some tokens went to the caller: it cannot be run again from the start
    failed: bool = field(default=False, repr=False)

    def emit(self, kind: str, value: Any) -> None:
        if kind == "tokens":
            if self.failed:
                return
            self.sent = True
        with contextlib.suppress(RuntimeError):  # the caller's event loop is closed: nobody is listening any more
            self.send(kind, value)

    def fail(self, error: BaseException) -> None:
        """This job, and only it, ends with ``error`` (said once); the model works on it no more."""
        if not self.failed:
            self.failed = True
            self.emit("error", error)
        self.stop()

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            with contextlib.suppress(RuntimeError):
                self.on_stopped()

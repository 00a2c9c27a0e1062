"""The threads that run policy checks, for a PolicySet.

Policies get threads of their own, so a hung one never holds the event loop's default executor; daemon threads, so
one that never returns cannot keep the process from exiting either. Each check reports when it starts, so its time
limit counts from then, not from when it was queued behind others; and a check given up on gives its thread up: a
fresh thread takes its place, and the hung one ends once (if ever) its call returns.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Check:
    """One policy call: ``started`` resolves when a thread begins it, ``result`` with its Verdict or exception."""

    policy: Any
    text: str
    ctx: Any
    started: Future[None] = field(default_factory=Future)
    result: Future[object] = field(default_factory=Future)
    worker: _Worker | None = None


@dataclass(eq=False)
class _Worker:
    retired: bool = False


class PolicyThreads:
    def __init__(self, workers: int) -> None:
        self._queue: queue.SimpleQueue[Check] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._spawned = 0
        for _ in range(max(1, workers)):
            self._spawn()

    def submit(self, policy: Any, text: str, ctx: Any) -> Check:
        check = Check(policy, text, ctx)
        self._queue.put(check)
        return check

    def give_up(self, check: Check) -> None:
        """The caller waits no more: a check not yet started never starts; a running one's thread is replaced."""
        with self._lock:
            if check.result.cancel() or check.result.done():
                return
            worker = check.worker
            if worker is not None and not worker.retired:
                worker.retired = True
                self._spawn()

    def _spawn(self) -> None:
        worker = _Worker()
        self._spawned += 1
        threading.Thread(target=self._work, args=(worker,), name=f"chatkit-policy-{self._spawned}", daemon=True).start()

    def _work(self, me: _Worker) -> None:
        while not me.retired:
            check = self._queue.get()
            with self._lock:
                if not check.result.set_running_or_notify_cancel():
                    continue  # its caller gave up waiting before it started
                check.worker = me
            with contextlib.suppress(InvalidStateError):  # its caller stopped waiting for the start (cancelled)
                check.started.set_result(None)
            try:
                outcome: object = check.policy.check(check.text, check.ctx)
            except Exception as e:  # judged by the PolicySet as a failure of this policy
                outcome = e
            check.result.set_result(outcome)

"""One forward pass for the texts that wait together.

Policy checks run on threads of their own (policies/threads.py): with 8 replies streaming, 8 sentences reach the same
encoder at about the same time, and one pass over all 8 costs far less than 8 passes over one. Callers hand a text
over and wait; one thread embeds whatever has queued up meanwhile. A lone caller waits for nobody: its text goes
into a pass at once.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

import numpy as np

Waiting = tuple[str, "Future[np.ndarray]"]


class Batcher:
    def __init__(self, encode: Callable[[Sequence[str]], np.ndarray], max_batch: int = 32) -> None:
        self._encode, self._max = encode, max_batch
        self._queue: queue.SimpleQueue[Waiting] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._owner = 0  # the process whose thread serves the queue: a forked worker starts its own

    def __call__(self, text: str) -> np.ndarray:
        result: Future[np.ndarray] = Future()
        self._queue.put((text, result))
        self._serve()
        return result.result()

    def _serve(self) -> None:
        with self._lock:
            if self._owner != os.getpid():
                self._owner = os.getpid()
                threading.Thread(target=self._run, name="encoder-batcher", daemon=True).start()

    def _run(self) -> None:
        while True:
            waiting = [self._queue.get()]
            while len(waiting) < self._max:
                try:
                    waiting.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            texts = list(dict.fromkeys(text for text, _ in waiting))  # bias and toxicity may ask for the same text
            try:
                vectors = dict(zip(texts, self._encode(texts), strict=True))
            except BaseException as error:  # each caller's check fails closed on it
                for _, result in waiting:
                    result.set_exception(error)
                continue
            for text, result in waiting:
                result.set_result(vectors[text])

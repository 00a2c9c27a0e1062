"""Dynamic batching for the local model: requests of different conversations that wait share forward passes.

One thread owns the model. It takes the first waiting request, lets others of the same adapter join for a
bounded moment (``wait_s``, up to ``max_batch``), and runs them as one left-padded ``generate``. Everything
per request stays per request: each row keeps its own processor chain (penalties with their scopes, DRY,
cross-turn blocking, min tokens), its own sampling and seed, its own token limit, its own cancellation. To do
that the sampling happens here, per row, and ``generate`` runs greedy over a score row that holds only the
chosen token. (transformers' own continuous batching takes only its built-in processors, from one generation
config, and no per-request seeds: it cannot carry chatkit's decoding.)
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chatkit.engine.jobs import Job
from chatkit.engine.processors import pick

log = logging.getLogger(__name__)

RECENT_S = 1.0  # a request this soon after the last one means several conversations are talking at once


class BatchRunner:
    """The model thread. ``run_batch(jobs)`` does the model work; this class decides what runs together."""

    def __init__(self, run_batch: Callable[[list[Job]], None], *, max_batch: int = 8, wait_s: float = 0.005,
                 busy: Callable[[], bool] = lambda: True) -> None:
        # busy(): whether other requests are on their way; a reply alone (one person chatting) starts at once
        self.run_batch, self.max_batch, self.wait_s, self.busy = run_batch, max(1, max_batch), wait_s, busy
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._waiting: list[Job] = []  # taken from the queue, left for a later batch (another adapter)
        self._closing = False
        self._last_submit = float("-inf")
        self._traffic = False  # requests come close together: worth waiting for others to join
        self._thread = threading.Thread(target=self._loop, name="chatkit-model", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        if self._closing:
            job.emit("error", RuntimeError("the generator is closed"))
            job.emit("done", None)
            job.stop()
            return
        now = time.monotonic()
        self._traffic = now - self._last_submit < RECENT_S
        self._last_submit = now
        self._queue.put(job)

    def close(self, timeout_s: float = 30.0) -> None:
        self._closing = True
        self._queue.put(None)
        self._thread.join(timeout_s)

    def _loop(self) -> None:
        while True:
            first = self._waiting.pop(0) if self._waiting else self._queue.get()
            if first is None:
                return
            batch = [first]
            wait = self.max_batch > 1 and (self._traffic or self.busy())
            deadline = time.monotonic() + (self.wait_s if wait else 0.0)
            for job in list(self._waiting):  # those left behind by an earlier batch join first, in order
                if len(batch) < self.max_batch and job.adapter == first.adapter:
                    self._waiting.remove(job)
                    batch.append(job)
            stop = False
            while len(batch) < self.max_batch and not stop:
                try:
                    job = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                elif job.adapter == first.adapter:
                    batch.append(job)
                else:
                    self._waiting.append(job)
            self._run(batch)
            if stop:
                for job in self._waiting:
                    self._run([job])
                return

    def _run(self, batch: list[Job]) -> None:
        live = []
        for job in batch:
            if job.cancel.is_set():  # its reader left while it waited
                job.emit("done", None)
                job.stop()
            else:
                live.append(job)
        if not live:
            return
        try:
            self._attempt(live)
        finally:
            for job in live:
                job.emit("done", None)
                job.stop()

    def _attempt(self, jobs: list[Job]) -> None:
        """Run ``jobs`` together; if the batch as a whole fails, each job that has had no tokens yet runs again alone,
        so a request that breaks the batch fails only itself. A job's own failure (its seed, its processors) fails
        only that job, inside ``run_batch``."""
        try:
            self.run_batch(jobs)
        except Exception as e:  # reported to the caller as GenerationError; the thread lives on
            log.exception("generation failed (%d in the batch)", len(jobs))
            if len(jobs) == 1:
                jobs[0].fail(e)
                return
            again = [j for j in jobs if not j.sent and not j.failed and not j.cancel.is_set() and not j._stopped]
            for job in jobs:
                if job not in again:
                    job.fail(e)
            for job in again:
                self._attempt([job])


@dataclass
class Rows:
    """Where each row of a batch ended: the token count at which it stopped (limit or reader gone), or its end of text.

    Kept as counts because transformers does not promise whether the streamer sees a step's tokens before or after
    the stopping criteria do."""

    stopped_at: list[int | None]
    ended: list[bool]

    @classmethod
    def of(cls, n: int) -> Rows:
        return cls([None] * n, [False] * n)

    def done(self, i: int) -> bool:
        return self.stopped_at[i] is not None or self.ended[i]


class RowSampler:
    """The last logits processor of a batch: each row through its own chain, then its own greedy pick or seeded
    draw. It returns scores where only the chosen token is finite, so ``generate``'s greedy step takes it."""

    def __init__(self, chains: list[Any], pads: list[int], greedy: list[bool], seeds: list[int | None],
                 rows: Rows, device: Any, *, on_error: Callable[[int, Exception], None] | None = None) -> None:
        # on_error(i, e): row i failed (its seed, its processors); the row ends there and the others go on. Without
        # it, a row's error is the batch's.
        self.chains, self.pads, self.greedy, self.rows, self.on_error = chains, pads, greedy, rows, on_error
        self.generators: list[Any] = []
        for i, s in enumerate(seeds):
            try:
                self.generators.append(_generator(device, s))
            except Exception as e:  # torch refuses the seed
                if on_error is None:
                    raise
                self.generators.append(None)
                self._fail(i, e)

    def _fail(self, i: int, e: Exception) -> None:
        assert self.on_error is not None
        self.rows.stopped_at[i] = 0  # no token of this row goes out any more
        self.on_error(i, e)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        out = torch.full_like(scores, float("-inf"))
        for i, chain in enumerate(self.chains):
            if self.rows.done(i):
                out[i, 0] = 0.0  # a finished row: generate pads it whatever is chosen
                continue
            try:
                token = pick(chain, input_ids[i:i + 1, self.pads[i]:], scores[i:i + 1], greedy=self.greedy[i],
                             generator=self.generators[i])
            except Exception as e:
                if self.on_error is None:
                    raise
                log.exception("row %d of the batch failed", i)
                self._fail(i, e)
                token = 0
            out[i, token] = 0.0
        return out


def _generator(device: Any, seed: int | None) -> Any:
    import torch

    return torch.Generator(device=device).manual_seed(seed if seed is not None else random.randrange(2**63))


class RowStop:
    """Per-row stopping: a row ends at its own token limit or when its reader left; ``generate`` ends the batch when
    every row has (end-of-sequence is ``generate``'s own criterion)."""

    def __init__(self, jobs: list[Job], prompt_width: int, rows: Rows) -> None:
        self.jobs, self.width, self.rows = jobs, prompt_width, rows

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        made = input_ids.shape[1] - self.width
        for i, job in enumerate(self.jobs):
            if not self.rows.done(i) and (job.cancel.is_set() or made >= job.decoding.max_new_tokens):
                self.rows.stopped_at[i] = made
                job.stop()
        return torch.tensor([self.rows.done(i) for i in range(len(self.jobs))], dtype=torch.bool, device=input_ids.device)


class RowStreamer:
    """transformers' streamer protocol for a batch: each row's new tokens to its job, none after the row ended."""

    def __init__(self, jobs: list[Job], rows: Rows, eos_ids: set[int]) -> None:
        self.jobs, self.rows, self.eos = jobs, rows, eos_ids
        self._step = -1  # the prompt comes first

    def put(self, value: Any) -> None:
        self._step += 1
        if self._step == 0:
            return
        for i, token in enumerate(value.reshape(-1).tolist()):
            stopped_at = self.rows.stopped_at[i]
            if self.rows.ended[i] or (stopped_at is not None and self._step > stopped_at):
                continue
            self.jobs[i].emit("tokens", [int(token)])
            if int(token) in self.eos:
                self.rows.ended[i] = True
                self.jobs[i].stop()

    def end(self) -> None:
        pass

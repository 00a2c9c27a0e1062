"""Continuous batching over one llama.cpp context: the model thread's loop.

The context holds ``n_seq`` sequences, one per slot. Each step decodes, in one batch per adapter, the next token of
every running reply and a chunk of every new prompt (``n_batch`` tokens in all); a request that arrives joins at the
next step, a reply that ends (end of text, its token limit, its reader gone, the slot's context full) leaves it. Each
reply's logits row goes through chatkit's own processor chain and sampling (``chatkit.engine.processors``), with its
own seed. A slot keeps the tokens its sequence holds after a reply ends, so the conversation's next turn, whose prompt
extends them, is given that slot and decodes only its new suffix; a new conversation starts from a copy of the slot
that shares most of its prompt (the system prompt, usually).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from chatkit.engine.jobs import Job
from chatkit.engine.llamacpp.native import Chunk, LlamaContext
from chatkit.engine.processors import build_processors, pick
from chatkit.errors import ContextOverflowError

log = logging.getLogger(__name__)

MIN_REUSE = 16  # a shorter shared prefix (the system prompt's first words) does not make a slot worth taking over
# replies' tokens go to their readers at most this often, all replies' at once (a reply's first token at once): each
# send wakes the event loop's thread, whose work takes a core from llama.cpp's threads mid-step on a small CPU, so eight
# replies sending on eight clocks of their own woke it eight times a step; 25 ms is below what a reader can see
SEND_EVERY_S = 0.025


@dataclass
class Run:
    """A reply in progress in a slot."""

    job: Job
    chain: Any  # its processor chain (empty for plain greedy)
    generator: Any  # its torch.Generator (None for greedy)
    ids: Any  # 1 x (prompt + max_new_tokens) torch tensor: prompt, then the reply so far
    n: int  # tokens in ids
    pending: list[int]  # tokens to feed: the rest of the prompt, or the last token sampled
    made: int = 0
    unsent: list[int] = field(default_factory=list)  # sampled, not yet sent to the reader


@dataclass
class Slot:
    seq: int
    cached: list[int] = field(default_factory=list)  # the tokens whose keys and values the sequence holds, in order
    adapter: str | None = None  # what they were computed with
    used: float = 0.0  # when it last served a reply (least recently used slots are taken over first)
    run: Run | None = None


class Scheduler:
    """The model thread: owns ``ctx`` and every call into it."""

    def __init__(self, ctx: LlamaContext, *, eos_ids: list[int]) -> None:
        self.ctx, self.eos = ctx, set(eos_ids)
        self.slots = [Slot(i) for i in range(ctx.n_seq)]
        self.reused_tokens = 0  # prompt tokens not decoded again thanks to a slot's cache (for tests and benchmarks)
        self.copies = 0  # prompts that started from a copy of another slot's keys and values
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._waiting: list[Job] = []
        self._closing = False
        self._sent_at = 0.0  # when the running replies' tokens last went to their readers
        self._thread = threading.Thread(target=self._loop, name="chatkit-llamacpp", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        if self._closing:
            job.fail(RuntimeError("the generator is closed"))
            job.emit("done", None)
            return
        self._queue.put(job)

    def close(self, timeout_s: float = 30.0) -> None:
        self._closing = True
        self._queue.put(None)
        self._thread.join(timeout_s)

    # -- the loop -------------------------------------------------------------------------------
    def _loop(self) -> None:
        try:
            while self._take():
                self._admit()
                if any(s.run for s in self.slots):
                    self._step()
        finally:
            for job in self._waiting + [s.run.job for s in self.slots if s.run]:
                self._end(job)
            self.ctx.close()

    def _take(self) -> bool:
        """Move submitted jobs to the waiting list, blocking while there is nothing to do; False once closed."""
        idle = not self._waiting and not any(s.run for s in self.slots)
        while True:
            try:
                job = self._queue.get(block=idle)
            except queue.Empty:
                return True
            if job is None:
                return False
            self._waiting.append(job)
            idle = False

    def _admit(self) -> None:
        """Give waiting jobs free slots, oldest first: the slot whose cached tokens share the longest prefix with the
        prompt (same adapter), else the least recently used one."""
        while self._waiting:
            job = self._waiting[0]
            if job.cancel.is_set():
                self._waiting.pop(0)
                self._end(job)
                continue
            free = [s for s in self.slots if s.run is None]
            if not free:
                return
            self._waiting.pop(0)
            if len(job.prompt) >= self.ctx.n_ctx_seq:
                job.fail(ContextOverflowError(f"the prompt has {len(job.prompt)} tokens but a reply's context holds "
                                              f"{self.ctx.n_ctx_seq}; shorten it or raise model.max_context_tokens"))
                self._end(job)
                continue
            slot, shared = max(((s, _shared(s, job)) for s in free), key=lambda p: (p[1], -p[0].used))
            if shared < MIN_REUSE:
                slot, shared = min(free, key=lambda s: s.used), 0
            run = self._run(job)
            if run is None:
                continue
            # another slot, busy or not, may hold more of the prompt (the system prompt of a new conversation): copy it
            donor, most = max(((s, _shared(s, job)) for s in self.slots), key=lambda p: p[1])
            cached = slot.cached
            if donor is not slot and most >= MIN_REUSE and most > shared:
                self.ctx.copy(donor.seq, slot.seq)
                cached, shared = donor.cached, most
                self.copies += 1
            keep = min(shared, len(job.prompt) - 1)  # at least one prompt token is decoded: its logits start the reply
            if not self.ctx.forget(slot.seq, keep):
                self.ctx.forget(slot.seq, 0)
                keep = 0
            self.reused_tokens += keep
            slot.cached, slot.adapter, slot.run = cached[:keep], job.adapter, run
            run.pending = job.prompt[keep:]

    def _run(self, job: Job) -> Run | None:
        """The per-reply state: its processor chain, its seeded generator; None (and the job failed) if either cannot
        be built."""
        import torch

        d = job.decoding
        try:
            chain = build_processors(d, prompt_len=len(job.prompt), bot_replies=job.bot_replies, breaker_ids=job.breakers,
                                     eos_ids=sorted(self.eos))
            generator = None if d.greedy else torch.Generator().manual_seed(
                d.seed if d.seed is not None else int(torch.randint(0, 2**62, (1,))))
        except Exception as e:  # a seed torch refuses, decoding it cannot set up: this request fails alone
            log.exception("a request's decoding could not be set up")
            job.fail(e)
            self._end(job)
            return None
        ids = torch.zeros((1, len(job.prompt) + d.max_new_tokens), dtype=torch.long)
        ids[0, :len(job.prompt)] = torch.tensor(job.prompt)
        return Run(job, chain, generator, ids, len(job.prompt), [])

    def _step(self) -> None:
        """One decode per adapter among the running replies, then each reply's next token."""
        for slot in self.slots:
            if slot.run is not None and slot.run.job.cancel.is_set():  # its reader left: the slot is free this step
                self._finish(slot)
        groups: dict[str | None, list[Slot]] = {}
        for slot in self.slots:
            if slot.run is not None:
                groups.setdefault(slot.adapter, []).append(slot)
        for adapter, slots in groups.items():
            self._decode(adapter, slots)
        now = time.monotonic()
        if now - self._sent_at >= SEND_EVERY_S:
            for slot in self.slots:
                if slot.run is not None and slot.run.unsent:
                    slot.run.job.emit("tokens", slot.run.unsent)
                    slot.run.unsent = []
            self._sent_at = now

    def _decode(self, adapter: str | None, slots: list[Slot]) -> None:
        budget = self.ctx.n_batch
        chunks: list[tuple[Slot, Chunk]] = []
        # running replies (one token each) first, then prompts in chunks with what is left of the batch
        for slot in sorted(slots, key=lambda s: len(s.run.pending) if s.run else 0):
            run = slot.run
            assert run is not None
            part = run.pending[:budget]
            if not part:
                continue
            budget -= len(part)
            chunks.append((slot, Chunk(slot.seq, part, len(slot.cached), logits=len(part) == len(run.pending))))
        if not chunks:
            return
        try:
            self.ctx.use_adapter(adapter)
            rows = self.ctx.decode([c for _, c in chunks])
        except Exception as e:  # reported to each caller as GenerationError; the thread lives on
            log.exception("llama.cpp failed to decode a batch of %d", len(chunks))
            for slot, _ in chunks:
                self.ctx.forget(slot.seq, 0)
                slot.cached = []
                if slot.run is not None:
                    slot.run.job.fail(e)
                self._finish(slot)
            return
        row_of = iter(rows)
        for slot, chunk in chunks:
            run = slot.run
            assert run is not None
            slot.cached.extend(chunk.tokens)
            run.pending = run.pending[len(chunk.tokens):]
            if chunk.logits:
                self._sample(slot, run, next(row_of))

    def _sample(self, slot: Slot, run: Run, row: int) -> None:
        import torch

        job, d = run.job, run.job.decoding
        logits = self.ctx.logits(row)
        try:
            if d.greedy and not run.chain:
                token = int(logits.argmax())  # the fast path: plain greedy needs no tensors
            else:
                # the row itself, not a copy: the processors change it in place, and llama.cpp's buffer is ours
                # until the next decode
                scores = torch.from_numpy(logits).unsqueeze(0)
                token = pick(run.chain, run.ids[:, :run.n], scores, greedy=d.greedy, generator=run.generator)
        except Exception as e:
            log.exception("a reply's processors failed")
            job.fail(e)
            self._finish(slot)
            return
        run.ids[0, run.n] = token
        run.n += 1
        run.made += 1
        run.unsent.append(token)
        if run.made == 1:  # the first token at once: time to first token is what a reader feels most
            job.emit("tokens", run.unsent)
            run.unsent = []
        if token in self.eos or run.made >= d.max_new_tokens or len(slot.cached) + 1 >= self.ctx.n_ctx_seq:
            self._finish(slot)
        else:
            run.pending = [token]

    def _finish(self, slot: Slot) -> None:
        """The reply in ``slot`` is over; the slot keeps its cached tokens for the conversation's next turn."""
        run, slot.run, slot.used = slot.run, None, time.monotonic()
        if run is not None:  # after the slot is free: the caller may look as soon as it hears the job stopped
            if run.unsent:
                run.job.emit("tokens", run.unsent)
            self._end(run.job)

    @staticmethod
    def _end(job: Job) -> None:
        job.emit("done", None)
        job.stop()


def _shared(slot: Slot, job: Job) -> int:
    """How many leading prompt tokens ``slot`` already holds (0 when they were computed with another adapter)."""
    if slot.adapter != job.adapter:
        return 0
    n = 0
    for a, b in zip(slot.cached, job.prompt, strict=False):
        if a != b:
            break
        n += 1
    return n

"""The llama.cpp model and context, through llama-cpp-python's low-level bindings: one context whose KV cache holds
several sequences (one per slot), one batch per step, logits rows read in place, KV entries removed per sequence, LoRA
adapters set per step. Everything ctypes stays here; the scheduler speaks in token ids and sequence numbers.

Only the model thread calls into it (llama.cpp contexts are not thread-safe).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatkit.errors import LoraAdapterError, ModelLoadError, one_line

log = logging.getLogger(__name__)
llama_log = logging.getLogger("chatkit.llama.cpp")  # llama.cpp's own messages, at DEBUG: it is chatty


@functools.cache
def _log_callback() -> Any:
    """One ctypes callback for the process (llama.cpp keeps a single one) that hands llama.cpp's messages to logging
    instead of stderr, where they would break a console chat. Created once and kept: llama.cpp calls it for ever."""
    import llama_cpp as ll

    @ll.llama_log_callback  # type: ignore[untyped-decorator]
    def forward(level: int, text: bytes, user_data: Any) -> None:
        llama_log.debug("%s", text.decode("utf-8", "replace").rstrip())

    return forward


@contextlib.contextmanager
def _llama_errors() -> Iterator[list[str]]:
    """The lines llama.cpp logs meanwhile, so a failure can say what llama.cpp said."""
    lines: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    level, propagate = llama_log.level, llama_log.propagate
    llama_log.addHandler(handler)
    llama_log.setLevel(logging.DEBUG)  # to hear them; kept from the application's handlers, which would print them
    llama_log.propagate = False
    try:
        yield lines
    finally:
        llama_log.removeHandler(handler)
        llama_log.setLevel(level)
        llama_log.propagate = propagate


def _reason(lines: list[str]) -> str:
    errors = [line for line in lines if "error" in line.lower() or "failed" in line.lower()]
    return one_line(Exception(errors[-1]), 200) if errors else "no reason given"


@dataclass(frozen=True)
class Chunk:
    """Tokens of one sequence to decode in a step, from position ``start``; ``logits``: want the last one's logits."""

    seq: int
    tokens: list[int]
    start: int
    logits: bool


_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


def gguf_metadata(file: Path) -> dict[str, object]:
    """The scalar and string keys of a GGUF file's header; arrays (the vocabulary, the merges) are skipped. The gguf
    package's reader builds every array element in Python: 2-4 s for SmolLM2's vocabulary, at every start.
    ModelLoadError naming the file if it is not GGUF."""
    try:
        with open(file, "rb") as f:
            if f.read(4) != b"GGUF":
                raise ValueError("it does not start with GGUF's magic number")
            (version,) = struct.unpack("<I", f.read(4))
            if version < 2:
                raise ValueError(f"GGUF version {version} is older than llama.cpp reads")
            _, n_kv = struct.unpack("<QQ", f.read(16))
            out: dict[str, object] = {}
            for _ in range(n_kv):
                key = _string(f)
                (kind,) = struct.unpack("<I", f.read(4))
                if kind == _ARRAY:
                    _skip_array(f)
                else:
                    out[key] = _string(f) if kind == _STRING else _scalar(f, kind)
            return out
    except (OSError, ValueError, struct.error, UnicodeDecodeError) as e:
        raise ModelLoadError(f"cannot read {file} as a GGUF file ({one_line(e, 200)}); pass a .gguf model file") from None


def _string(f: Any) -> str:
    (n,) = struct.unpack("<Q", f.read(8))
    if n > 1 << 24:
        raise ValueError(f"a header string of {n} bytes")
    return f.read(n).decode("utf-8")


def _scalar(f: Any, kind: int) -> object:
    if kind not in _SCALARS:
        raise ValueError(f"unknown value type {kind} in the header")
    fmt = _SCALARS[kind]
    return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]


def _skip_array(f: Any) -> None:
    kind, count = struct.unpack("<IQ", f.read(12))
    if kind == _STRING:
        for _ in range(count):
            (n,) = struct.unpack("<Q", f.read(8))
            f.seek(n, 1)
    elif kind == _ARRAY:
        for _ in range(count):
            _skip_array(f)
    elif kind in _SCALARS:
        f.seek(count * struct.calcsize(_SCALARS[kind]), 1)
    else:
        raise ValueError(f"unknown array type {kind} in the header")


def gguf_architecture(file: Path) -> str:
    """The architecture a GGUF file declares; ModelLoadError naming the file if it is not GGUF at all."""
    return str(gguf_metadata(file).get("general.architecture", "unknown"))


class LlamaContext:
    """A llama.cpp model with one context of ``n_seq`` sequences, each up to ``n_ctx_seq`` tokens."""

    def __init__(self, file: Path, *, n_seq: int, n_ctx_seq: int, threads: int = 0, n_batch: int = 512) -> None:
        import llama_cpp as ll

        self.ll = ll
        arch = gguf_architecture(file)
        ll.llama_log_set(_log_callback(), ctypes.c_void_p(0))
        ll.llama_backend_init()
        params = ll.llama_model_default_params()
        with _llama_errors() as said:
            self.model = ll.llama_model_load_from_file(str(file).encode(), params)
        if not self.model:
            raise ModelLoadError(f"llama.cpp cannot load {file} (architecture {arch!r}: {_reason(said)}); a newer llama.cpp "
                                 "may (pip install -U llama-cpp-python), or set model.engine = \"transformers\"")
        self.vocab = ll.llama_model_get_vocab(self.model)
        self.n_vocab = int(ll.llama_vocab_n_tokens(self.vocab))
        self.n_ctx_train = int(ll.llama_model_n_ctx_train(self.model))
        cparams = ll.llama_context_default_params()
        n_threads = threads or max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
        cparams.n_ctx = n_seq * n_ctx_seq
        cparams.n_seq_max = n_seq
        cparams.n_batch = n_batch
        cparams.n_ubatch = n_batch
        cparams.n_threads = cparams.n_threads_batch = n_threads
        cparams.kv_unified = False  # one KV stream per sequence: a sequence's attention reads its own tokens only
        cparams.no_perf = True
        self.ctx = ll.llama_init_from_model(self.model, cparams)
        if not self.ctx:
            ll.llama_model_free(self.model)
            raise ModelLoadError(f"llama.cpp cannot make a context of {n_seq} x {n_ctx_seq} tokens for {file}; lower "
                                 "model.max_batch or model.max_context_tokens")
        self.n_seq, self.n_ctx_seq, self.n_batch = n_seq, n_ctx_seq, n_batch
        self.memory = ll.llama_get_memory(self.ctx)
        self.batch = ll.llama_batch_init(n_batch, 0, 1)
        self._adapters: dict[str, Any] = {}
        self._stacks: dict[str, tuple[str, ...]] = {}  # name -> the adapters applied together for it, the lower first
        self._current: str | None = None
        log.info("llama.cpp: %s (%s), %d sequences x %d tokens, %d threads", file, arch, n_seq, n_ctx_seq, n_threads)

    def decode(self, chunks: list[Chunk]) -> list[int]:
        """Decode every chunk in one batch (at most ``n_batch`` tokens in all); the batch index of each logits row asked
        for, in chunk order. RuntimeError when llama.cpp fails."""
        b, i, rows = self.batch, 0, []
        for c in chunks:
            for k, token in enumerate(c.tokens):
                b.token[i] = token
                b.pos[i] = c.start + k
                b.n_seq_id[i] = 1
                b.seq_id[i][0] = c.seq
                b.logits[i] = 0
                i += 1
            if c.logits:
                b.logits[i - 1] = 1
                rows.append(i - 1)
        b.n_tokens = i
        status = self.ll.llama_decode(self.ctx, b)
        if status != 0:
            raise RuntimeError(f"llama_decode returned {status}" + (" (no room left in the KV cache)" if status == 1 else ""))
        return rows

    def logits(self, row: int) -> Any:
        """The logits of batch row ``row`` as a numpy view of llama.cpp's buffer (valid until the next decode)."""
        import numpy as np

        return np.ctypeslib.as_array(self.ll.llama_get_logits_ith(self.ctx, row), shape=(self.n_vocab,))

    def forget(self, seq: int, start: int = 0) -> bool:
        """Drop sequence ``seq``'s KV entries from position ``start`` on; False if llama.cpp cannot cut it there."""
        return bool(self.ll.llama_memory_seq_rm(self.memory, seq, start, -1))

    def copy(self, source: int, target: int) -> None:
        """Sequence ``target`` becomes a copy of sequence ``source`` (each sequence has its own KV stream, so llama.cpp
        copies the whole buffer, at the start of the next decode: a memcpy, far cheaper than decoding a prompt)."""
        self.ll.llama_memory_seq_cp(self.memory, source, target, -1, -1)

    def load_adapter(self, name: str, file: Path) -> None:
        with _llama_errors() as said:
            handle = self.ll.llama_adapter_lora_init(self.model, str(file).encode())
        if not handle:
            raise LoraAdapterError(f"adapter {name!r} does not fit this model ({file}: {_reason(said)}); it was trained "
                                   "for another base model")
        self._adapters[name] = handle

    def stack(self, name: str, under: str) -> None:
        """Serve adapter ``name`` on top of ``under``: both applied at scale 1, so each weight changes by the sum of
        their changes, as the transformers engine's stacked adapter does."""
        self._stacks[name] = (under, name)

    def use_adapter(self, name: str | None) -> None:
        """The adapter the next decodes run with (None: the base model)."""
        if name == self._current:
            return
        ll = self.ll
        if name is None:
            ll.llama_set_adapters_lora(self.ctx, None, 0, None)
        else:
            names = self._stacks.get(name, (name,))
            handles = (ll.llama_adapter_lora_p_ctypes * len(names))(*(self._adapters[n] for n in names))
            scales = (ctypes.c_float * len(names))(*([1.0] * len(names)))
            if ll.llama_set_adapters_lora(self.ctx, handles, len(names), scales) != 0:
                raise RuntimeError(f"llama.cpp refused adapter {name!r}")
        self._current = name

    def close(self) -> None:
        ll = self.ll
        if self.ctx:
            ll.llama_batch_free(self.batch)
            ll.llama_free(self.ctx)
            self.ctx = None
        self._adapters.clear()  # llama.cpp frees a model's adapters with it
        if self.model:
            ll.llama_model_free(self.model)
            self.model = None

"""The local backend: a Hugging Face causal LM with a chat template, loaded without any model hub.

One worker thread owns the model, so model work never blocks the event loop; requests of different conversations
that wait are generated together, in batches (``chatkit.engine.transformers.batching``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from chatkit.engine.jobs import Job
from chatkit.engine.local import LocalEngine
from chatkit.engine.processors import build_processors
from chatkit.engine.tokenizer import load_chat_tokenizer
from chatkit.engine.transformers.batching import BatchRunner, Rows, RowSampler, RowStop, RowStreamer
from chatkit.engine.transformers.devices import DTYPES, pick_device, pick_dtype
from chatkit.engine.transformers.prefix_cache import PrefixCache
from chatkit.errors import LoraAdapterError, ModelLoadError, one_line
from chatkit.models.lora import BASE, CHAT, attach, resolve_path, shipped_for
from chatkit.models.resolve import resolve_model


def _cache_argument() -> str:
    """transformers 5.24 renamed generate's ``past_key_values`` (argument and output field) to ``cache`` and warns on
    the old name; older versions know only the old one."""
    from importlib.metadata import version

    major, minor = (int(part) for part in re.findall(r"\d+", version("transformers"))[:2])
    return "cache" if (major, minor) >= (5, 24) else "past_key_values"


CACHE_ARGUMENT = _cache_argument()

log = logging.getLogger(__name__)


class TransformersGenerator(LocalEngine):
    """A local ``transformers`` causal LM. Use ``TransformersGenerator.load(path)``."""

    def __init__(self, model: Any, tokenizer: Any, *, name: str, max_context_tokens: int,
                 adapters: Sequence[str] = (), default_adapter: str | None = None, merged: bool = False,
                 unavailable_adapters: Mapping[str, str] | None = None, max_batch: int = 8,
                 batch_wait_s: float = 0.005, prefix_cache_tokens: int = 16384) -> None:
        eos = model.generation_config.eos_token_id
        eos = [] if eos is None else [eos] if isinstance(eos, int) else list(eos)
        super().__init__(tokenizer, name=name, max_context_tokens=max_context_tokens,
                         eos_token_ids=[*eos, *([tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else [])],
                         adapters=adapters, default_adapter=default_adapter, merged=merged,
                         unavailable_adapters=unavailable_adapters)
        self.model = model
        self.prefix_cache = PrefixCache(prefix_cache_tokens) if prefix_cache_tokens > 0 else None
        self._runner = BatchRunner(self._run_batch, max_batch=max_batch, wait_s=batch_wait_s, busy=lambda: len(self._active) > 1)
        pad = tokenizer.pad_token_id
        self.pad_token_id = pad if pad is not None else (self.eos_token_ids[0] if self.eos_token_ids else 0)

    @classmethod
    def load(cls, path: str | Path | None = None, *, device: str = "auto", dtype: str = "auto", threads: int = 0,
             max_context_tokens: int = 0, adapters: Mapping[str, str | Path] | None = None,
             default_adapter: str | None = None, merge: bool = False, shipped_adapters: bool = True,
             stack_on: str | None = None, max_batch: int = 8, batch_wait_s: float = 0.005, prefix_cache_tokens: int = 16384,
             announce: Callable[[str], None] | None = None) -> TransformersGenerator:
        """Load a model without touching any model hub: a catalogue name (default ``smollm2-135m``,
        pulled once if missing), a ``.gguf`` file or a Hugging Face directory.

        ``adapters`` maps names to LoRA adapter directories (``bundled:NAME`` for shipped ones); all are
        attached once, and each request picks one. Shipped adapters trained for this base are attached
        too (``shipped_adapters``). ``merge`` folds a single configured adapter into the weights (with none configured,
        the default adapter if it is a shipped one: ``chat``). The default adapter
        ``chat`` falls back to the base model where no chat adapter fits it; ``stack_on`` names an adapter that every
        other one is served on top of (``chatkit.models.lora.attach``).
        ``max_context_tokens`` caps the model's own window (0: no cap).
        """
        if dtype not in DTYPES:
            raise ModelLoadError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
        dev = pick_device(device)  # a missing GPU fails before anything is read
        resolved = resolve_model(path, announce=announce)
        model_dir = resolved.path
        import torch
        from transformers import AutoModelForCausalLM
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a progress bar per load is noise in a chat or a pipe
        if threads:
            torch.set_num_threads(threads)
        tokenizer = load_chat_tokenizer(model_dir)
        dt = pick_dtype(dtype, dev, model_dir)
        try:
            model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True, dtype=getattr(torch, dt))
        except Exception as e:  # a corrupt weights file raises safetensors' own error type, among others
            raise ModelLoadError(f"cannot load a causal language model from {model_dir}: {one_line(e)}; "
                                 "pull or copy the model again") from None
        own = int(getattr(model.config, "max_position_embeddings", 0) or 2048)
        limit = min(max_context_tokens, own) if max_context_tokens else own
        paths = {name: resolve_path(str(p)) for name, p in (adapters or {}).items()}
        if merge and not paths and default_adapter not in (None, BASE) and shipped_adapters:
            # `merge = true` alone: the default adapter, a shipped one (`chat`), is the one merged
            fits, _ = shipped_for(model_dir, resolved.name)
            if default_adapter in fits:
                paths = {default_adapter: fits[default_adapter]}
        if merge and len(paths) != 1:
            raise LoraAdapterError(f"merge needs exactly one adapter, not {len(paths)}")
        shipped, unavailable = shipped_for(model_dir, resolved.name) if shipped_adapters and not merge else ({}, {})
        paths = {**{k: v for k, v in shipped.items() if k not in paths}, **paths}
        unavailable = {k: v for k, v in unavailable.items() if k not in paths}
        default_adapter = None if default_adapter == BASE else default_adapter
        if default_adapter == CHAT and CHAT not in paths:  # the config's default, for a model with no chat adapter (tiny)
            log.info("no chat adapter fits %s: replies come from the base model", resolved.name or model_dir)
            default_adapter = None
        if default_adapter is not None and default_adapter not in paths:
            configured = ", ".join(paths) or "none"
            raise LoraAdapterError(f"the default adapter {default_adapter!r} is not among the configured ones ({configured})")
        model = attach(model, paths, model_dir, stack_on=stack_on if stack_on in paths else None)
        if merge:
            model = model.merge_and_unload()
        model.to(dev).eval()
        log.info("loaded %s on %s in %s (%.1fM parameters, context %d tokens%s)", model_dir, dev, dt,
                 sum(p.numel() for p in model.parameters()) / 1e6, limit, f", adapters {', '.join(paths)}" if paths else "")
        return cls(model, tokenizer, name=resolved.name or str(model_dir), max_context_tokens=limit, adapters=tuple(paths),
                   default_adapter=default_adapter or (next(iter(paths)) if merge else None), merged=merge,
                   unavailable_adapters=unavailable, max_batch=max_batch, batch_wait_s=batch_wait_s,
                   prefix_cache_tokens=prefix_cache_tokens)

    def _submit(self, job: Job) -> None:
        self._runner.submit(job)

    def _run_batch(self, jobs: list[Job]) -> None:
        """Runs in the model thread: one left-padded ``generate`` for ``jobs`` (all of one adapter)."""
        import torch

        # processors.py subclasses transformers' LogitsProcessor: importing it loads torch, so it waits for a batch

        chains, ok = [], []
        for j in jobs:  # a job whose processors cannot be built fails alone
            try:
                chains.append(build_processors(j.decoding, prompt_len=len(j.prompt), bot_replies=j.bot_replies,
                                               breaker_ids=j.breakers, eos_ids=self.eos_token_ids))
                ok.append(j)
            except Exception as e:
                log.exception("a request's decoding could not be set up")
                j.fail(e)
        jobs = ok
        if not jobs:
            return
        width = max(len(j.prompt) for j in jobs)
        pads = [width - len(j.prompt) for j in jobs]
        input_ids = torch.full((len(jobs), width), self.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(jobs), width), dtype=torch.long)
        for i, job in enumerate(jobs):
            input_ids[i, pads[i]:] = torch.tensor(job.prompt)
            mask[i, pads[i]:] = 1
        rows = Rows.of(len(jobs))
        sampler = RowSampler(chains, pads, [j.decoding.greedy for j in jobs], [j.decoding.seed for j in jobs], rows,
                             self.model.device, on_error=lambda i, e: jobs[i].fail(e))
        # a reply alone reuses the keys and values of a cached prefix (its conversation's previous turn, usually)
        reuse = self.prefix_cache is not None and len(jobs) == 1
        cached = self.prefix_cache.take(jobs[0].adapter, jobs[0].prompt)[0] if reuse and self.prefix_cache else None
        with torch.inference_mode(), self._adapter(jobs[0].adapter):
            out = self.model.generate(
                input_ids.to(self.model.device), attention_mask=mask.to(self.model.device),
                streamer=RowStreamer(jobs, rows, set(self.eos_token_ids)),
                stopping_criteria=_stopping(RowStop(jobs, width, rows)), logits_processor=[sampler],
                eos_token_id=self.eos_token_ids or None, pad_token_id=self.pad_token_id, do_sample=False,
                max_new_tokens=max(j.decoding.max_new_tokens for j in jobs), repetition_penalty=1.0,
                no_repeat_ngram_size=0, return_dict_in_generate=reuse,
                **({CACHE_ARGUMENT: cached} if cached is not None else {}),
            )
        cache = getattr(out, "cache", None) if CACHE_ARGUMENT == "cache" else getattr(out, "past_key_values", None)
        if reuse and self.prefix_cache is not None and cache is not None:
            self.prefix_cache.put(jobs[0].adapter, out.sequences[0].tolist(), cache)

    def _adapter(self, name: str | None) -> contextlib.AbstractContextManager[Any]:
        """Select the adapter for one generation. Runs in the model thread, so requests never mix adapters."""
        if not self.adapters or self.merged:
            return contextlib.nullcontext()
        if name is None:
            return self.model.disable_adapter()  # type: ignore[no-any-return]
        self.model.set_adapter(name)
        return contextlib.nullcontext()

    async def aclose(self) -> None:
        for event in list(self._active):
            event.set()
        await asyncio.get_running_loop().run_in_executor(None, self._runner.close)


def _stopping(rows: RowStop) -> Any:
    from transformers import StoppingCriteria, StoppingCriteriaList

    class PerRow(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return rows(input_ids, scores)

    return StoppingCriteriaList([PerRow()])

"""The llama.cpp engine: a GGUF model, loaded as shipped, run by llama.cpp with chatkit's own decoding.

llama.cpp computes the logits (one context, several sequences, continuous batching: ``scheduler.py``); prompts, chat
templates, processors, sampling, stop strings and adapters' names are chatkit's, shared with the transformers engine
(``chatkit.engine.local``, ``chatkit.engine.processors``), so a request means the same on either engine. Needs the
optional extra: ``pip install 'chatkit[llamacpp]'`` (llama-cpp-python).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from chatkit.engine.jobs import Job
from chatkit.engine.llamacpp.lora import base_shape, gguf_lora
from chatkit.engine.llamacpp.native import LlamaContext, gguf_metadata
from chatkit.engine.llamacpp.scheduler import Scheduler
from chatkit.engine.local import LocalEngine
from chatkit.engine.tokenizer import load_chat_tokenizer
from chatkit.errors import LoraAdapterError, ModelLoadError, one_line
from chatkit.models.lora import BASE, CHAT, resolve_path, shipped_for
from chatkit.models.resolve import resolve_gguf

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'chatkit[llamacpp]'"


def single_threaded_torch() -> None:
    """Keep torch (the policies' models, sampling) to one thread in a process that runs llama.cpp.

    llama.cpp's threads meet at an OpenMP barrier after every operation, and they share torch's libgomp. Once torch has
    started threads of its own, libgomp counts more threads than cores and its barriers stop spinning and sleep: on
    2 cores llama.cpp then decodes 25-50% slower, for the rest of the process. One torch thread starts none. Must run
    before torch's first multi-threaded operation: threads once started stay.
    """
    from importlib.util import find_spec

    if find_spec("torch") is None:
        return
    import torch

    if torch.get_num_threads() != 1:
        log.info("torch set to one thread: llama.cpp shares its OpenMP runtime and slows down beside more")
        torch.set_num_threads(1)


def llama_cpp_available() -> bool:
    """Whether llama-cpp-python can be imported here (without importing it: that loads the native library)."""
    from importlib.util import find_spec

    return find_spec("llama_cpp") is not None


class LlamaCppGenerator(LocalEngine):
    """A GGUF model in llama.cpp. Use ``LlamaCppGenerator.load(path)``."""

    def __init__(self, ctx: LlamaContext, tokenizer: Any, *, name: str, max_context_tokens: int, eos_token_ids: list[int],
                 adapters: tuple[str, ...] = (), default_adapter: str | None = None,
                 unavailable_adapters: Mapping[str, str] | None = None) -> None:
        super().__init__(tokenizer, name=name, max_context_tokens=max_context_tokens, eos_token_ids=eos_token_ids,
                         adapters=adapters, default_adapter=default_adapter, unavailable_adapters=unavailable_adapters)
        self.scheduler = Scheduler(ctx, eos_ids=self.eos_token_ids)

    @classmethod
    def load(cls, path: str | Path | None = None, *, threads: int = 0, max_context_tokens: int = 0,
             adapters: Mapping[str, str | Path] | None = None, default_adapter: str | None = None,
             shipped_adapters: bool = True, stack_on: str | None = None, max_batch: int = 8,
             announce: Callable[[str], None] | None = None) -> LlamaCppGenerator:
        """Load a GGUF model: a catalogue GGUF model (default ``smollm2-135m``, pulled once if missing) or a ``.gguf``
        file. ``max_batch`` replies run at once (one KV sequence each), each in a window of ``max_context_tokens``
        (0: the model's own). ``adapters`` maps names to peft LoRA directories, converted to GGUF once. The default
        adapter ``chat`` falls back to the base model where no chat adapter fits it; ``stack_on`` names an adapter that
        every other one is applied on top of."""
        if not llama_cpp_available():
            raise ModelLoadError(f"the llama.cpp engine needs llama-cpp-python: {INSTALL_HINT}, or set "
                                 "model.engine = \"transformers\"")
        single_threaded_torch()
        model = resolve_gguf(path, announce=announce)
        meta = gguf_metadata(model.file)  # a file that is not GGUF fails here, naming it
        arch = str(meta.get("general.architecture", "unknown"))
        tokenizer = _tokenizer(model.file, model.tokenizer_dir)
        own = _context_length(meta, arch)
        limit = min(max_context_tokens, own) if max_context_tokens else own
        paths = {n: resolve_path(str(p)) for n, p in (adapters or {}).items()}
        if BASE in paths:
            raise LoraAdapterError(f"'{BASE}' is reserved (it means no adapter); rename that adapter")
        shipped: dict[str, Path] = {}
        unavailable: dict[str, str] = {}
        if shipped_adapters and model.tokenizer_dir is not None:  # a catalogue model: its shipped adapters are known
            shipped, unavailable = shipped_for(model.tokenizer_dir, model.name)
        paths = {**{k: v for k, v in shipped.items() if k not in paths}, **paths}
        unavailable = {k: v for k, v in unavailable.items() if k not in paths}
        default_adapter = None if default_adapter == BASE else default_adapter
        if default_adapter == CHAT and CHAT not in paths:  # the config's default, for a model with no chat adapter
            log.info("no chat adapter fits %s: replies come from the base model", model.name or model.file)
            default_adapter = None
        if default_adapter is not None and default_adapter not in paths:
            configured = ", ".join(paths) or "none"
            raise LoraAdapterError(f"the default adapter {default_adapter!r} is not among the configured ones ({configured})")
        shape = base_shape(model.file) if paths else None
        lora_files = {n: gguf_lora(n, p, shape) for n, p in paths.items()} if shape else {}
        ctx = LlamaContext(model.file, n_seq=max_batch, n_ctx_seq=limit, threads=threads)
        try:
            for n, f in lora_files.items():
                ctx.load_adapter(n, f)
            under = paths.get(stack_on) if stack_on else None
            for n, p in paths.items():
                if under is not None and n != stack_on and p.resolve() != under.resolve():
                    ctx.stack(n, str(stack_on))
        except LoraAdapterError:
            ctx.close()
            raise
        eos = _eos_ids(tokenizer, model.tokenizer_dir)
        log.info("loaded %s in llama.cpp (context %d tokens, %d at once%s)", model.file, limit, max_batch,
                 f", adapters {', '.join(paths)}" if paths else "")
        return cls(ctx, tokenizer, name=model.name or model.file.stem, max_context_tokens=limit, eos_token_ids=eos,
                   adapters=tuple(paths), default_adapter=default_adapter, unavailable_adapters=unavailable)

    def _submit(self, job: Job) -> None:
        self.scheduler.submit(job)

    async def aclose(self) -> None:
        for event in list(self._active):
            event.set()
        await asyncio.get_running_loop().run_in_executor(None, self.scheduler.close)


def _tokenizer(file: Path, folder: Path | None) -> Any:
    """The model's Hugging Face tokenizer and chat template: a pulled model's saved copy, else read from the GGUF file
    (as transformers reads GGUF; the weights are not touched)."""
    if folder is not None:
        return load_chat_tokenizer(folder)
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(file.parent, gguf_file=file.name)
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as e:
        raise ModelLoadError(f"cannot read the tokenizer of {file}: {one_line(e)}; is it a chat model's GGUF file?") from None
    if not getattr(tokenizer, "chat_template", None):
        raise ModelLoadError(f"{file} carries no chat template (tokenizer.chat_template); use a chat model")
    return tokenizer


def _context_length(meta: Mapping[str, object], arch: str) -> int:
    value = meta.get(f"{arch}.context_length")
    return int(value) if isinstance(value, int) else 2048


def _eos_ids(tokenizer: Any, folder: Path | None) -> list[int]:
    """The tokens that end a reply: the tokenizer's end of text, and a pulled model's generation config's (as the
    transformers engine takes them)."""
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    config = folder / "generation_config.json" if folder is not None else None
    if config is not None and config.is_file():
        eos = json.loads(config.read_text()).get("eos_token_id")
        ids |= set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    return sorted(ids)

"""The llama.cpp engine on the tiny model written as GGUF (float32, the same weights as the transformers engine's):
it says what the transformers engine says, greedy and sampled (chatkit's processors and sampling on llama.cpp's logits),
with and without a LoRA adapter; requests join and leave a running batch; a conversation's next turn reuses its slot's
cached prefix; errors name the file and what to do. Skipped where llama-cpp-python is not installed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from contextlib import aclosing
from pathlib import Path
from typing import Any

import pytest

from chatkit import ChatBot, DecodingConfig, MemoryStore, Message, ModelLoadError, Role, Settings
from chatkit.build import local_engine
from chatkit.config import validate_settings
from chatkit.engine.decoding import PRESETS
from chatkit.errors import ConfigError, LoraAdapterError

SYSTEM = Message(Role.SYSTEM, "You are a friendly chat partner.")
GREEDY = DecodingConfig(temperature=0.0, max_new_tokens=24)


def prompt(i: int) -> list[Message]:
    return [SYSTEM, Message(Role.USER, f"hello number {i}, what do you like to do?")]


async def test_greedy_replies_are_the_transformers_engines(llamacpp: Any, generator: Any) -> None:
    for i in range(4):
        assert (await llamacpp.generate(prompt(i), GREEDY)).text == (await generator.generate(prompt(i), GREEDY)).text


async def test_sampled_replies_with_every_control_are_the_transformers_engines(llamacpp: Any, generator: Any) -> None:
    # the same processor chain and seeded draw over (almost) the same logits: the same tokens come out
    configs = [PRESETS["balanced"].with_overrides(seed=3, max_new_tokens=24),
               PRESETS["creative"].with_overrides(seed=4, max_new_tokens=24),
               DecodingConfig(temperature=0.9, top_k=20, typical_p=0.9, seed=5, no_repeat_ngram_size=2, frequency_penalty=0.4,
                              repetition_penalty=1.2, repetition_scope="prompt", min_new_tokens=8, max_new_tokens=24)]
    history = [SYSTEM, Message(Role.USER, "hi"), Message(Role.ASSISTANT, "hello! i like to read books."),
               Message(Role.USER, "what do you like to do?")]
    for d in configs:
        assert (await llamacpp.generate(history, d)).text == (await generator.generate(history, d)).text


async def test_an_adapter_changes_the_reply_as_it_does_on_transformers(llamacpp: Any, generator: Any) -> None:
    base = (await llamacpp.generate(prompt(1), GREEDY, adapter="base")).text
    adapted = (await llamacpp.generate(prompt(1), GREEDY, adapter="bookshop-tiny")).text
    assert adapted != base
    assert adapted == (await generator.generate(prompt(1), GREEDY, adapter="bookshop-tiny")).text


async def test_requests_join_a_running_batch_and_leave_it(llamacpp: Any) -> None:
    long = asyncio.create_task(llamacpp.generate(prompt(0), GREEDY.with_overrides(max_new_tokens=300, min_new_tokens=300)))
    while not any(s.run for s in llamacpp.scheduler.slots):
        await asyncio.sleep(0.001)
    short = await llamacpp.generate(prompt(1), GREEDY.with_overrides(max_new_tokens=4, min_new_tokens=4))
    assert short.completion_tokens == 4 and not long.done(), "the short reply joined and left while the long one ran"
    assert (await long).completion_tokens == 300


async def test_concurrent_replies_are_the_replies_alone_each_with_its_own_decoding(llamacpp: Any) -> None:
    jobs = [(prompt(i), d, a) for i, (d, a) in enumerate([
        (GREEDY, None), (DecodingConfig(temperature=0.8, seed=7, max_new_tokens=16), None),
        (GREEDY.with_overrides(max_new_tokens=5, min_new_tokens=5), "bookshop-tiny"),
        (GREEDY.with_overrides(stop=("a",)), None), (PRESETS["balanced"].with_overrides(seed=1), "bookshop-tiny"),
        (GREEDY.with_overrides(no_repeat_ngram_size=2), None)])]
    alone = [(await llamacpp.generate(p, d, a)).text for p, d, a in jobs]
    together = await asyncio.gather(*(llamacpp.generate(p, d, a) for p, d, a in jobs))
    assert [g.text for g in together] == alone


async def test_a_closed_stream_frees_its_slot_within_a_step(llamacpp: Any) -> None:
    stream = llamacpp.stream(prompt(2), GREEDY.with_overrides(max_new_tokens=400, min_new_tokens=400))
    async with aclosing(stream):
        async for _ in stream:
            break
    assert not any(s.run for s in llamacpp.scheduler.slots), "closing waits until the model thread let the slot go"


async def test_the_next_turn_decodes_only_its_new_tokens_and_says_the_same(llamacpp: Any, generator: Any) -> None:
    settings = Settings(decoding={"preset": "greedy", "max_new_tokens": 16})
    bots = [ChatBot(g, settings=settings, store=MemoryStore()) for g in (llamacpp, generator)]
    before = llamacpp.scheduler.reused_tokens
    for text in ("hi there", "i like to read books", "what do you like?"):
        first, second = [await bot.reply("c", text) for bot in bots]
        assert first.text == second.text
    assert llamacpp.scheduler.reused_tokens - before > 40, "turns 2 and 3 reused the earlier turns' keys and values"


async def test_a_prompt_longer_than_the_context_fails_alone(llamacpp: Any) -> None:
    long = [Message(Role.USER, "word " * 700)]
    results = await asyncio.gather(llamacpp.generate(long, GREEDY), llamacpp.generate(prompt(3), GREEDY),
                                   return_exceptions=True)
    assert isinstance(results[0], Exception) and "context" in str(results[0])
    assert not isinstance(results[1], Exception) and results[1].text


def test_a_file_that_is_not_gguf_is_one_error_naming_it(tmp_path: Path, llamacpp: Any) -> None:
    from chatkit.engine.llamacpp.generator import LlamaCppGenerator

    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a gguf file at all" * 10)
    with pytest.raises(ModelLoadError, match=r"junk\.gguf") as e:
        LlamaCppGenerator.load(junk)
    assert "\n" not in str(e.value)


def test_an_architecture_llama_cpp_lacks_is_one_error_naming_it(tmp_path: Path, llamacpp: Any) -> None:
    import gguf

    from chatkit.engine.llamacpp.generator import LlamaCppGenerator

    odd = tmp_path / "odd.gguf"
    writer = gguf.GGUFWriter(str(odd), "no-such-arch")
    writer.add_tensor("token_embd.weight", __import__("numpy").zeros((4, 4), dtype="float32"))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(ModelLoadError, match=r"odd\.gguf.*no-such-arch|no-such-arch.*odd\.gguf|odd\.gguf"):
        LlamaCppGenerator.load(odd)


def test_an_adapter_for_another_base_is_one_error(tiny_gguf_file: Path, llamacpp: Any, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from chatkit.engine.llamacpp.generator import LlamaCppGenerator

    monkeypatch.setenv("CHATKIT_MODELS_DIR", str(tmp_path))
    with pytest.raises(LoraAdapterError, match="bookshop") as e:
        LlamaCppGenerator.load(tiny_gguf_file, adapters={"bookshop": "bundled:bookshop"})  # trained on smollm2-135m
    assert "another base model" in str(e.value)


def test_auto_picks_llama_cpp_for_gguf_models_only(tiny_gguf_file: Path, llamacpp: Any) -> None:
    assert local_engine(validate_settings({"model": {"path": str(tiny_gguf_file)}}, "test")) == "llamacpp"
    assert local_engine(validate_settings({"model": {"path": "smollm2-135m"}}, "test")) == "llamacpp"
    assert local_engine(validate_settings({"model": {"path": "tiny"}}, "test")) == "transformers"
    pinned = {"model": {"path": str(tiny_gguf_file), "engine": "transformers"}}
    assert local_engine(validate_settings(pinned, "test")) == "transformers"
    with pytest.raises(ConfigError, match="GGUF models only"):
        local_engine(validate_settings({"model": {"path": "tiny", "engine": "llamacpp"}}, "test"))


async def test_a_new_conversation_starts_from_a_copy_of_a_shared_system_prompt(llamacpp: Any, generator: Any) -> None:
    system = Message(Role.SYSTEM, "You are a friendly chat partner who likes books, music, cooking and long walks by the sea.")
    long = asyncio.create_task(llamacpp.generate([system, Message(Role.USER, "tell me a long story")],
                                                 GREEDY.with_overrides(max_new_tokens=300, min_new_tokens=300)))
    while not any(s.run for s in llamacpp.scheduler.slots):
        await asyncio.sleep(0.001)
    copies = llamacpp.scheduler.copies
    other = [system, Message(Role.USER, "what is your favourite book?")]
    assert (await llamacpp.generate(other, GREEDY)).text == (await generator.generate(other, GREEDY)).text
    assert llamacpp.scheduler.copies == copies + 1, "the busy slot's system prompt was copied, not decoded again"
    await long


async def test_an_adapter_saved_in_bfloat16_is_read(tiny_gguf_file: Path, llamacpp: Any, generator: Any, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from safetensors.torch import load_file, save_file

    from chatkit.engine.llamacpp.generator import LlamaCppGenerator
    from chatkit.models.lora import bundled_adapter

    half = tmp_path / "bf16"
    shutil.copytree(bundled_adapter("bookshop-tiny"), half)
    weights = half / "adapter_model.safetensors"
    save_file({k: v.bfloat16() for k, v in load_file(weights).items()}, weights)  # as the shipped chat adapter is saved
    monkeypatch.setenv("CHATKIT_MODELS_DIR", str(tmp_path / "models"))
    engine = LlamaCppGenerator.load(tiny_gguf_file, adapters={"half": half}, shipped_adapters=False, max_batch=1,
                                    max_context_tokens=512)
    try:
        reply = (await engine.generate(prompt(1), GREEDY, adapter="half")).text
    finally:
        engine.scheduler.close()
    assert reply == (await generator.generate(prompt(1), GREEDY, adapter="bookshop-tiny")).text


def test_loading_keeps_torch_to_one_thread(tiny_gguf_file: Path, llamacpp: Any) -> None:
    """llama.cpp shares torch's OpenMP runtime, whose barriers stop spinning once torch has threads of its own (the
    policies' models run in torch): a fresh process, as a user's, ends up with one torch thread."""
    code = ("import torch; torch.set_num_threads(2); from chatkit.engine.llamacpp.generator import LlamaCppGenerator; "
            f"LlamaCppGenerator.load({str(tiny_gguf_file)!r}, shipped_adapters=False, max_batch=1); "
            "print(torch.get_num_threads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "1"


def test_the_header_is_read_as_gguf_reads_it_but_without_its_arrays(tiny_gguf_file: Path, llamacpp: Any,
                                                                    tmp_path: Path) -> None:
    import gguf

    from chatkit.engine.llamacpp.native import gguf_metadata

    reader = gguf.GGUFReader(str(tiny_gguf_file))
    expected = {k: f.contents() for k, f in reader.fields.items()
                if not k.startswith("GGUF.") and f.types[0] != gguf.GGUFValueType.ARRAY}
    meta = gguf_metadata(tiny_gguf_file)
    assert meta.keys() == expected.keys() and "general.architecture" in meta
    assert all(meta[k] == pytest.approx(v) if isinstance(v, float) else meta[k] == v for k, v in expected.items())
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_gguf_file.read_bytes()[:300])
    with pytest.raises(ModelLoadError, match=r"cut\.gguf"):
        gguf_metadata(cut)

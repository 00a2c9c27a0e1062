"""The shipped chat adapter: on by default where it fits, the base model where it does not, and user adapters stacked on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from peft import PeftModel

from chatkit import ChatBot, DecodingConfig, Message, Role, Settings
from chatkit.build import build_generator
from chatkit.engine.llamacpp.generator import LlamaCppGenerator, llama_cpp_available
from chatkit.engine.transformers.generator import TransformersGenerator
from chatkit.errors import LoraAdapterError
from chatkit.models.catalogue import bundled_model_path
from chatkit.models.lora import CHAT, bundled_adapter, shipped_for
from chatkit.models.lora_train import LoraSettings, train_lora

ROOT = Path(__file__).resolve().parents[3]
GREEDY = DecodingConfig(temperature=0.0, max_new_tokens=20)


@pytest.fixture(scope="module")
def own_adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's adapter, trained on the plain tiny model with chatkit train-lora's code."""
    tmp = tmp_path_factory.mktemp("own")
    data = tmp / "persona.jsonl"
    data.write_text("\n".join((ROOT / "examples" / "bookshop.jsonl").read_text().splitlines()[:24]) + "\n")
    train_lora(data, tmp / "adapter", base="tiny", settings=LoraSettings(epochs=1, batch_size=8, max_tokens=96, seed=3),
               progress=lambda line: None)
    return tmp / "adapter"


def logits(model: torch.nn.Module, generator: TransformersGenerator) -> torch.Tensor:
    ids = torch.tensor([generator.encode([Message(Role.USER, "can you recommend a mystery book?")])])
    with torch.no_grad():
        return model(ids).logits


def test_a_stacked_adapter_is_the_lower_one_merged_then_its_own(own_adapter: Path) -> None:
    lower = {"lower": "bundled:bookshop-tiny"}
    stacked = TransformersGenerator.load("tiny", device="cpu", dtype="float32", adapters={**lower, "own": own_adapter},
                                         stack_on="lower", shipped_adapters=False)
    alone = TransformersGenerator.load("tiny", device="cpu", dtype="float32", adapters={"own": own_adapter},
                                       shipped_adapters=False)
    merged = TransformersGenerator.load("tiny", device="cpu", dtype="float32", adapters=lower, merge=True)
    lower_only = logits(merged.model, merged)
    reference = PeftModel.from_pretrained(merged.model, str(own_adapter))  # the user's adapter over the merged weights
    stacked.model.set_adapter("own")
    alone.model.set_adapter("own")
    assert torch.allclose(logits(stacked.model, stacked), logits(reference, merged), atol=1e-4)
    assert not torch.allclose(logits(stacked.model, stacked), logits(alone.model, alone), atol=1e-3), "the lower adapter counts"
    assert stacked.adapters == ("lower", "own") and "own__own" not in stacked.model.peft_config
    stacked.model.set_adapter("lower")
    assert torch.allclose(logits(stacked.model, stacked), lower_only, atol=1e-4), "the lower one is served unchanged"


async def test_the_default_chat_adapter_falls_back_to_the_base_model_where_none_fits(generator: TransformersGenerator) -> None:
    settings = Settings(model={"path": "tiny", "device": "cpu", "dtype": "float32"})
    assert settings.adapters.default == CHAT and settings.adapters.stack_on == CHAT
    built = build_generator(settings)
    assert isinstance(built, TransformersGenerator) and built.default_adapter is None
    reply = await ChatBot(built).reply("c", "hi", decoding=GREEDY)
    assert reply.text == (await ChatBot(generator).reply("c", "hi", decoding=GREEDY)).text
    await built.aclose()


def test_base_turns_the_default_adapter_off_and_unknown_defaults_are_refused() -> None:
    off = build_generator(Settings(model={"path": "tiny", "device": "cpu"}, adapters={"default": "base"}))
    assert isinstance(off, TransformersGenerator) and off.default_adapter is None
    with pytest.raises(LoraAdapterError, match="'nope' is not among the configured ones"):
        build_generator(Settings(model={"path": "tiny", "device": "cpu"}, adapters={"default": "nope"}))


def test_the_shipped_chat_adapter_is_small_fits_the_default_model_only_and_learned() -> None:
    path = bundled_adapter(CHAT)
    assert (path / "adapter_model.safetensors").stat().st_size < 20_000_000
    fits, _ = shipped_for(Path("/nonexistent"), "smollm2-135m")
    assert fits[CHAT] == path
    _, other = shipped_for(bundled_model_path(), "tiny")
    assert "smollm2-135m" in other[CHAT]
    card = json.loads((path / "chatkit_adapter.json").read_text())
    assert card["eval_loss_after"] < card["eval_loss_before"] and card["system_prompt"] == Settings().chat.system_prompt


async def test_greedy_replies_do_not_repeat_themselves(generator: TransformersGenerator) -> None:
    bot = ChatBot(generator, settings=Settings(decoding={"preset": "greedy", "max_new_tokens": 48}))
    previous: list[list[int]] = []
    for message in ["hi", "hello", "hello again", "how are you?", "how are you?"]:
        reply = await bot.reply("g", message)
        tokens = generator.tokenizer.encode(reply.text, add_special_tokens=False)
        grams = [tuple(tokens[i:i + 4]) for i in range(len(tokens) - 3)]
        assert len(grams) == len(set(grams)), f"a 4-gram repeats within {reply.text!r}"
        assert not any(set(grams) & {tuple(p[i:i + 4]) for i in range(len(p) - 3)} for p in previous[-3:]), reply.text
        previous.append(tokens)


async def test_the_llama_cpp_engine_serves_a_stacked_adapter_as_the_transformers_engine_does(
        own_adapter: Path, tiny_gguf_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not llama_cpp_available():
        pytest.skip("llama-cpp-python is not installed (pip install '.[llamacpp]'); the llama.cpp engine is untested here")
    monkeypatch.setenv("CHATKIT_MODELS_DIR", str(tmp_path))  # where the adapters' GGUF forms are cached
    adapters = {"lower": "bundled:bookshop-tiny", "own": str(own_adapter)}
    llama = LlamaCppGenerator.load(tiny_gguf_file, adapters=adapters, stack_on="lower", shipped_adapters=False, max_batch=1,
                                   max_context_tokens=512)
    torch_engine = TransformersGenerator.load("tiny", device="cpu", dtype="float32", adapters=adapters, stack_on="lower",
                                              shipped_adapters=False)
    asked = [Message(Role.USER, "can you recommend a mystery book?")]
    try:
        for adapter in ("own", "lower", None):
            said = (await llama.generate(asked, GREEDY, adapter=adapter)).text
            assert said == (await torch_engine.generate(asked, GREEDY, adapter=adapter)).text, adapter
    finally:
        llama.scheduler.close()

"""LoRA adapters: training, loading, switching per conversation, merging, and bad input."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import torch

from chatkit import ChatBot, DecodingConfig, Message, Role
from chatkit.config import DEFAULT_SYSTEM_PROMPT
from chatkit.engine.transformers.generator import TransformersGenerator
from chatkit.errors import DatasetError, LoraAdapterError, TrainingError
from chatkit.models.lora_train import LoraSettings, encode_chat, read_chats, train_lora

ROOT = Path(__file__).resolve().parents[3]
GREEDY = DecodingConfig(temperature=0.0, max_new_tokens=20)
QUICK = LoraSettings(epochs=1, batch_size=8, max_tokens=96)


@pytest.fixture(scope="module")
def with_bookshop() -> TransformersGenerator:
    return TransformersGenerator.load("tiny", device="cpu", dtype="float32", adapters={"bookshop": "bundled:bookshop-tiny"},
                                      shipped_adapters=False)


@pytest.fixture
def persona_data(tmp_path: Path) -> Path:
    lines = (ROOT / "examples" / "bookshop.jsonl").read_text().splitlines()[:24]
    path = tmp_path / "persona.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_few_steps_lower_the_loss_and_the_card_says_how(persona_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "adapter"
    result = train_lora(persona_data, out, base="tiny", settings=QUICK, progress=lambda line: None)
    assert result.eval_loss_after < result.eval_loss_before
    assert {"adapter_config.json", "adapter_model.safetensors", "chatkit_adapter.json", "README.md"} <= {f.name for f in out.iterdir()}
    card = json.loads((out / "chatkit_adapter.json").read_text())
    assert card["base_model"] == card["base_name"] == "tiny" and len(card["base_fingerprint"]) == 16
    assert card["system_prompt"] == DEFAULT_SYSTEM_PROMPT, "trained with the system prompt chat will send"
    assert card["conversations"] == 24 and card["heldout_conversations"] == 2
    assert card["settings"]["rank"] == 8 and card["eval_loss_after"] == round(result.eval_loss_after, 4)


async def test_the_bundled_adapter_changes_the_output(with_bookshop: TransformersGenerator, generator: TransformersGenerator) -> None:
    bot = ChatBot(with_bookshop)
    await bot.set_adapter("shop", "bookshop")
    shop = await bot.reply("shop", "hi", decoding=GREEDY)
    plain = await bot.reply("plain", "hi", decoding=GREEDY)
    base = await ChatBot(generator).reply("x", "hi", decoding=GREEDY)
    assert "Reading Nook" in shop.text
    assert plain.text == base.text, "without an adapter the base model answers, exactly"
    await bot.set_adapter("shop", "base")
    assert (await bot.reply("shop", "hi", decoding=GREEDY)).text != shop.text


async def test_conversations_keep_their_own_adapters_under_concurrency(with_bookshop: TransformersGenerator) -> None:
    reference = ChatBot(with_bookshop)
    await reference.set_adapter("shop", "bookshop")
    shop_alone = (await reference.reply("shop", "hello, how are you?", decoding=GREEDY)).text
    base_alone = (await reference.reply("base", "hello, how are you?", decoding=GREEDY)).text
    assert shop_alone != base_alone
    bot = ChatBot(with_bookshop)
    for i in range(6):
        await bot.set_adapter(f"c{i}", "bookshop" if i % 2 == 0 else "base")
    replies = await asyncio.gather(*(bot.reply(f"c{i}", "hello, how are you?", decoding=GREEDY) for i in range(6)))
    assert [r.text for r in replies] == [shop_alone, base_alone] * 3, "each conversation got its own adapter's reply"


async def test_merged_and_unmerged_agree() -> None:
    adapters = {"bookshop": "bundled:bookshop-tiny"}
    unmerged = TransformersGenerator.load("tiny", device="cpu", dtype="float32", adapters=adapters)  # fp32: compared to 1e-4
    merged = TransformersGenerator.load("tiny", device="cpu", dtype="float32", adapters=adapters, merge=True)
    ids = torch.tensor([merged.encode([Message(Role.USER, "can you recommend a mystery book?")])])
    with torch.no_grad():
        unmerged.model.set_adapter("bookshop")
        unmerged_logits = unmerged.model(ids).logits
        merged_logits = merged.model(ids).logits
    assert torch.allclose(unmerged_logits, merged_logits, atol=1e-4)
    reply = await ChatBot(merged).reply("m", "hi", decoding=GREEDY)
    assert "Reading Nook" in reply.text
    with pytest.raises(LoraAdapterError, match="merged"):
        await ChatBot(merged).set_adapter("m", "base")


def test_merge_alone_merges_the_default_shipped_adapter() -> None:
    """``[adapters] merge = true`` with no adapter configured folds in the default one, as it would be served."""
    by_default = TransformersGenerator.load("tiny", device="cpu", dtype="float32", default_adapter="bookshop-tiny", merge=True)
    named = TransformersGenerator.load("tiny", device="cpu", dtype="float32", adapters={"bookshop-tiny": "bundled:bookshop-tiny"},
                                       merge=True)
    assert by_default.merged and by_default.adapters == ("bookshop-tiny",)
    ids = torch.tensor([named.encode([Message(Role.USER, "can you recommend a mystery book?")])])
    with torch.no_grad():
        assert torch.equal(by_default.model(ids).logits, named.model(ids).logits)
    with pytest.raises(LoraAdapterError, match="exactly one adapter"):
        TransformersGenerator.load("tiny", device="cpu", default_adapter="base", merge=True)


def test_an_adapter_for_another_base_names_both(gpt2_dir: Path, tmp_path: Path, persona_data: Path) -> None:
    foreign = tmp_path / "gpt2-adapter"
    train_lora(persona_data, foreign, base=gpt2_dir, settings=QUICK, progress=lambda line: None)
    with pytest.raises(LoraAdapterError) as error:
        TransformersGenerator.load("tiny", device="cpu", adapters={"foreign": foreign})
    assert str(gpt2_dir) in str(error.value) and "assets/model" in str(error.value)


@pytest.mark.parametrize("damage", ["missing", "corrupt", "no weights"])
def test_missing_or_corrupt_adapters_are_clear_errors(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "adapter"
    if damage != "missing":
        path.mkdir()
        (path / "adapter_config.json").write_text("{oops" if damage == "corrupt" else "{}")
    message = {"missing": "does not exist", "corrupt": "corrupt", "no weights": "no adapter weights"}[damage]
    with pytest.raises(LoraAdapterError, match=message):
        TransformersGenerator.load("tiny", device="cpu", adapters={"x": path})


async def test_unknown_adapter_names_are_refused(with_bookshop: TransformersGenerator) -> None:
    bot = ChatBot(with_bookshop)
    with pytest.raises(LoraAdapterError, match="unknown adapter 'nope'; available: base, bookshop"):
        await bot.set_adapter("c", "nope")
    assert bot.adapters() == ("base", "bookshop")
    assert (await bot.options("c")).adapter is None


def test_bad_lines_stop_or_are_skipped_with_their_numbers(tmp_path: Path) -> None:
    good = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]})
    data = tmp_path / "d.jsonl"
    data.write_text("\n".join([good, "{not json", json.dumps({"messages": [{"role": "user", "content": "no reply"}]}),
                               json.dumps({"messages": [{"role": "wizard", "content": "x"}]}), good]) + "\n")
    with pytest.raises(DatasetError, match=r"d\.jsonl:2"):
        read_chats(data)
    chats, skipped = read_chats(data, "skip")
    assert len(chats) == 2 and skipped == [2, 3, 4]


@pytest.mark.parametrize("content", ["", "\n\n", '{"messages": "nope"}\n'])
def test_an_empty_dataset_is_refused(tmp_path: Path, content: str) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(content)
    with pytest.raises(DatasetError):
        read_chats(data, "skip")


def test_nothing_is_half_written(persona_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "adapter"
    exploding = LoraSettings(epochs=3, lr=1e12, batch_size=4, max_tokens=64)
    with pytest.raises(TrainingError, match="the loss became"):
        train_lora(persona_data, out, base="tiny", settings=exploding, progress=lambda line: None)
    assert not out.exists() and list(tmp_path.iterdir()) == [persona_data]
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(TrainingError, match="not an empty directory"):
        train_lora(persona_data, out, base="tiny", settings=QUICK)
    assert [f.name for f in out.iterdir()] == ["keep.txt"]


async def test_shipped_adapters_come_without_config_and_say_why_when_they_do_not_fit(generator: TransformersGenerator) -> None:
    bot = ChatBot(generator)  # the suite's tiny model, loaded with no adapter configured
    assert "bookshop-tiny" in bot.adapters()
    assert bot.unavailable_adapters()["bookshop"] == "trained for smollm2-135m, not tiny"
    with pytest.raises(LoraAdapterError, match="'bookshop' cannot be used with this model: trained for smollm2-135m"):
        await bot.set_adapter("c", "bookshop")
    await bot.set_adapter("c", "bookshop-tiny")
    assert "Reading Nook" in (await bot.reply("c", "hi", decoding=GREEDY)).text


def test_training_chats_get_the_system_prompt_chat_sends(generator: TransformersGenerator) -> None:
    chat = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    ids, labels = encode_chat(generator.tokenizer, chat, 256, system_prompt="Be nice.")
    system = [{"role": "system", "content": "Be nice."}, *chat]
    assert ids == generator.tokenizer.apply_chat_template(system, tokenize=True, return_dict=True)["input_ids"]
    assert labels.count(-100) < len(labels), "the assistant's reply is still learned"
    own = [{"role": "system", "content": "Own."}, *chat]
    assert encode_chat(generator.tokenizer, own, 256, system_prompt="Be nice.")[0] == encode_chat(generator.tokenizer, own, 256)[0]


def test_the_base_fingerprint_ignores_which_transformers_saved_the_model(tmp_path: Path) -> None:
    import shutil

    from chatkit.models.cards import model_fingerprint as fingerprint
    from chatkit.models.catalogue import bundled_model_path

    copies = []
    for version, layers in (("4.99.0", None), ("9.9.9", None), ("9.9.9", 7)):
        copy = tmp_path / f"{version}-{layers}"
        shutil.copytree(bundled_model_path(), copy)
        config = json.loads((copy / "config.json").read_text())
        config["transformers_version"] = version
        if layers:
            config["num_hidden_layers"] = layers
        (copy / "config.json").write_text(json.dumps(config, indent=4))
        copies.append(fingerprint(copy))
    assert copies[0] == copies[1] == fingerprint(bundled_model_path()), "the same weights saved by another version"
    assert copies[2] != copies[0], "another config is another model"

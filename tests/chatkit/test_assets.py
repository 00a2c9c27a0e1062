"""The bundled `tiny` model: what the package promises about it."""

from __future__ import annotations

import json
import re

from chatkit import ChatBot, Settings
from chatkit.engine.transformers.generator import TransformersGenerator
from chatkit.models.catalogue import bundled_model_path

OPENERS = ["hi, how are you?", "what do you do for fun?", "do you have any pets?", "what did you do this weekend?",
           "what is your favorite food?", "where are you from?", "do you like music?", "how was your day?"]
COMMON = {"i", "you", "the", "a", "to", "and", "it", "is", "my", "do", "like", "what", "that", "have", "im", "not"}


def test_the_bundled_model_is_small_and_loads_with_plain_transformers() -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = bundled_model_path()
    size = sum(f.stat().st_size for f in path.iterdir())
    assert size <= 40 * 1024 * 1024, f"{size / 1e6:.1f} MB"
    model = AutoModelForCausalLM.from_pretrained(path)
    assert type(model).__name__ == "LlamaForCausalLM"
    tokenizer = AutoTokenizer.from_pretrained(path)
    rendered = tokenizer.apply_chat_template(
        [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}],
        tokenize=False, add_generation_prompt=True)
    assert rendered == "<|system|>S<|end|><|user|>U<|end|><|assistant|>A<|end|><|assistant|>"
    assert 2000 <= len(tokenizer) <= 8192


def test_the_model_card_reports_a_perplexity_that_beats_the_bigram_baseline() -> None:
    path = bundled_model_path()
    metrics = json.loads((path / "metrics.json").read_text())
    card = (path / "README.md").read_text()
    assert metrics["heldout_perplexity"] < 0.8 * metrics["bigram_perplexity"]
    assert str(metrics["heldout_perplexity"]) in card and str(metrics["bigram_perplexity"]) in card
    assert metrics["heldout_conversations"] > 100


async def test_replies_to_openers_are_english_and_end_on_their_own(generator: TransformersGenerator) -> None:
    bot = ChatBot(generator, settings=Settings(decoding={"preset": "balanced", "seed": 1}))
    ended, english = 0, 0
    for i, opener in enumerate(OPENERS):
        reply = await bot.reply(f"opener-{i}", opener)
        ended += reply.finish_reason == "stop"
        words = re.findall(r"[a-z']+", reply.text.lower().replace("'", ""))
        english += bool(words) and sum(w in COMMON for w in words) / len(words) >= 0.15
    assert ended >= 6, f"only {ended} of {len(OPENERS)} replies ended before max_new_tokens"
    assert english >= 7, f"only {english} of {len(OPENERS)} replies look like English"


def test_the_package_owns_no_generic_top_level_names() -> None:
    import importlib.util

    import chatkit.adapters.console
    import chatkit.policies

    assert importlib.util.find_spec("policies") is None and importlib.util.find_spec("adapters") is None, \
        "PyPI's `adapters` (AdapterHub) and chatkit would overwrite each other"
    assert chatkit.policies.Verdict.__module__ == "chatkit.policies.base"
    assert chatkit.adapters.console.ConsoleChat.__module__ == "chatkit.adapters.console"

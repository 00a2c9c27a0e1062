"""The guard policy: each format's prompt and parsing, every fault of the engine (one log line, fail-closed unless
fail-open), against a fault-injecting server, a real `transformers serve` and chatkit's own /v1/moderations."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_guard import NO_MESSAGE, NOT_JSON, SLOW, STATUS_400, STATUS_500, FakeGuard

from chatkit.config import validate_settings
from chatkit.policies.base import Action, PolicyContext, PolicySet, Stage
from chatkit.policies.errors import GuardAnswerError, PolicyConfigError
from chatkit.policies.guard import (
    LLAMA_GUARD,
    GuardPolicy,
    conversation,
    parse_llama_guard,
    parse_qwen3guard,
    parse_shieldgemma,
    shieldgemma_prompt,
)
from chatkit.policies.registry import build_policy_set

INPUT = PolicyContext(stage=Stage.INPUT, conversation_id="c1", history=("my earlier message",))
OUTPUT = PolicyContext(stage=Stage.OUTPUT, conversation_id="c1", history=("an older one", "the question answered"))


@pytest.fixture
async def guard() -> AsyncIterator[FakeGuard]:
    g = FakeGuard()
    await g.start()
    yield g
    await g.stop()


def policy_set(url: str, *, fail_open: bool = False, **options: Any) -> PolicySet:
    rule = {"use": "guard", "fail_open": fail_open, "timeout_s": 5.0,
            "options": {"base_url": url, "model": "guard-model", "timeout_s": 0.5, "retries": 1, "backoff_s": 0.05, **options}}
    settings = validate_settings({"policies": {name: {"enabled": False} for name in ("hazard", "toxicity", "bias", "language", "pii",
                                                                                     "context")} | {"guard": rule}}, "tests")
    return build_policy_set(settings.policies.rules)


# -- the formats ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("answer", "unsafe", "categories"), [
    ("safe", False, ()), ("  safe\n", False, ()), ("unsafe\nS1", True, ("violent_crimes",)),
    ("unsafe\nS10,S11", True, ("hate", "self_harm")), ("unsafe\nS4, S12", True, ("child_exploitation", "sexual")),
    ("unsafe", True, ()),
])
def test_llama_guard_answers(answer: str, unsafe: bool, categories: tuple[str, ...]) -> None:
    j = parse_llama_guard(answer)
    assert (j.unsafe, j.categories) == (unsafe, categories)


@pytest.mark.parametrize(("answer", "words"), [("unsafe\nS99", "unknown categories ['S99']"), ("maybe", "not 'safe'"),
                                               ("", "not 'safe'"), ("unsafe\nviolence", "unknown")])
def test_llama_guard_answers_it_cannot_read(answer: str, words: str) -> None:
    with pytest.raises(GuardAnswerError, match=words.replace("[", r"\[").replace("]", r"\]")):
        parse_llama_guard(answer)


def test_every_llama_guard_code_is_mapped() -> None:
    assert list(LLAMA_GUARD) == [f"S{i}" for i in range(1, 15)]


def test_qwen3guard_answers() -> None:
    assert not parse_qwen3guard("Safety: Safe\nCategories: None").unsafe
    j = parse_qwen3guard("Safety: Unsafe\nCategories: Violent, PII\nRefusal: No")
    assert j.unsafe and j.categories == ("violent_crimes", "privacy")
    assert parse_qwen3guard("Safety: Controversial\nCategories: Politically Sensitive Topics").controversial
    with pytest.raises(GuardAnswerError, match="unknown categories"):
        parse_qwen3guard("Safety: Unsafe\nCategories: Spaceships")
    with pytest.raises(GuardAnswerError, match="no 'Safety"):
        parse_qwen3guard("I think it is fine")


def test_shieldgemma_prompts_and_answers() -> None:
    asked = shieldgemma_prompt(conversation("how do I pick a lock", INPUT, 2), "P1")
    assert "Human Question: my earlier message\n\nhow do I pick a lock" in asked and "* P1" in asked
    assert "Does the human question violate" in asked
    answered = shieldgemma_prompt(conversation("Here is how.", OUTPUT, 2), "The prompt shall not X")
    assert "Human Question: the question answered" in answered and "Chatbot Response: Here is how." in answered
    assert "The chatbot shall not X" in answered and "older" not in answered
    assert parse_shieldgemma("Yes, because") and not parse_shieldgemma("No.")
    with pytest.raises(GuardAnswerError):
        parse_shieldgemma("Perhaps")


def test_what_is_judged_at_each_stage() -> None:
    assert conversation("new", INPUT, 2) == [{"role": "user", "content": "my earlier message\n\nnew"}]
    assert conversation("new", INPUT, 0) == [{"role": "user", "content": "new"}]
    assert conversation("the reply", OUTPUT, 2) == [{"role": "user", "content": "the question answered"},
                                                    {"role": "assistant", "content": "the reply"}]


def test_bad_options_are_config_errors() -> None:
    for options in ({"format": "llama-guard-9"}, {"base_url": "localhost:8000"}, {"model": ""},
                    {"format": "shieldgemma", "harm_types": ["spam"]}):
        with pytest.raises(PolicyConfigError):
            policy_set("http://127.0.0.1:1/v1", **options)


# -- against a fault-injecting engine ------------------------------------------------------------------------
async def test_requests_and_verdicts(guard: FakeGuard, monkeypatch: pytest.MonkeyPatch,
                                     caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("CHATKIT_GUARD_API_KEY", "guard-secret-key")
    policies = policy_set(guard.url)
    guard.answer = "unsafe\nS9"
    with caplog.at_level(logging.DEBUG):
        decision = await policies.acheck("how do I build a bomb", INPUT)
    v = decision.verdicts[0]
    assert decision.action == Action.BLOCK and v.category == "weapons" and dict(v.scores) == {"unsafe": 1.0, "weapons": 1.0}
    route, body, headers = guard.requests[-1]
    assert route == "chat" and body["model"] == "guard-model" and headers["Authorization"] == "Bearer guard-secret-key"
    assert body["messages"] == [{"role": "user", "content": "my earlier message\n\nhow do I build a bomb"}]
    assert "guard-secret-key" not in caplog.text
    guard.answer = "safe"
    decision = await policies.acheck("Here is a cake recipe.", OUTPUT)
    assert decision.action == Action.ALLOW and guard.requests[-1][1]["messages"][-1]["role"] == "assistant"


async def test_llama_guard_4_sends_content_parts_and_qwen3guard_controversial_flags(guard: FakeGuard) -> None:
    guard.answer = "safe"
    await PolicySet(input=[GuardPolicy(base_url=guard.url, model="m", format="llama-guard-4")]).acheck("hi", INPUT)
    assert guard.requests[-1][1]["messages"][0]["content"] == [{"type": "text", "text": "my earlier message\n\nhi"}]
    guard.answer = "Safety: Controversial\nCategories: Politically Sensitive Topics"
    decision = await policy_set(guard.url, format="qwen3guard").acheck("who should win the election", INPUT)
    assert decision.action == Action.FLAG and decision.verdicts[0].category == "political"


async def test_shieldgemma_asks_once_per_harm_type(guard: FakeGuard) -> None:
    guard.answer = "No"
    decision = await policy_set(guard.url, format="shieldgemma").acheck("hello", INPUT)
    assert decision.action == Action.ALLOW and len(guard.requests) == 4
    guard.answer = "Yes"
    decision = await policy_set(guard.url, format="shieldgemma", harm_types=["hate"]).acheck("hello", INPUT)
    assert decision.action == Action.BLOCK and decision.verdicts[0].category == "hate"


def one_error_line(caplog: pytest.LogCaptureFixture, url: str) -> str:
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1, lines
    assert url in lines[0] or "unknown" in lines[0] or "not 'safe'" in lines[0]
    return lines[0]


@pytest.mark.parametrize(("faults", "answer", "words"), [
    ([SLOW, SLOW], "safe", "no answer within 0.5 s after 2 attempts"),
    ([STATUS_500, STATUS_500], "safe", "HTTP 500 after 2 attempts"),
    ([STATUS_400], "safe", "refused the request: HTTP 400"),
    ([NOT_JSON], "safe", "not a JSON object"),
    ([NO_MESSAGE], "safe", "answered no message"),
    ([], "I am not sure what you mean", "not 'safe' or 'unsafe'"),
    ([], "unsafe\nS42", "unknown categories ['S42']"),
])
async def test_every_fault_blocks_with_one_log_line(guard: FakeGuard, caplog: pytest.LogCaptureFixture,
                                                    faults: list[str], answer: str, words: str) -> None:
    guard.faults, guard.answer, guard.slow_s = list(faults), answer, 1.0
    with caplog.at_level(logging.INFO):
        decision = await policy_set(guard.url).acheck("hello", INPUT)
    assert decision.action == Action.BLOCK and decision.verdicts[0].reason.startswith("policy error")
    line = one_error_line(caplog, guard.url)
    assert words in line and "blocking (fail-closed)" in line


async def test_a_fault_is_retried_then_answered(guard: FakeGuard, caplog: pytest.LogCaptureFixture) -> None:
    guard.faults = [STATUS_500]
    with caplog.at_level(logging.INFO):
        assert (await policy_set(guard.url).acheck("hello", INPUT)).action == Action.ALLOW
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING] and len(guard.requests) == 2


async def test_an_engine_that_is_down_blocks_naming_its_url_unless_fail_open(caplog: pytest.LogCaptureFixture) -> None:
    from chatkit.testing import free_port

    url = f"http://127.0.0.1:{free_port()}/v1"
    with caplog.at_level(logging.INFO):
        assert (await policy_set(url).acheck("hello", INPUT)).action == Action.BLOCK
    assert "cannot connect" in one_error_line(caplog, url)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert (await policy_set(url, fail_open=True).acheck("hello", INPUT)).action == Action.ALLOW
    assert "allowing (fail-open)" in one_error_line(caplog, url)


async def test_openai_moderation_format(guard: FakeGuard, caplog: pytest.LogCaptureFixture) -> None:
    policies = policy_set(guard.url, format="openai-moderation", model="omni-moderation-latest")
    guard.moderation = {"flagged": True, "categories": {"violence": True, "hate": False},
                        "category_scores": {"violence": 0.91, "hate": 0.2, "illicit/violent": 0.3}}
    decision = await policies.acheck("some text", INPUT)
    v = decision.verdicts[0]
    assert decision.action == Action.BLOCK and v.category == "violent_crimes" and v.score == pytest.approx(0.91)
    assert guard.requests[-1][:2] == ("moderations", {"model": "omni-moderation-latest", "input": "some text"})
    guard.moderation = {"flagged": False, "categories": {}, "category_scores": {"hate": 0.1}}
    assert (await policies.acheck("fine", INPUT)).action == Action.ALLOW
    guard.moderation = {"flagged": True, "categories": {"spam/new": True}, "category_scores": {}}
    with caplog.at_level(logging.INFO):
        assert (await policies.acheck("x", INPUT)).action == Action.BLOCK
    assert "unknown categories ['spam/new']" in one_error_line(caplog, guard.url)


# -- against real servers on 127.0.0.1 -------------------------------------------------------------------------
async def test_against_chatkit_serves_own_moderations(serve: Any) -> None:
    from http_server import BLOCKED_WORD

    url = await asyncio.to_thread(serve)
    policies = policy_set(f"{url}/v1", format="openai-moderation", model="chatkit-input", timeout_s=3.0)
    assert (await policies.acheck("hello there", INPUT)).action == Action.ALLOW
    blocked = await policies.acheck(f"you {BLOCKED_WORD}", INPUT)
    assert blocked.action == Action.BLOCK and blocked.verdicts[0].reason.startswith("openai-moderation: flagged")


@pytest.fixture(scope="module")
def safe_guard_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Llama model built here that answers 'safe' to any chat prompt (greedy or not): attention and MLP are
    zeroed, so each next token depends on the last one only: the prompt's last token -> 's' -> 'a' -> 'fe' -> end.
    It tests the protocol, the prompt's way through a real engine and the parsing, not a guard's judgement."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from chatkit.models.catalogue import bundled_model_path

    out = tmp_path_factory.mktemp("safe-guard")
    tok = AutoTokenizer.from_pretrained(bundled_model_path())
    last = tok.apply_chat_template([{"role": "user", "content": "x"}], add_generation_prompt=True, tokenize=True)
    last_id = (last["input_ids"] if isinstance(last, dict) or hasattr(last, "keys") else last)[-1]
    chain = [last_id, *tok.encode("safe", add_special_tokens=False), tok.eos_token_id]
    assert len(set(chain)) == len(chain)
    d = 16
    config = LlamaConfig(vocab_size=len(tok), hidden_size=d, intermediate_size=d, num_hidden_layers=1, num_attention_heads=1,
                         num_key_value_heads=1, head_dim=d, max_position_embeddings=2048, tie_word_embeddings=False,
                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=None)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.model.norm.weight.fill_(1.0)
        for layer in model.model.layers:
            layer.input_layernorm.weight.fill_(1.0)
            layer.post_attention_layernorm.weight.fill_(1.0)
        other = len(chain)
        model.model.embed_tokens.weight[:, other] = 1.0  # every token not in the chain: the "other" direction
        for i, token in enumerate(chain[:-1]):
            model.model.embed_tokens.weight[token].zero_()
            model.model.embed_tokens.weight[token, i] = 1.0
            model.lm_head.weight[chain[i + 1], i] = 100.0
        model.lm_head.weight[tok.eos_token_id, other] = 100.0
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def safe_guard_url(safe_guard_dir: Path) -> Iterator[str]:
    from chatkit.testing import EngineUnavailable, transformers_serve

    try:
        with transformers_serve(safe_guard_dir) as url:
            yield url
    except EngineUnavailable as e:
        pytest.skip(f"{e}; the guard policy is untested against a real engine in this run")


async def test_a_served_guard_model_answers_through_the_policy(safe_guard_url: str, safe_guard_dir: Path) -> None:
    policies = policy_set(safe_guard_url, model=str(safe_guard_dir), timeout_s=20.0, retries=0)
    policies.timeouts = {"guard": 60.0}
    for text, ctx in (("hello, how are you?", INPUT), ("I am fine, thanks.", OUTPUT)):
        decision = await policies.acheck(text, ctx)
        assert decision.action == Action.ALLOW, decision.verdicts
        assert decision.verdicts[0].scores == (("unsafe", 0.0),)


async def test_a_guard_that_rambles_blocks_with_one_log_line(engine_url: str, caplog: pytest.LogCaptureFixture) -> None:
    from chatkit.models.catalogue import bundled_model_path

    policies = policy_set(engine_url, model=str(bundled_model_path()), timeout_s=20.0, retries=0)
    policies.timeouts = {"guard": 60.0}
    with caplog.at_level(logging.INFO, logger="chatkit.policies"):
        decision = await policies.acheck("hello, how are you?", INPUT)
    assert decision.action == Action.BLOCK  # the bundled chat model answers chat, not 'safe' or 'unsafe'
    assert "not 'safe' or 'unsafe'" in one_error_line(caplog, engine_url)

"""``POST /v1/moderations`` against a real server on 127.0.0.1: the official ``openai`` client (sync and async) for the
answers, raw HTTP for every error. The policies are keyword-scripted (tests/support/category_policies.py), so what is
tested is the mapping and the protocol, not a model's judgement."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from category_policies import Keyword
from http_server import BLOCKED_WORD, call, serving

from chatkit import ChatBot, Settings, TransformersGenerator
from chatkit.adapters.http import create_app
from chatkit.build import policies_from_settings
from chatkit.config import validate_settings
from chatkit.policies.openai_categories import OPENAI_CATEGORIES
from chatkit.storage.sqlite import SQLiteStore

RULES = {
    "hateful": {"category": "hate", "score": 0.93, "scores": {"hate": 0.93, "threat": 0.1, "insult": 0.4}},
    "kill you": {"category": "threat", "score": 0.88, "scores": {"threat": 0.88, "hate": 0.7}},
    "hurt myself": {"category": "self_harm", "score": 0.8, "action": "block"},
    "darn": {"category": "profanity", "score": 0.6, "action": "flag"},
    "mildly rude": {"category": "insult", "score": 0.3, "action": "allow", "scores": {"insult": 0.3}},
}


def moderation_settings(**serve: object) -> Settings:
    off = {"enabled": False}
    return validate_settings({
        "policies": {"hazard": off, "toxicity": off, "bias": off, "language": off, "pii": off, "context": off,
                     "blocklist": {"options": {"words": [BLOCKED_WORD]}},
                     "keyword": {"use": "category_policies:Keyword", "stages": ["input"], "options": {"rules": RULES}},
                     "outkeyword": {"use": "category_policies:Keyword", "stages": ["output"],
                                    "options": {"rules": {"outputonly": {"category": "sexual", "score": 0.97}}}},
                     "flaky": {"use": "category_policies:Keyword", "stages": ["input"],
                               "options": {"fail_on": "explode"}}},
        "serve": serve}, "tests")


@pytest.fixture
def start(generator: TransformersGenerator, tmp_path: Path) -> Iterator[Any]:
    from contextlib import ExitStack

    with ExitStack() as stack:
        def start(**serve: object) -> str:
            settings = moderation_settings(**serve)
            bot = ChatBot(generator, settings=settings, policies=policies_from_settings(settings, load=True),
                          store=SQLiteStore(tmp_path / f"m-{id(settings)}.sqlite3"))
            return stack.enter_context(serving(create_app(bot)))

        yield start


@pytest.fixture
def url(start: Any) -> str:
    return str(start())


@pytest.fixture
def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)


def test_a_string_input_has_openais_shape(client: openai.OpenAI) -> None:
    r = client.moderations.create(model="chatkit-input", input="what a lovely day")
    assert r.id.startswith("modr-") and r.model == "chatkit-input" and len(r.results) == 1
    result = r.results[0]
    assert result.flagged is False
    dumped = result.model_dump(by_alias=True)
    assert set(dumped["categories"]) == set(OPENAI_CATEGORIES) == set(dumped["category_scores"])
    assert set(dumped["category_applied_input_types"]) == set(OPENAI_CATEGORIES)
    assert all(v is False for v in dumped["categories"].values()) and all(v == 0 for v in dumped["category_scores"].values())
    assert dumped["chatkit"]["action"] == "allow"
    assert {v["policy"] for v in dumped["chatkit"]["verdicts"]} == {"blocklist", "keyword", "flaky"}


def test_a_list_is_scored_as_one_batch_in_order(client: openai.OpenAI) -> None:
    Keyword.batches.clear()
    texts = ["a hateful remark", "hello", "i will kill you", "how do I hurt myself", "i want to hurt myself"]
    r = client.moderations.create(model="chatkit-input", input=texts)
    assert Keyword.batches == [5, 5]  # keyword and flaky each saw the 5 texts in one call
    hate, hello, threat, how, intent = (x.model_dump(by_alias=True) for x in r.results)
    assert hate["flagged"] and hate["categories"]["hate"] and hate["category_scores"]["hate"] == pytest.approx(0.93)
    assert hate["category_scores"]["harassment"] == pytest.approx(0.4) and not hate["categories"]["harassment"]
    assert hate["category_scores"]["hate/threatening"] == pytest.approx(0.1)
    assert not hello["flagged"] and hello["chatkit"]["action"] == "allow"
    assert threat["categories"]["violence"] and threat["categories"]["harassment/threatening"]
    assert threat["categories"]["hate/threatening"]  # hate 0.7 and threat 0.88: min 0.7
    assert how["categories"]["self-harm"] and how["categories"]["self-harm/instructions"] and not how["categories"]["self-harm/intent"]
    assert intent["categories"]["self-harm/intent"] and not intent["categories"]["self-harm/instructions"]


def test_content_parts_are_moderated_as_text(client: openai.OpenAI) -> None:
    r = client.moderations.create(model="chatkit-input", input=[{"type": "text", "text": "a hateful remark"},
                                                                {"type": "text", "text": "fine"}])
    assert [x.flagged for x in r.results] == [True, False]


def test_the_model_picks_the_stage(client: openai.OpenAI) -> None:
    assert not client.moderations.create(model="chatkit-input", input="outputonly text").results[0].flagged
    out = client.moderations.create(model="chatkit-output", input="outputonly text").results[0]
    assert out.flagged and out.categories.sexual
    assert client.moderations.create(input="a hateful remark").results[0].flagged  # no model: chatkit-input
    assert client.moderations.create(model="omni-moderation-latest", input="a hateful remark").results[0].flagged


def test_flagged_follows_the_documented_rule(client: openai.OpenAI) -> None:
    blocked, flag_only, low, empty = (x.model_dump(by_alias=True) for x in client.moderations.create(
        model="chatkit-input", input=[f"say {BLOCKED_WORD}", "oh darn", "that is mildly rude", ""]).results)
    # a BLOCK with no category is flagged, with every OpenAI category false
    assert blocked["flagged"] and not any(blocked["categories"].values()) and blocked["chatkit"]["action"] == "block"
    # profanity maps to no OpenAI key; a FLAG (under BLOCK) with a score but no key is not flagged
    assert not flag_only["flagged"] and flag_only["chatkit"]["category_scores"] == {"profanity": 0.6}
    # a category score under the threshold is scored, not flagged
    assert not low["flagged"] and low["category_scores"]["harassment"] == pytest.approx(0.3)
    assert not empty["flagged"] and empty["chatkit"]["verdicts"] == []


def test_the_threshold_is_configurable(start: Any) -> None:
    client = openai.OpenAI(base_url=f"{start(moderation_threshold=0.25)}/v1", api_key="unused", max_retries=0)
    low = client.moderations.create(input="that is mildly rude").results[0]
    assert low.flagged and low.categories.harassment


def test_a_failing_policy_blocks_with_one_log_line(client: openai.OpenAI, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="chatkit.policies.base"):
        r = client.moderations.create(input=["this will explode", "and this explodes too", "fine"])
    assert all(x.flagged for x in r.results)  # the batch failed as a whole: fail-closed for every text
    lines = [rec for rec in caplog.records if "policy flaky failed" in rec.getMessage()]
    assert len(lines) == 1 and "blocking (fail-closed)" in lines[0].getMessage()


async def test_the_async_client(url: str) -> None:
    client = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
    r = await client.moderations.create(model="chatkit-input", input=["fine", "a hateful remark"])
    assert [x.flagged for x in r.results] == [False, True]
    await client.close()


@pytest.mark.parametrize(("body", "status", "code", "words"), [
    ({"model": "nope", "input": "hi"}, 400, "model_not_found", "chatkit-input"),
    ({"input": [{"type": "image_url", "image_url": {"url": "http://x/y.png"}}]}, 400, "unsupported_content", "only text"),
    ({"input": [{"type": "text"}]}, 400, "invalid_value", "no text"),
    ({"input": []}, 400, "invalid_value", "empty"),
    ({"input": ["x"] * 33}, 400, "invalid_value", "at most 32"),
    ({"input": 5}, 400, "invalid_value", "input"),
    ({"model": "chatkit-input"}, 400, "invalid_value", "input"),
    ({"input": ["ok", "x" * 9000]}, 413, "message_too_long", "input[1]"),
])
def test_errors_have_openais_shape(url: str, body: object, status: int, code: str, words: str) -> None:
    got, _, answer = call("POST", f"{url}/v1/moderations", body)
    assert got == status, answer
    error = answer["error"]
    assert error["code"] == code and words in error["message"] and set(error) == {"message", "type", "param", "code"}


def test_malformed_json_is_a_400(url: str) -> None:
    got, _, answer = call("POST", f"{url}/v1/moderations", b"{not json")
    assert got == 400 and answer["error"]["code"] == "invalid_json"


def test_the_client_raises_openais_errors(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="only text"):
        client.moderations.create(input=[{"type": "image_url", "image_url": {"url": "http://x/y.png"}}])  # type: ignore[list-item]
    with pytest.raises(openai.BadRequestError, match="does not exist"):
        client.moderations.create(model="nope", input="hi")


def test_keys_limits_body_size_metrics_and_access_log(start: Any, caplog: pytest.LogCaptureFixture) -> None:
    url = start(api_keys=["sekrit-key-1"], rate_limit=2, rate_window_s=600, max_body_bytes=2048)
    body = {"input": "a hateful remark"}
    assert call("POST", f"{url}/v1/moderations", body)[0] == 401
    auth = {"Authorization": "Bearer sekrit-key-1"}
    with caplog.at_level(logging.INFO, logger="chatkit.access"):
        assert call("POST", f"{url}/v1/moderations", body, headers=auth)[0] == 200
        deadline = time.monotonic() + 5  # the server logs once the response is sent: the client may be first
        while not (lines := [json.loads(r.getMessage()) for r in caplog.records
                             if r.name == "chatkit.access" and '"status": 200' in r.getMessage()]):
            assert time.monotonic() < deadline, "no access-log line"
            time.sleep(0.01)
    line = lines[0]
    assert line["route"] == "/v1/moderations" and line["status"] == 200 and "hateful" not in json.dumps(line)
    big = call("POST", f"{url}/v1/moderations", {"input": "y" * 4000}, headers=auth)
    assert big[0] == 413 and big[2]["error"]["code"] == "request_too_large"
    metrics = call("GET", f"{url}/metrics", headers=auth)[2]
    assert 'chatkit_moderation_inputs_total{flagged="true",stage="input"} 1.0' in metrics
    assert 'chatkit_verdicts_total{action="block",policy="keyword",stage="input"} 1.0' in metrics
    assert 'route="/v1/moderations"' in metrics
    limited = call("POST", f"{url}/v1/moderations", body, headers=auth)
    assert limited[0] == 429 and "retry-after" in limited[1]

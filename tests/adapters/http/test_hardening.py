"""What a hostile or careless client sends cannot make another client's request fail, nor read what is not its own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import openai
import pytest
from http_server import call

KEY = "test-key-0123456789abcdef"


@pytest.fixture
def url(serve: Any) -> str:
    return str(serve())


def chat(url: str, **body: Any) -> tuple[int, Any]:
    status, _, answer = call("POST", f"{url}/v1/chat/completions",
                             {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], **body})
    return status, answer


# -- 1: seeds -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [2**64, 2**70, -(2**63) - 1])
def test_an_out_of_range_seed_is_a_400_naming_seed(url: str, seed: int) -> None:
    status, r = chat(url, seed=seed)
    assert status == 400, r
    assert r["error"]["param"] == "seed" and r["error"]["code"] == "invalid_value"
    assert chat(url, seed=2**64 - 1, temperature=0.9)[0] == 200  # the largest valid seed works


def test_an_out_of_range_seed_cannot_stick_to_a_conversation(url: str) -> None:
    status, _, r = call("PUT", f"{url}/v1/conversations/x/options", {"decoding": {"seed": 2**70}})
    assert status == 400 and "seed" in r["error"]["message"]
    assert call("POST", f"{url}/v1/conversations/x/messages", {"content": "hi"})[0] == 200


def test_a_bad_seed_fails_no_neighbour(url: str) -> None:
    def one(i: int) -> int:
        body: dict[str, Any] = {"messages": [{"role": "user", "content": f"hello {i}"}], "max_tokens": 6}
        if i == 7:
            body.update(seed=2**70, temperature=0.9)
        return chat(url, **body)[0]

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(one, range(16)))
    assert statuses[7] == 400 and statuses[:7] + statuses[8:] == [200] * 15


# -- 4: roles -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["system", "developer", "user", "assistant"])
def test_every_role_the_schema_accepts_is_answered(url: str, role: str) -> None:
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
    r = client.chat.completions.create(model="tiny", messages=[{"role": role, "content": "Be brief."},
                                                                {"role": "user", "content": "hi"}])
    assert r.choices[0].message.content


def test_developer_is_the_system_prompt(url: str) -> None:
    _, as_system = chat(url, messages=[{"role": "system", "content": "You are a pirate."}, {"role": "user", "content": "hi"}])
    status, as_developer = chat(url, messages=[{"role": "developer", "content": "You are a pirate."},
                                               {"role": "user", "content": "hi"}])
    assert status == 200
    assert as_developer["usage"] == as_system["usage"]
    assert as_developer["choices"][0]["message"] == as_system["choices"][0]["message"]


def test_an_unknown_role_is_a_400(url: str) -> None:
    status, r = chat(url, messages=[{"role": "wizard", "content": "hi"}])
    assert status == 400 and r["error"]["param"].startswith("messages")


# -- 10 and 9: conversation ids -------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [" ", "a\x00b", "tab\there"])
def test_a_bad_conversation_id_is_reported_as_the_client_sent_it(url: str, bad: str) -> None:
    status, _, r = call("POST", f"{url}/v1/conversations/{quote(bad, safe='')}/messages", {"content": "hi"})
    assert status == 400, r
    error = r["error"]
    assert error["param"] == "conversation_id" and repr(bad) in error["message"] and "http:" not in error["message"]


def test_a_bad_conversation_id_under_a_key_never_shows_the_store_key(serve: Any) -> None:
    from chatkit.adapters.http.guard import fingerprint

    url = serve(api_keys=[KEY])
    status, _, r = call("GET", f"{url}/v1/conversations/a%00b", headers={"Authorization": f"Bearer {KEY}"})
    assert status == 400
    assert fingerprint(KEY) not in str(r) and "http:" not in str(r)


def test_a_keyless_server_on_the_same_store_cannot_reach_a_keyed_tenant(serve: Any, tmp_path: Any) -> None:
    from chatkit.adapters.http.guard import fingerprint
    from chatkit.storage.sqlite import SQLiteStore

    path = tmp_path / "shared.sqlite3"
    keyed = serve(api_keys=[KEY], store=SQLiteStore(path))
    keyless = serve(store=SQLiteStore(path))
    auth = {"Authorization": f"Bearer {KEY}"}
    assert call("POST", f"{keyed}/v1/conversations/secret/messages", {"content": "my pin is 1234"}, headers=auth)[0] == 200
    crafted = f"{fingerprint(KEY)}:secret"
    assert call("GET", f"{keyless}/v1/conversations/{crafted}")[0] == 400
    assert call("DELETE", f"{keyless}/v1/conversations/{crafted}")[0] == 400
    assert call("POST", f"{keyless}/v1/conversations/{crafted}/messages", {"content": "hi"})[0] == 400
    kept = call("GET", f"{keyed}/v1/conversations/secret", headers=auth)[2]
    assert kept["messages"][0]["content"] == "my pin is 1234" and kept["total_messages"] == 2


# -- 2: credentials ---------------------------------------------------------------------------------------
def test_a_stores_password_reaches_no_client_and_no_log(serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    from chatkit.storage.redis import RedisStore
    from chatkit.testing import free_port

    dead = f"redis://:hunter2secret@127.0.0.1:{free_port()}/0"  # nothing listens there
    url = serve(store=RedisStore(dead))
    with caplog.at_level("DEBUG"):
        health = call("GET", f"{url}/healthz")
        turn = call("POST", f"{url}/v1/conversations/c/messages", {"content": "hi"})
        read = call("GET", f"{url}/v1/conversations/c")
        streamed = call("POST", f"{url}/v1/conversations/c/messages?stream=true", {"content": "hi"})
    assert health[0] == 503 and "unreachable" in health[2]["store"] and "127.0.0.1" in health[2]["store"]
    assert turn[0] == 503 and read[0] == 503
    for _status, headers, body in (health, turn, read, streamed):
        assert "hunter2secret" not in str(body) and "hunter2secret" not in str(headers)
    assert "hunter2secret" not in caplog.text and "***@127.0.0.1" in caplog.text


# -- 5: metrics labels ---------------------------------------------------------------------------------------
def _series(text: str, name: str) -> list[str]:
    return [line.rsplit(" ", 1)[0] for line in text.splitlines() if line.startswith(name + "{")]


def test_rejected_requests_are_labelled_by_route_template_not_raw_path(serve: Any,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    url = serve(api_keys=[KEY], max_body_bytes=2000, rate_limit=0)  # no limit: failed keys stay 401s here
    auth = {"Authorization": f"Bearer {KEY}"}
    before = len(_series(call("GET", f"{url}/metrics", headers=auth)[2], "chatkit_http_requests_total"))
    with caplog.at_level("INFO", logger="chatkit.access"):
        for i in range(40):
            assert call("POST", f"{url}/v1/conversations/id-{i}-zq/messages", {"content": "hi"})[0] == 401
            assert call("GET", f"{url}/v1/no-such-route-{i}-zq")[0] == 401
            assert call("POST", f"{url}/v1/conversations/big-{i}-zq/messages", b"x" * 3000, headers=auth)[0] == 413
    text = call("GET", f"{url}/metrics", headers=auth)[2]
    series = _series(text, "chatkit_http_requests_total")
    assert len(series) - before <= 4, series  # 401 and 413 on one template, 401 unmatched, the /metrics 200 itself
    assert "-zq" not in text and "-zq" not in caplog.text
    assert 'route="/v1/conversations/{conversation_id}/messages",status="401"' in text
    assert 'route="(unmatched)",status="401"' in text


# -- 6: rate limits ------------------------------------------------------------------------------------------
def test_failed_authentication_is_throttled_per_client_address(serve: Any) -> None:
    url = serve(api_keys=[KEY], rate_limit=5)
    statuses = [call("GET", f"{url}/v1/models", headers={"Authorization": f"Bearer wrong-key-{i}"})[0] for i in range(12)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    assert call("GET", f"{url}/v1/models", headers={"Authorization": f"Bearer {KEY}"})[0] == 200  # the key still works


def test_the_workers_of_one_server_together_allow_the_limit_once(generator: Any, tmp_path: Any) -> None:
    from contextlib import ExitStack

    from http_server import http_settings, serving

    from chatkit import ChatBot
    from chatkit.adapters.http.app import create_app, worker_settings
    from chatkit.storage.sqlite import SQLiteStore

    settings = worker_settings(http_settings(workers=2, rate_limit=10))
    with ExitStack() as stack:  # two workers as `chatkit serve --workers 2` builds them, requests alternating
        urls = [stack.enter_context(serving(create_app(ChatBot(generator, settings=settings,
                                                               store=SQLiteStore(tmp_path / "w.sqlite3")))))
                for _ in range(2)]
        statuses = [call("GET", f"{urls[i % 2]}/v1/models")[0] for i in range(30)]
    assert statuses.count(200) == 10 and statuses.count(429) == 20


# -- the OpenAI fields chatkit does not implement -----------------------------------------------------------------
@pytest.mark.parametrize(("field", "value"), [
    ("n", 2), ("tools", [{"type": "function", "function": {"name": "f", "parameters": {}}}]), ("tool_choice", "auto"),
    ("response_format", {"type": "json_object"}), ("logprobs", True), ("top_logprobs", 3), ("logit_bias", {"50256": -100}),
    ("functions", [{"name": "f"}]),
])
def test_a_field_chatkit_does_not_implement_is_a_400_naming_it(url: str, field: str, value: Any) -> None:
    status, r = chat(url, **{field: value})
    assert status == 400, r
    assert r["error"]["param"] == field and r["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(("field", "value"), [
    ("n", 1), ("tools", []), ("tool_choice", "none"), ("response_format", {"type": "text"}), ("logprobs", False),
    ("stream_options", {"include_usage": False}), ("user", "someone"), ("metadata", {"a": "b"}),
])
def test_harmless_values_of_those_fields_are_accepted(url: str, field: str, value: Any) -> None:
    assert chat(url, **{field: value})[0] == 200


def test_the_openai_client_sees_the_refusal_as_a_bad_request(url: str) -> None:
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.BadRequestError, match="tools"):
        client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}],
                                       tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}])


# -- 7: shutdown past the grace, on the OpenAI stream (the conversations stream: test_http_workers.py) ---------------
def test_an_openai_stream_cut_by_shutdown_ends_with_an_error_and_done(tmp_path: Any) -> None:
    import json
    import urllib.request

    from fakes import SlowGenerator
    from http_server import http_settings, serving

    from chatkit import ChatBot, MemoryStore
    from chatkit.adapters.http import create_app

    slow = SlowGenerator(words=400, interval=0.05)  # 20 s if nobody stopped it
    settings = http_settings(shutdown_timeout_s=0.5)
    app = create_app(ChatBot(slow, settings=settings, store=MemoryStore()))
    with serving(app) as url:
        model = call("GET", f"{url}/v1/models")[2]["data"][0]["id"]
        request = urllib.request.Request(f"{url}/v1/chat/completions", method="POST", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"model": model, "stream": True,
                                                          "messages": [{"role": "user", "content": "talk"}]}).encode())
        with urllib.request.urlopen(request, timeout=60) as response:
            first = response.readline()
            app.state.service.shutdown.begin()  # what SIGTERM does in `chatkit serve`
            rest = response.read().decode()
    blocks = [b for b in (first.decode() + rest).strip().split("\n\n") if b]
    assert blocks[-1] == "data: [DONE]"
    error = json.loads(blocks[-2].removeprefix("data: "))["error"]
    assert error["code"] == "server_shutting_down" and "shutting down" in error["message"]
    assert slow.closed == 1 and slow.produced < 400

"""What guards the server: API keys, rate limits, CORS, health, metrics and the access log (real server on 127.0.0.1)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import openai
import pytest
from http_server import BLOCKED_WORD, call

from chatkit.adapters.http.guard import RateLimiter
from chatkit.storage.redis import RedisStore

KEY = {"Authorization": "Bearer key-0001"}


def test_with_keys_set_only_a_valid_key_gets_in(serve: Any) -> None:
    url = serve(api_keys=["key-0001", "key-0002"])
    for headers, code in [({}, "missing_api_key"), ({"Authorization": "Bearer nope"}, "invalid_api_key"),
                          ({"Authorization": "Basic azE6"}, "missing_api_key")]:
        status, _, body = call("GET", f"{url}/v1/models", headers=headers)
        assert (status, body["error"]["code"], body["error"]["type"]) == (401, code, "authentication_error")
    assert call("GET", f"{url}/metrics")[0] == 401
    assert call("GET", f"{url}/v1/models", headers=KEY)[0] == 200
    assert call("GET", f"{url}/metrics", headers={"Authorization": "Bearer key-0002"})[0] == 200
    for open_path in ("/", "/healthz", "/openapi.json", "/docs"):
        assert call("GET", url + open_path)[0] == 200, open_path
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).models.list()
    assert openai.OpenAI(base_url=f"{url}/v1", api_key="key-0001", max_retries=0).models.list().data


def test_keys_can_come_from_the_environment(serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATKIT_API_KEYS", "env-key-1, env-key-2")
    url = serve()
    assert call("GET", f"{url}/v1/models")[0] == 401
    assert call("GET", f"{url}/v1/models", headers={"Authorization": "Bearer env-key-2"})[0] == 200


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(serve: Any) -> None:
    url = serve(api_keys=["key-0001", "key-0002"], rate_limit=3, rate_window_s=60)
    assert [call("GET", f"{url}/v1/models", headers=KEY)[0] for _ in range(3)] == [200, 200, 200]
    status, headers, body = call("GET", f"{url}/v1/models", headers=KEY)
    assert status == 429 and body["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= int(headers["retry-after"]) <= 20  # one request's worth of the window
    assert call("GET", f"{url}/v1/models", headers={"Authorization": "Bearer key-0002"})[0] == 200  # per key
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="key-0001", max_retries=0)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}])


def test_the_rate_limiter_refills_over_its_window() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 10.0, clock=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a")] == [None, None]
    assert limiter.take("a") == pytest.approx(5.0)
    now[0] = 5.0
    assert limiter.take("a") is None and limiter.take("a") is not None
    assert RateLimiter(0, 1.0).take("a") is None  # 0: no limit


def test_chunked_bodies_over_the_limit_are_refused(serve: Any) -> None:
    import http.client
    from urllib.parse import urlparse

    url = serve(max_body_bytes=4096)
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    body = json.dumps({"content": "x" * 8000}).encode()
    conn.request("POST", "/v1/conversations/big/messages", body=iter([body[:3000], body[3000:]]),
                 headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, encode_chunked=True)
    response = conn.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["error"]["code"] == "request_too_large"


def test_cors_is_off_by_default_and_follows_the_config(serve: Any) -> None:
    preflight = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    _, headers, _ = call("OPTIONS", f"{serve()}/v1/chat/completions", headers=preflight)
    assert "access-control-allow-origin" not in headers
    url = serve(cors_origins=["https://shop.example"], api_keys=["key-0001"])
    status, headers, _ = call("OPTIONS", f"{url}/v1/chat/completions", headers=preflight)
    assert status == 200 and headers["access-control-allow-origin"] == "https://shop.example"
    _, headers, _ = call("GET", f"{url}/v1/models", headers={**KEY, "Origin": "https://shop.example"})
    assert headers["access-control-allow-origin"] == "https://shop.example"


def test_healthz_reports_the_model_and_the_store(serve: Any) -> None:
    status, _, body = call("GET", f"{serve()}/healthz")
    assert (status, body["status"], body["model"], body["model_loaded"], body["store"]) == (200, "ok", "tiny", True, "ok")
    down = serve(store=RedisStore("redis://127.0.0.1:1/0"))  # nothing listens on port 1
    status, _, body = call("GET", f"{down}/healthz")
    assert status == 503 and body["status"] == "unavailable" and body["store"].startswith("unreachable")


def test_metrics_count_requests_tokens_verdicts_and_the_queue(serve: Any) -> None:
    url = serve()
    call("POST", f"{url}/v1/conversations/m/messages", {"content": "hello there"})
    call("POST", f"{url}/v1/conversations/m/messages", {"content": f"say {BLOCKED_WORD}"})
    call("GET", f"{url}/v1/conversations/nope")
    status, headers, text = call("GET", f"{url}/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    samples = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line and line[0] != "#"}
    route = 'route="/v1/conversations/{conversation_id}/messages"'
    assert samples[f'chatkit_http_requests_total{{method="POST",{route},status="200"}}'] == 2
    assert samples['chatkit_http_requests_total{method="GET",route="/v1/conversations/{conversation_id}",status="404"}'] == 1
    assert samples[f"chatkit_http_request_seconds_count{{{route}}}"] == 2
    assert samples['chatkit_verdicts_total{action="block",policy="blocklist",stage="input"}'] == 1
    assert samples['chatkit_replies_total{finish_reason="blocked"}'] == 1
    assert samples['chatkit_tokens_total{kind="completion"}'] > 0
    assert samples["chatkit_turns_in_progress"] == 0
    assert samples["chatkit_reply_first_token_seconds_count"] == 2


def test_the_access_log_is_structured_and_holds_no_message_text(serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    url = serve(api_keys=["key-0001"])
    with caplog.at_level(logging.INFO, logger="chatkit.access"):
        call("POST", f"{url}/v1/conversations/log/messages", {"content": "my secret is zebra-quartz"}, headers=KEY)
        call("GET", f"{url}/v1/models")
        deadline = time.monotonic() + 5  # the line is written once the response is sent, just after the client has it
        while sum(r.name == "chatkit.access" for r in caplog.records) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "chatkit.access"]
    assert [(x["method"], x["route"], x["status"]) for x in lines] == [
        ("POST", "/v1/conversations/{conversation_id}/messages", 200), ("GET", "/v1/models", 401)]
    assert lines[0]["caller"] and lines[0]["caller"] != "key-0001" and lines[0]["ms"] > 0
    assert "zebra-quartz" not in caplog.text and "key-0001" not in caplog.text  # neither the text nor the key


def test_mounted_in_a_host_app_it_keeps_its_keys_and_its_page_works(generator: Any, tmp_path: Any) -> None:
    from fastapi import FastAPI
    from http_server import http_settings, serving

    from chatkit import ChatBot, MemoryStore
    from chatkit.adapters.http import create_app

    host = FastAPI()
    bot = ChatBot(generator, settings=http_settings(api_keys=["key-0001"]), store=MemoryStore())
    host.mount("/chat", create_app(bot))
    with serving(host) as url:
        assert call("GET", f"{url}/chat/v1/models")[0] == 401
        status, _, models = call("GET", f"{url}/chat/v1/models", headers=KEY)
        assert status == 200 and models["data"][0]["id"] == "tiny"
        status, _, page = call("GET", f"{url}/chat/")
        assert status == 200 and 'root + "v1/models"' in page
        assert call("POST", f"{url}/chat/v1/conversations/x/messages", {"content": "hi"}, headers=KEY)[0] == 200

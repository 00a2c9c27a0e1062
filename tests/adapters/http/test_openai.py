"""The OpenAI-compatible API, spoken to by the official ``openai`` client against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import openai
import pytest
from http_server import BLOCKED_WORD


@pytest.fixture
def url(serve: Any) -> str:
    return serve()


@pytest.fixture
def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)


def ask(client: openai.OpenAI, text: str = "hello, how are you?", **kwargs: Any) -> Any:
    return client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": text}], **kwargs)


def post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"{url}/v1/chat/completions", data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_a_completion_has_openais_shape(client: openai.OpenAI) -> None:
    r = ask(client)
    assert r.object == "chat.completion" and r.model == "tiny" and r.id.startswith("chatcmpl-")
    assert r.choices[0].message.role == "assistant" and r.choices[0].message.content.strip()
    assert r.choices[0].finish_reason in ("stop", "length")
    assert r.usage.prompt_tokens > 0 and 0 < r.usage.completion_tokens <= 24
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_a_stream_gives_the_same_reply_in_chunks(client: openai.OpenAI) -> None:
    whole = ask(client).choices[0].message.content
    chunks = list(ask(client, stream=True, stream_options={"include_usage": True}))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == whole  # greedy: the same text
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] in (["stop"], ["length"])
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0


async def test_the_async_client_streams(url: str) -> None:
    client = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
    stream = await client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi there"}], stream=True)
    text = "".join([c.choices[0].delta.content or "" async for c in stream])
    assert text.strip()
    await client.close()


def test_the_history_the_client_sends_is_what_the_model_sees(client: openai.OpenAI) -> None:
    one = ask(client, "what is my name?").choices[0].message.content
    history = [{"role": "system", "content": "You are a pirate."}, {"role": "user", "content": "my name is Ada"},
               {"role": "assistant", "content": "Hello Ada!"}, {"role": "user", "content": "what is my name?"}]
    r = client.chat.completions.create(model="tiny", messages=history)
    assert r.usage.prompt_tokens > ask(client, "what is my name?").usage.prompt_tokens
    assert isinstance(one, str)


def test_a_blocked_message_gets_the_refusal_and_content_filter(client: openai.OpenAI) -> None:
    r = ask(client, f"tell me about {BLOCKED_WORD}")
    assert r.choices[0].finish_reason == "content_filter"
    assert r.choices[0].message.content == "Sorry, I can't help with that message."
    assert any(v["policy"] == "blocklist" and v["action"] == "block" for v in r.verdicts)
    streamed = list(ask(client, f"tell me about {BLOCKED_WORD}", stream=True))
    assert [c.choices[0].finish_reason for c in streamed if c.choices[0].finish_reason] == ["content_filter"]


def test_models_list_the_base_model_and_each_adapter(client: openai.OpenAI) -> None:
    ids = {m.id: m.adapter for m in client.models.list().data}  # type: ignore[attr-defined]
    assert ids == {"tiny": "base", "bookshop-tiny": "bookshop-tiny"}
    base = ask(client, "do you have books about the sea?", temperature=0)
    adapted = client.chat.completions.create(model="bookshop-tiny", temperature=0,
                                             messages=[{"role": "user", "content": "do you have books about the sea?"}])
    assert adapted.model == "bookshop-tiny"
    assert adapted.choices[0].message.content != base.choices[0].message.content  # the adapter changes what is said


def test_decoding_fields_reach_the_model(client: openai.OpenAI) -> None:
    sampled = [ask(client, temperature=1.0, seed=7, max_tokens=12).choices[0].message.content for _ in range(2)]
    assert sampled[0] == sampled[1]  # the seed is honoured
    short = ask(client, max_tokens=2, temperature=0)
    assert short.usage.completion_tokens <= 2 and short.choices[0].finish_reason == "length"
    assert ask(client, max_completion_tokens=2).usage.completion_tokens <= 2
    full = ask(client, temperature=0).choices[0].message.content
    first_word = full.split()[0]
    stopped = ask(client, temperature=0, stop=[first_word]).choices[0].message.content
    assert first_word not in stopped


def test_unknown_fields_are_ignored(client: openai.OpenAI) -> None:
    r = ask(client, extra_body={"metadata": {"a": "b"}, "user": "u1", "some_future_field": True})
    assert r.choices[0].message.content


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"temperature": 7}, "temperature"),
    ({"top_p": 0}, "top_p"),
    ({"n": 2}, "n"),
    ({"max_tokens": 0}, "max_tokens"),
    ({"frequency_penalty": -1.0}, "frequency_penalty"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
])
def test_invalid_values_get_openai_shaped_400s(client: openai.OpenAI, kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(openai.BadRequestError) as e:
        ask(client, **kwargs)
    assert e.value.status_code == 400
    assert param in e.value.message


@pytest.mark.parametrize("messages", [
    [],
    [{"role": "assistant", "content": "the last message is not the user's"}],
    [{"role": "user", "content": "   "}],
    [{"role": "tool", "content": "x"}],
    [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x"}}]}],
])
def test_invalid_messages_are_400s(client: openai.OpenAI, messages: list[dict[str, Any]]) -> None:
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="tiny", messages=messages)  # type: ignore[arg-type]


def test_unknown_model_is_a_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError, match="GET /v1/models"):
        client.chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": "hi"}])


def test_text_content_parts_are_joined(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": [
        {"type": "text", "text": "hello "}, {"type": "text", "text": "there"}]}])
    assert r.choices[0].message.content


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{not json", 400, "invalid_json"),
    (b'{"model": "tiny", "messages": "hi"}', 400, "invalid_value"),
    (b'{"model": 3, "messages": [{"role": "user", "content": "hi"}]}', 400, "invalid_value"),
    (b"\xff\xfe\x00binary", 400, "invalid_json"),
    (json.dumps({"model": "tiny", "messages": [{"role": "user", "content": "x" * 10_000}]}).encode(), 413, "message_too_long"),
])
def test_malformed_requests_get_clear_errors(url: str, body: bytes, status: int, code: str) -> None:
    got, answer = post(url, body)
    assert got == status
    assert answer["error"]["code"] == code and answer["error"]["message"]


def test_a_ten_megabyte_body_is_refused_before_it_is_read(url: str) -> None:
    body = json.dumps({"model": "tiny", "messages": [{"role": "user", "content": "x" * 10_000_000}]}).encode()
    got, answer = post(url, body)
    assert got == 413 and answer["error"]["code"] == "request_too_large"

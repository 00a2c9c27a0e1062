"""The conversations API against a real server on 127.0.0.1: stored turns, options, streams, bad input, load."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import openai
import pytest
from fakes import FailingGenerator, SlowGenerator
from http_server import BLOCKED_WORD, call, sse_events

from chatkit import MemoryStore


@pytest.fixture
def url(serve: Any) -> str:
    return serve()


def send(url: str, cid: str, text: str, **query: str) -> tuple[int, dict[str, str], Any]:
    q = "&".join(f"{k}={v}" for k, v in query.items())
    return call("POST", f"{url}/v1/conversations/{cid}/messages" + (f"?{q}" if q else ""), {"content": text})


def test_a_turn_is_answered_and_stored(url: str) -> None:
    status, _, reply = send(url, "c1", "hello, who are you?")
    assert status == 200 and reply["text"].strip() and reply["finish_reason"] in ("stop", "length")
    assert reply["conversation_id"] == "c1" and reply["usage"]["prompt_tokens"] > 0
    assert {v["policy"] for v in reply["verdicts"]} == {"blocklist"}
    _, _, conv = call("GET", f"{url}/v1/conversations/c1")
    assert [(m["role"], m["content"]) for m in conv["messages"]] == [("user", "hello, who are you?"), ("assistant", reply["text"])]
    assert conv["total_messages"] == 2 and conv["options"]["adapter"] is None


def test_a_streamed_turn_sends_deltas_then_the_reply(url: str) -> None:
    status, headers, body = send(url, "c2", "tell me something", stream="true")
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    events = sse_events(body)
    names = [name for name, _ in events]
    assert names[-1] == "reply" and set(names[:-1]) == {"delta"}
    reply = events[-1][1]
    assert "".join(d["text"] for name, d in events if name == "delta") == reply["text"]
    _, _, conv = call("GET", f"{url}/v1/conversations/c2")
    assert conv["messages"][-1]["content"] == reply["text"]


def test_a_refused_message_is_marked_and_its_text_never_returned(url: str) -> None:
    _, _, reply = send(url, "c3", f"what about {BLOCKED_WORD}?")
    assert reply["finish_reason"] == "blocked" and reply["text"] == "Sorry, I can't help with that message."
    assert [v["action"] for v in reply["verdicts"] if v["policy"] == "blocklist"] == ["block"]
    assert all("checked_text" not in v for v in reply["verdicts"])


def test_reset_delete_and_unknown_conversations(url: str) -> None:
    send(url, "c4", "hello")
    call("PUT", f"{url}/v1/conversations/c4/options", {"system_prompt": "Be brief."})
    assert call("POST", f"{url}/v1/conversations/c4/reset")[0] == 204
    _, _, conv = call("GET", f"{url}/v1/conversations/c4")
    assert conv["messages"] == [] and conv["options"]["system_prompt"] == "Be brief."  # reset keeps the options
    assert call("DELETE", f"{url}/v1/conversations/c4")[0] == 204
    for method, path in [("GET", "c4"), ("DELETE", "c4"), ("POST", "c4/reset"), ("GET", "never-seen")]:
        status, _, body = call(method, f"{url}/v1/conversations/{path}")
        assert status == 404 and body["error"]["code"] == "conversation_not_found"


def test_options_change_the_next_turns(url: str) -> None:
    options = {"system_prompt": "You sell books.", "adapter": "bookshop-tiny", "decoding": {"preset": "greedy", "max_new_tokens": 3}}
    _, _, out = call("PUT", f"{url}/v1/conversations/c5/options", options)
    assert out["system_prompt"] == "You sell books." and out["adapter"] == "bookshop-tiny"
    assert out["decoding"]["max_new_tokens"] == 3 and out["decoding"]["temperature"] == 0.0
    _, _, reply = send(url, "c5", "do you have books about whales?")
    assert reply["usage"]["completion_tokens"] <= 3
    _, _, out = call("PUT", f"{url}/v1/conversations/c5/options", {"adapter": None, "decoding": None})
    assert out["adapter"] is None and out["decoding"]["max_new_tokens"] == 24 and out["system_prompt"] == "You sell books."


@pytest.mark.parametrize(("body", "status"), [
    ({"adapter": "no-such-adapter"}, 400),
    ({"decoding": {"temperature": -1}}, 400),
    ({"decoding": {"preset": "wild"}}, 400),
    ({"colour": "blue"}, 400),
    ({"system_prompt": 5}, 400),
])
def test_invalid_options_are_refused_and_change_nothing(url: str, body: dict[str, Any], status: int) -> None:
    got, _, answer = call("PUT", f"{url}/v1/conversations/c6/options", body)
    assert got == status and answer["error"]["message"]
    assert call("GET", f"{url}/v1/conversations/c6")[0] == 404  # nothing was stored


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{oops", 400, "invalid_json"),
    ({"content": ""}, 400, "invalid_value"),
    ({"content": "  \n "}, 400, "invalid_value"),
    ({"content": 42}, 400, "invalid_value"),
    ({"text": "wrong field"}, 400, "invalid_value"),
    ({"content": "x" * 9000}, 413, "message_too_long"),
    ({"content": "x" * 10_000_000}, 413, "request_too_large"),
])
def test_bad_messages_get_clear_4xx_and_store_nothing(url: str, body: Any, status: int, code: str) -> None:
    got, _, answer = call("POST", f"{url}/v1/conversations/c7/messages", body)
    assert (got, answer["error"]["code"]) == (status, code)
    assert call("GET", f"{url}/v1/conversations/c7")[0] == 404


def test_bad_conversation_ids_are_400s(url: str) -> None:
    status, _, answer = call("POST", f"{url}/v1/conversations/{'x' * 300}/messages", {"content": "hi"})
    assert status == 400 and "conversation_id" in answer["error"]["message"]
    status, _, _ = call("POST", f"{url}/v1/conversations/a%01b/messages", {"content": "hi"})
    assert status == 400


def test_each_key_has_its_own_conversations(serve: Any) -> None:
    url = serve(api_keys=["key-aaaa", "key-bbbb"])
    a, b = {"Authorization": "Bearer key-aaaa"}, {"Authorization": "Bearer key-bbbb"}
    assert call("POST", f"{url}/v1/conversations/same/messages", {"content": "hello"}, headers=a)[0] == 200
    assert call("GET", f"{url}/v1/conversations/same", headers=b)[0] == 404
    assert call("GET", f"{url}/v1/conversations/same", headers=a)[0] == 200


async def test_a_client_that_leaves_mid_stream_stops_generation_and_records_nothing(serve: Any) -> None:
    slow = SlowGenerator(words=200, interval=0.05)  # 10 s if nobody stopped it
    url = serve(backend=slow, store=MemoryStore())
    async with aiohttp.ClientSession() as session:
        response = await session.post(f"{url}/v1/conversations/gone/messages?stream=true", json={"content": "talk a lot"})
        await response.content.readuntil(b"\n\n")  # the first piece arrived
        response.close()  # the client goes away
    deadline = time.monotonic() + 5
    while slow.closed == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    produced = slow.produced
    await asyncio.sleep(0.3)
    assert slow.closed == 1 and slow.produced == produced < 20  # it stopped, and within a step
    status, _, _ = call("GET", f"{url}/v1/conversations/gone")
    assert status == 404  # nothing half-recorded


async def test_two_hundred_concurrent_streams_are_all_answered_and_stored(serve: Any) -> None:
    url = serve(rate_limit=0)

    async def one(session: aiohttp.ClientSession, i: int) -> str:
        async with session.post(f"{url}/v1/conversations/load-{i}/messages?stream=true",
                                json={"content": f"hello number {i}"}) as r:
            assert r.status == 200
            return await r.text()

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=300)) as session:
        bodies = await asyncio.gather(*(one(session, i) for i in range(200)))
    replies = [sse_events(b)[-1] for b in bodies]
    assert [name for name, _ in replies] == ["reply"] * 200, [b for b in bodies if "event: reply" not in b][:2]
    assert all(r["text"] for _, r in replies), [r for _, r in replies if not r["text"]][:2]
    for i in (0, 99, 199):
        _, _, conv = await asyncio.to_thread(call, "GET", f"{url}/v1/conversations/load-{i}")
        assert [m["content"] for m in conv["messages"]] == [f"hello number {i}", replies[i][1]["text"]]


@pytest.mark.parametrize("after", [0, 2])
def test_a_crashed_backend_is_a_503_or_an_error_event_and_the_conversation_is_unchanged(serve: Any, after: int) -> None:
    url = serve(backend=FailingGenerator(after=after), store=MemoryStore())
    status, _, body = send(url, "broken", "hello")
    assert status == 503 and body["error"]["code"] == "backend_unavailable" and "out of memory" in body["error"]["message"]
    status, _, body = send(url, "broken", "hello", stream="true")
    events = sse_events(body)
    assert status == 200 and events[-1][0] == "error" and events[-1][1]["error"]["code"] == "backend_unavailable"
    assert call("GET", f"{url}/v1/conversations/broken")[0] == 404
    with pytest.raises(openai.APIStatusError) as e:
        openai.OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0).chat.completions.create(
            model="chatkit", messages=[{"role": "user", "content": "hi"}])
    assert e.value.status_code == 503

"""The web chat page, used end to end in a real headless Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes import SlowGenerator
from http_server import BLOCKED_WORD

from chatkit import MemoryStore

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# the machine's network is closed: without these Chromium spends its start-up on refused background connections
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no chromium here (apt-get install chromium); the web page is untested in this run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    out = request.config.rootpath / "test-artifacts"
    out.mkdir(exist_ok=True)
    return out


def send(page: Any, text: str) -> str:
    """Type and send a message; the reply's text once it is complete."""
    count = page.locator(".msg.assistant").count()
    page.fill("#text", text)
    page.click("#send")
    reply = page.locator(".msg.assistant").nth(count)
    reply.and_(page.locator("[data-state=done]")).wait_for(timeout=30_000)
    return str(reply.text_content())


def test_chat_reload_refusal_adapter_and_reset(serve: Any, browser: Any, artifacts: Path) -> None:
    url = serve()
    page = browser.new_page()
    page.goto(url)
    page.locator("body[data-ready=true]").wait_for(state="attached")
    reply = send(page, "hello, who are you?")
    assert reply.strip()
    page.reload()
    page.locator("body[data-ready=true]").wait_for(state="attached")
    assert page.locator(".msg").all_text_contents() == ["hello, who are you?", reply]  # the history survives a reload

    send(page, f"tell me about {BLOCKED_WORD}")
    assert "refused" in page.locator(".note").last.text_content()
    page.reload()
    page.locator("body[data-ready=true]").wait_for(state="attached")  # the note is rebuilt from the stored verdicts
    assert page.locator(".note").all_text_contents() == ["This message was refused by the safety policies."]
    page.screenshot(path=str(artifacts / "web-chat.png"))

    with page.expect_response(lambda r: r.url.endswith("/options") and r.ok):
        page.select_option("#adapter", "bookshop-tiny")
    page.reload()
    page.locator("body[data-ready=true]").wait_for(state="attached")
    assert page.locator("#adapter").input_value() == "bookshop-tiny"  # the conversation's adapter, from the server

    page.click("#reset")
    page.wait_for_function("document.querySelectorAll('.msg').length === 0")
    page.reload()
    page.locator("body[data-ready=true]").wait_for(state="attached")
    assert page.locator(".msg").count() == 0


def test_replies_appear_while_they_are_generated(serve: Any, browser: Any) -> None:
    url = serve(backend=SlowGenerator(words=6, interval=0.25), store=MemoryStore())
    page = browser.new_page()
    page.goto(url)
    page.locator("body[data-ready=true]").wait_for(state="attached")
    page.fill("#text", "tell me a story")
    page.click("#send")
    reply = page.locator(".msg.assistant").first
    page.wait_for_function("(document.querySelector('.msg.assistant') || {}).textContent === 'Word. Word. '")
    assert reply.get_attribute("data-state") == "streaming"  # part of the reply shows before the end
    reply.and_(page.locator("[data-state=done]")).wait_for()
    assert reply.text_content() == "Word. " * 5 + "Word."


def test_the_page_asks_for_a_key_when_the_server_has_keys(serve: Any, browser: Any) -> None:
    url = serve(api_keys=["page-key"])
    page = browser.new_page()
    page.goto(url)
    page.locator("#keybox").wait_for(state="visible")
    page.fill("#key", "page-key")
    page.click("#savekey")
    page.locator("body[data-ready=true]").wait_for(state="attached")  # models and history loaded with the key
    assert send(page, "hello").strip()

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatkit import ContextOverflowError, Message, Role
from chatkit.engine.transformers.generator import TransformersGenerator
from chatkit.turn.window import TRUNCATION_MARKER, ContextWindow

words = st.text(alphabet="abcdefghij klmnop?!.,", min_size=1, max_size=120)


def conversation(texts: Sequence[str]) -> list[Message]:
    return [Message(Role.USER if i % 2 == 0 else Role.ASSISTANT, t) for i, t in enumerate(texts)]


class CountingCounter:
    def __init__(self, inner: TransformersGenerator) -> None:
        self.inner, self.calls = inner, 0

    def count_tokens(self, messages: Sequence[Message]) -> int:
        self.calls += 1
        return self.inner.count_tokens(messages)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(words, max_size=40), user=words, context=st.integers(64, 400), reserve=st.integers(1, 40),
       system=st.one_of(st.none(), words))
def test_prompts_fit_keep_order_and_keep_system_and_newest_message(
        generator: TransformersGenerator, texts: list[str], user: str, context: int, reserve: int, system: str | None) -> None:
    window = ContextWindow(generator, context)
    history = conversation(texts)
    try:
        prompt = window.build(system, history, user, reserve)
    except ContextOverflowError:  # only when not even the system prompt and a cut-to-nothing message fit
        head = [Message(Role.SYSTEM, system)] if system else []
        assert generator.count_tokens([*head, Message(Role.USER, TRUNCATION_MARKER)]) > context - reserve
        return
    assert prompt.tokens == generator.count_tokens(prompt.messages) <= context - reserve
    messages = list(prompt.messages)
    if system:
        assert messages.pop(0) == Message(Role.SYSTEM, system)
    assert messages[-1].role == Role.USER
    assert messages[-1].content == user or prompt.truncated
    kept = messages[:-1]
    assert kept == history[prompt.dropped:], "the prompt keeps a suffix of the history, in order"
    assert not kept or kept[0].role == Role.USER, "turns are dropped whole"


def test_the_newest_turns_are_kept_and_the_oldest_dropped(generator: TransformersGenerator) -> None:
    history = conversation([f"turn {i} " + "word " * 20 for i in range(40)])
    prompt = ContextWindow(generator, 512).build("sys", history, "latest", 64)
    assert 0 < prompt.dropped < len(history)
    assert prompt.messages[1] == history[prompt.dropped]
    assert prompt.messages[-2] == history[-1]


def test_a_message_over_the_budget_is_shortened_with_a_marker(generator: TransformersGenerator) -> None:
    prompt = ContextWindow(generator, 256).build("sys", [], "blah " * 1000, 32)
    assert prompt.truncated and prompt.tokens <= 224
    assert prompt.messages[-1].content.endswith(TRUNCATION_MARKER)


def test_a_system_prompt_over_the_budget_is_an_error(generator: TransformersGenerator) -> None:
    with pytest.raises(ContextOverflowError, match="system prompt"):
        ContextWindow(generator, 128).build("long system prompt " * 100, [], "hi", 32)


def test_building_costs_the_window_not_the_history(generator: TransformersGenerator) -> None:
    counter = CountingCounter(generator)
    window = ContextWindow(counter, 512)
    short = conversation([f"message {i}" for i in range(50)])
    long = conversation([f"message {i}" for i in range(5000)])
    window.build("sys", short, "hi", 64)
    counter.calls = 0
    window.build("sys", long, "hi", 64)
    first = counter.calls
    counter.calls = 0
    window.build("sys", long, "hi again", 64)
    assert first < 200, "a cold build touches only the window"
    assert counter.calls <= 4, "a warm build uses cached counts"


def test_a_prompt_that_cannot_fit_says_why(generator: TransformersGenerator) -> None:
    """Found by Hypothesis: the fit check used the bare marker, the prompt the marker with its leading space, so the
    prompt came out one token over and the error blamed the whole prompt."""
    with pytest.raises(ContextOverflowError, match="the system prompt alone does not fit the 25-token budget"):
        ContextWindow(generator, 64).build("?a", [], "?a?a?a?a?a?a.?a?a?a", 39)

"""Each repetition control on hand-made logits, checking the exact arithmetic."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import RepetitionPenaltyLogitsProcessor

from chatkit import ConfigError, DecodingConfig
from chatkit.engine.decoding import PRESETS
from chatkit.engine.processors import (
    CrossTurnBlock,
    DRYPenalty,
    FrequencyPresencePenalty,
    ReplyNoRepeatNGram,
    ReplyRepetitionPenalty,
    build_processors,
    dry_matches,
    pick,
)

INF = float("-inf")


def ids(*tokens: int) -> torch.LongTensor:
    return torch.tensor([tokens], dtype=torch.long)


def logits(*values: float) -> torch.FloatTensor:
    return torch.tensor([values], dtype=torch.float)


def test_ctrl_penalty_on_the_reply_only_spares_the_prompt() -> None:
    scores = logits(1.0, 2.0, 3.0, -1.0)
    # prompt = [0, 1], reply = [2, 3]
    out = ReplyRepetitionPenalty(1.5, prompt_len=2)(ids(0, 1, 2, 3), scores)
    assert out.tolist() == [[1.0, 2.0, 2.0, -1.5]]
    everything = RepetitionPenaltyLogitsProcessor(1.5)(ids(0, 1, 2, 3), scores.clone())
    assert everything[0, :2].tolist() == pytest.approx([1 / 1.5, 2 / 1.5]), "the library's penalty hits the prompt too"


def test_ctrl_penalty_counts_a_token_once() -> None:
    out = ReplyRepetitionPenalty(2.0, prompt_len=0)(ids(1, 1, 1), logits(0.0, 4.0))
    assert out.tolist() == [[0.0, 2.0]]


def test_frequency_and_presence_follow_openai() -> None:
    # reply [2, 2, 3]; bot history adds [1]
    out = FrequencyPresencePenalty(0.5, 1.0, prompt_len=1, extra_ids=[1])(ids(0, 2, 2, 3), logits(0.0, 0.0, 0.0, 0.0, 0.0))
    assert out.tolist() == [[0.0, -1.5, -2.0, -1.5, 0.0]]
    reply_only = FrequencyPresencePenalty(0.5, 0.0, prompt_len=1)(ids(0, 2, 2, 3), logits(0.0, 0.0, 0.0, 0.0, 0.0))
    assert reply_only.tolist() == [[0.0, 0.0, -1.0, -0.5, 0.0]]


def test_no_repeat_ngram_looks_at_the_reply_only() -> None:
    # the prompt [4, 5] may be quoted; inside the reply [4, 5, 4] the bigram (4, 5) may not come again
    assert ReplyNoRepeatNGram(2, prompt_len=2)(ids(4, 5, 4), logits(*[0.0] * 6)).tolist() == [[0.0] * 6]
    out = ReplyNoRepeatNGram(2, prompt_len=2)(ids(4, 5, 4, 5, 4), logits(*[0.0] * 6))
    assert out[0].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, INF]
    assert ReplyNoRepeatNGram(2, prompt_len=2, keep=[5])(ids(4, 5, 4, 5, 4), logits(*[0.0] * 6))[0, 5] == 0.0


def test_cross_turn_block_bans_the_bots_own_ngrams() -> None:
    previous = [[7, 8, 9], [1, 2, 3]]
    out = CrossTurnBlock(3, previous, prompt_len=1)(ids(0, 7, 8), logits(*[0.0] * 10))
    assert [i for i, v in enumerate(out[0].tolist()) if v == INF] == [9]
    assert CrossTurnBlock(3, previous, prompt_len=2)(ids(0, 7, 8), logits(*[0.0] * 10)).tolist() == [[0.0] * 10], \
        "too short to match"
    assert CrossTurnBlock(3, previous, prompt_len=1, keep=[9])(ids(0, 7, 8), logits(*[0.0] * 10))[0, 9] == 0.0, \
        "end of text stays allowed"


def test_dry_penalty_grows_with_the_repeated_length() -> None:
    # "1 2 3 4 9 1 2 3": the context ends with "1 2 3", seen before and followed by 4: n = 3
    seq = (1, 2, 3, 4, 9, 1, 2, 3)
    assert dry_matches(seq, set()) == {4: 3}
    out = DRYPenalty(0.8, 1.75, 2, breakers=[])(ids(*seq), logits(*[0.0] * 10))
    assert out[0, 4].item() == pytest.approx(-0.8 * 1.75 ** (3 - 2))
    assert out[0].tolist().count(0.0) == 9
    # n = 2 (exactly the allowed length): multiplier * base ** 0
    out = DRYPenalty(0.8, 1.75, 2, breakers=[])(ids(1, 2, 3, 9, 2, 3), logits(*[0.0] * 10))
    assert out[0, 9].item() == pytest.approx(-0.8)


def test_dry_below_the_allowed_length_and_across_breakers_is_free() -> None:
    assert DRYPenalty(0.8, 1.75, 4, breakers=[])(ids(1, 2, 3, 4, 9, 1, 2, 3), logits(*[0.0] * 10)).abs().sum() == 0
    assert dry_matches((1, 2, 3, 4, 9, 1, 2, 3), {2}) == {4: 1}, "a breaker ends the match"
    assert dry_matches((1, 2, 3, 4, 9, 1, 2, 3), {4}) == {}, "a breaker is never penalised as a continuation"


def test_the_chain_puts_penalties_before_sampling_warpers() -> None:
    chain = build_processors(PRESETS["balanced"], prompt_len=3, bot_replies=[[1, 2, 3, 4]], breaker_ids=[0], eos_ids=[5])
    names = [type(p).__name__ for p in chain]
    assert names.index("CrossTurnBlock") < names.index("TemperatureLogitsWarper") < names.index("TopPLogitsWarper")
    greedy = [type(p).__name__ for p in build_processors(PRESETS["greedy"], prompt_len=3, bot_replies=[[1, 2, 3, 4]],
                                                             breaker_ids=[0], eos_ids=[5])]
    assert "CrossTurnBlock" in greedy and not any("Warper" in name for name in greedy), "greedy: penalties, no sampling"
    assert build_processors(DecodingConfig(temperature=0.0), prompt_len=3, bot_replies=[], breaker_ids=[], eos_ids=[]) == []


@settings(max_examples=80, deadline=None)
@given(seq=st.lists(st.integers(0, 7), min_size=1, max_size=40),
       previous=st.lists(st.lists(st.integers(0, 7), max_size=12), max_size=3),
       prompt_len=st.integers(0, 10), scores=st.lists(st.floats(-5, 5), min_size=8, max_size=8))
def test_the_chain_always_leaves_end_of_text_possible(seq: list[int], previous: list[list[int]], prompt_len: int,
                                                       scores: list[float]) -> None:
    strict = PRESETS["balanced"].with_overrides(no_repeat_ngram_size=1, block_bot_ngrams=1, block_bot_turns=3)
    start = min(prompt_len, len(seq))
    bans_only = build_processors(strict.with_overrides(temperature=0.0), prompt_len=start, bot_replies=previous,
                                 breaker_ids=[], eos_ids=[7])
    assert math.isfinite(bans_only(ids(*seq), logits(*scores))[0, 7].item()), "end of text was banned"
    full = build_processors(strict, prompt_len=start, bot_replies=previous, breaker_ids=[], eos_ids=[7])
    assert torch.isfinite(full(ids(*seq), logits(*scores))).any(), "every token was removed"


@pytest.mark.parametrize(("field", "value"), [("repetition_scope", "everything"), ("dry_base", 0.5), ("frequency_penalty", -1),
                                              ("block_bot_ngrams", 99), ("penalty_scope", "users")])
def test_invalid_repetition_settings_are_refused(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=field):
        DecodingConfig().with_overrides(**{field: value})


def test_min_new_tokens_holds_back_end_of_text() -> None:
    d = DecodingConfig(temperature=0.0, min_new_tokens=2)
    chain = build_processors(d, prompt_len=2, bot_replies=[], breaker_ids=[], eos_ids=[3])
    assert chain(ids(0, 1, 2), logits(0.0, 0.0, 0.0, 5.0))[0, 3].item() == INF
    assert chain(ids(0, 1, 2, 2), logits(0.0, 0.0, 0.0, 5.0))[0, 3].item() == 5.0


def test_pick_changes_only_the_row_it_is_given() -> None:
    """Processors work in place (a clone per processor per token was most of a batched step's sampling time): the
    engines give each reply a row of its own, and a neighbouring row is untouched."""
    chain = build_processors(PRESETS["greedy"].with_overrides(min_new_tokens=4), prompt_len=1, bot_replies=[[3, 4, 5, 6]],
                             breaker_ids=[], eos_ids=[7])
    batch = logits(*[1.0] * 8).repeat(2, 1)
    assert pick(chain, ids(0, 3, 4, 5), batch[0:1], greedy=True, generator=None) != 7, "end of text before min_new_tokens"
    assert batch[1].tolist() == [1.0] * 8
    assert batch[0, 7].item() == INF and batch[0, 6].item() == INF, "the row itself carries the bans"

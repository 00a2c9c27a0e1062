"""Logits processors that keep a reply from repeating itself, and the chain that orders them.

Both local engines (transformers and llama.cpp) run every reply's logits row through this chain and ``pick``, so a
reply's decoding is the same whichever engine computes the logits. Each is a ``transformers`` LogitsProcessor over
``input_ids`` (prompt + reply so far) and the next-token ``scores``, which it may change in place: ``pick`` is given rows the
caller owns, and a reply's next token costs a clone of the vocabulary per processor otherwise (most of a batched step's
sampling time on the llama.cpp engine). ``prompt_len`` marks where the reply starts, so a
processor can look at the reply alone: the CTRL penalty of ``transformers`` punishes every token of the prompt,
punctuation and function words included, which is what makes it wreck fluency.

Penalties and bans run first, the library's own sampling warpers (temperature, top-k, top-p,
typical, min-p) after them, so a ban can never empty the nucleus. Bans never remove the
end-of-sequence tokens: a reply can always end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from transformers import (
    LogitsProcessor,
    LogitsProcessorList,
    MinPLogitsWarper,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
    TypicalLogitsWarper,
)

from chatkit.engine.decoding import DecodingConfig

NEG_INF = float("-inf")


class MinNewTokens(LogitsProcessor):
    """The end-of-sequence tokens are banned until the reply has ``min_new`` tokens (transformers' own builds a
    vocabulary-sized mask on every call)."""

    def __init__(self, prompt_len: int, min_new: int, eos_ids: Iterable[int]) -> None:
        self.until, self.eos = prompt_len + min_new, sorted(eos_ids)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if input_ids.shape[1] < self.until:
            scores[:, self.eos] = NEG_INF
        return scores


class ReplyRepetitionPenalty(LogitsProcessor):
    """CTRL's penalty (divide positive logits, multiply negative ones) for tokens of the reply only."""

    def __init__(self, penalty: float, prompt_len: int) -> None:
        self.penalty, self.prompt_len = penalty, prompt_len

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        reply = input_ids[:, self.prompt_len:]
        if reply.shape[1] == 0:
            return scores
        seen = torch.gather(scores, 1, reply)
        seen = torch.where(seen > 0, seen / self.penalty, seen * self.penalty)
        return scores.scatter_(1, reply, seen)


class FrequencyPresencePenalty(LogitsProcessor):
    """OpenAI's penalties: ``logit -= frequency * count + presence * (count > 0)``.

    Counts cover the reply so far plus ``extra_ids`` (the bot's previous replies, when asked).
    """

    def __init__(self, frequency: float, presence: float, prompt_len: int, extra_ids: Sequence[int] = ()) -> None:
        self.frequency, self.presence, self.prompt_len = frequency, presence, prompt_len
        self.extra = torch.tensor(list(extra_ids), dtype=torch.long)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        for row in range(input_ids.shape[0]):
            ids = torch.cat([self.extra.to(input_ids.device), input_ids[row, self.prompt_len:]])
            if ids.numel() == 0:
                continue
            counts = torch.bincount(ids, minlength=scores.shape[1])[: scores.shape[1]].to(scores.dtype)
            scores[row] -= self.frequency * counts + self.presence * (counts > 0).to(scores.dtype)
        return scores


class ReplyNoRepeatNGram(LogitsProcessor):
    """Bans any token that would repeat an n-gram already in the reply (the prompt is free to quote)."""

    def __init__(self, n: int, prompt_len: int, keep: Iterable[int] = ()) -> None:
        self.n, self.prompt_len, self.keep = n, prompt_len, set(keep)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        for row in range(input_ids.shape[0]):
            reply = input_ids[row, self.prompt_len:].tolist()
            banned = _ngram_continuations([reply], reply, self.n) - self.keep
            if banned:
                scores[row, list(banned)] = NEG_INF
        return scores


class CrossTurnBlock(LogitsProcessor):
    """ParlAI-style context blocking, on the bot's side only: the reply may not reproduce any
    n-gram of the bot's own previous replies. The user's words stay quotable."""

    def __init__(self, n: int, previous_replies: Sequence[Sequence[int]], prompt_len: int, keep: Iterable[int] = ()) -> None:
        self.n, self.previous, self.prompt_len, self.keep = n, [list(r) for r in previous_replies], prompt_len, set(keep)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if not self.previous:
            return scores
        for row in range(input_ids.shape[0]):
            banned = _ngram_continuations(self.previous, input_ids[row, self.prompt_len:].tolist(), self.n) - self.keep
            if banned:
                scores[row, list(banned)] = NEG_INF
        return scores


class DRYPenalty(LogitsProcessor):
    """DRY, "don't repeat yourself" (p-e-w, text-generation-webui): a token that would extend a
    sequence already seen in the context, repeated for ``n >= allowed_length`` tokens, loses
    ``multiplier * base ** (n - allowed_length)``. Sequence breakers (newlines, quotes, ...) end
    a match, so ordinary structure is never punished."""

    def __init__(self, multiplier: float, base: float, allowed_length: int, breakers: Iterable[int], max_range: int = 1024) -> None:
        self.multiplier, self.base, self.allowed = multiplier, base, allowed_length
        self.breakers, self.max_range = set(breakers), max_range

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        for row in range(input_ids.shape[0]):
            for token, n in dry_matches(input_ids[row, -self.max_range:].tolist(), self.breakers).items():
                if n >= self.allowed:
                    scores[row, token] -= self.multiplier * self.base ** (n - self.allowed)
        return scores


def dry_matches(seq: Sequence[int], breakers: set[int]) -> dict[int, int]:
    """For each token that followed an earlier occurrence of the context's ending, the length of
    the longest repeated suffix it would extend."""
    best: dict[int, int] = {}
    if not seq or seq[-1] in breakers:
        return best
    last = len(seq) - 1
    for j in range(last):  # seq[j] is an earlier copy of the last token; seq[j + 1] followed it
        if seq[j] != seq[-1] or seq[j + 1] in breakers:
            continue
        n = 0
        while n <= j and seq[j - n] == seq[last - n] and seq[j - n] not in breakers and last - n > j:
            n += 1
        best[seq[j + 1]] = max(best.get(seq[j + 1], 0), n)
    return best


def _ngram_continuations(sources: Sequence[Sequence[int]], tail: Sequence[int], n: int) -> set[int]:
    """Tokens that, appended to ``tail``, would complete an n-gram that occurs in ``sources``."""
    if n < 1 or len(tail) < n - 1:
        return set()
    prefix = tuple(tail[len(tail) - (n - 1):]) if n > 1 else ()
    return {src[i + n - 1] for src in sources for i in range(len(src) - n + 1) if tuple(src[i:i + n - 1]) == prefix}


def build_processors(d: DecodingConfig, *, prompt_len: int, bot_replies: Sequence[Sequence[int]],
                     breaker_ids: Iterable[int], eos_ids: Iterable[int]) -> LogitsProcessorList:
    """The whole chain for one reply: penalties and bans, then the sampling warpers."""
    keep = set(eos_ids)
    chain: list[LogitsProcessor] = []
    if d.min_new_tokens and keep:
        chain.append(MinNewTokens(prompt_len, d.min_new_tokens, keep))
    if d.repetition_penalty != 1.0:
        chain.append(RepetitionPenaltyLogitsProcessor(d.repetition_penalty) if d.repetition_scope == "prompt"
                     else ReplyRepetitionPenalty(d.repetition_penalty, prompt_len))
    if d.frequency_penalty or d.presence_penalty:
        extra = [t for r in bot_replies for t in r] if d.penalty_scope == "bot_history" else []
        chain.append(FrequencyPresencePenalty(d.frequency_penalty, d.presence_penalty, prompt_len, extra))
    if d.dry_multiplier:
        chain.append(DRYPenalty(d.dry_multiplier, d.dry_base, d.dry_allowed_length, breaker_ids))
    if d.no_repeat_ngram_size:
        chain.append(ReplyNoRepeatNGram(d.no_repeat_ngram_size, prompt_len, keep))
    if d.block_bot_ngrams and d.block_bot_turns:
        chain.append(CrossTurnBlock(d.block_bot_ngrams, bot_replies[-d.block_bot_turns:], prompt_len, keep))
    if not d.greedy:
        chain.append(TemperatureLogitsWarper(d.temperature))
        if d.top_k:
            chain.append(TopKLogitsWarper(d.top_k))
        if d.top_p < 1.0:
            chain.append(TopPLogitsWarper(d.top_p))
        if d.typical_p < 1.0:
            chain.append(TypicalLogitsWarper(d.typical_p))
        if d.min_p:
            chain.append(MinPLogitsWarper(d.min_p))
    return LogitsProcessorList(chain)


def pick(chain: LogitsProcessorList, ids: torch.LongTensor, scores: torch.FloatTensor, *, greedy: bool,
         generator: torch.Generator | None) -> int:
    """The next token of one reply: ``scores`` (1 x vocab) through its chain, then the greedy choice or a draw with the
    reply's own generator. ``ids`` (1 x n) is the prompt and the reply so far."""
    row = scores
    for processor in chain:  # not LogitsProcessorList.__call__, which inspects every processor's signature per call
        row = processor(ids, row)
    if greedy:
        return int(row.argmax(-1))
    return int(torch.multinomial(torch.softmax(row, dim=-1), 1, generator=generator))

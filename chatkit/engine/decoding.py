"""Decoding settings: how a reply is sampled from the model, as validated, named presets."""

from __future__ import annotations

import random
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chatkit.errors import ConfigError

SEED_MIN, SEED_MAX = -(2**63), 2**64 - 1  # what torch.Generator.manual_seed takes; a seed outside is a client's error


def retry_seed(seed: int, attempt: int) -> int:
    """Another valid seed for a retry: ``seed + attempt``, wrapped into the range instead of past its end."""
    return (seed + attempt - SEED_MIN) % (SEED_MAX - SEED_MIN + 1) + SEED_MIN


class DecodingConfig(BaseModel):
    """One reply's sampling settings. Immutable; derive variants with ``with_overrides``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_new_tokens: int = Field(160, ge=1, le=4096,
                                description="Most tokens one reply may have; a reply cut here ends at its last whole sentence.")
    min_new_tokens: int = Field(0, ge=0, le=4096, description="End of text is forbidden before this many tokens.")
    temperature: float = Field(0.7, ge=0.0, le=5.0, description="0 decodes greedily; higher is more random.")
    top_k: int = Field(0, ge=0, description="Sample from the k likeliest tokens; 0 turns it off.")
    top_p: float = Field(1.0, gt=0.0, le=1.0, description="Nucleus sampling mass; 1 turns it off.")
    min_p: float = Field(0.0, ge=0.0, lt=1.0, description="Drop tokens below this share of the top token's probability.")
    typical_p: float = Field(1.0, gt=0.0, le=1.0, description="Locally typical sampling mass; 1 turns it off.")
    repetition_penalty: float = Field(1.0, ge=1.0, le=3.0, description="CTRL penalty on tokens already seen; 1 is off.")
    repetition_scope: Literal["reply", "prompt"] = Field(
        "reply", description="What the CTRL penalty sees: the reply only, or also the whole prompt (history included).")
    frequency_penalty: float = Field(0.0, ge=0.0, le=2.0, description="Subtract this times a token's count (OpenAI semantics).")
    presence_penalty: float = Field(0.0, ge=0.0, le=2.0, description="Subtract this from every token already present.")
    penalty_scope: Literal["reply", "bot_history"] = Field(
        "reply", description="What frequency/presence count: the reply, or also the bot's previous replies.")
    no_repeat_ngram_size: int = Field(0, ge=0, le=16, description="Forbid repeating an n-gram of this size within the reply; 0: off.")
    dry_multiplier: float = Field(0.0, ge=0.0, le=5.0, description="DRY penalty strength; 0 is off.")
    dry_base: float = Field(1.75, ge=1.0, le=4.0, description="DRY growth per token of repeated sequence.")
    dry_allowed_length: int = Field(2, ge=1, le=20, description="Repeated sequences up to this long go unpunished by DRY.")
    dry_sequence_breakers: tuple[str, ...] = Field(("\n", ":", '"', "*"), description="Strings that end a DRY match.")
    block_bot_ngrams: int = Field(0, ge=0, le=16, description="Forbid n-grams of this size from the bot's recent replies; 0 is off.")
    block_bot_turns: int = Field(3, ge=0, le=50, description="How many of the bot's recent replies block_bot_ngrams looks at.")
    stop: tuple[str, ...] = Field((), description="Strings that end the reply; they are not included in it.")
    seed: int | None = Field(None, ge=SEED_MIN, le=SEED_MAX,
                             description="Fixed seed for reproducible sampling (a 64-bit integer); None draws a fresh one.")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0

    def with_overrides(self, **overrides: Any) -> DecodingConfig:
        """A copy with some fields changed, validated like the original."""
        return parse_decoding({**self.model_dump(), **overrides})


PRESETS: dict[str, DecodingConfig] = {
    # greedy: the likeliest reply, reproducible (tests, benchmarks, factual answers). Plain greedy decoding of a small
    # model loops ("hello! hello! ...") and says its previous reply again, so it keeps light penalties: DRY and a 4-gram
    # ban inside the reply, and no 4-gram of the bot's last three replies
    "greedy": DecodingConfig(temperature=0.0, repetition_penalty=1.1, no_repeat_ngram_size=4, dry_multiplier=0.8,
                             block_bot_ngrams=4, block_bot_turns=3),
    # balanced (the default): sampled small talk, varied but on topic; creative: more surprising, for stories
    "balanced": DecodingConfig(temperature=0.7, top_p=0.9, min_p=0.05, repetition_penalty=1.1, dry_multiplier=0.8,
                               block_bot_ngrams=4, block_bot_turns=3),
    "creative": DecodingConfig(temperature=0.95, top_p=0.95, min_p=0.05, dry_multiplier=0.8, presence_penalty=0.3,
                               penalty_scope="bot_history", block_bot_ngrams=4, block_bot_turns=3),
}


def retry_decoding(d: DecodingConfig, attempt: int) -> DecodingConfig:
    """Decoding for retry ``attempt`` (1, 2, ...) of a reply that must be generated again, on every engine: another
    seed, and sampling even if the original was greedy (greedy would repeat itself)."""
    seed = retry_seed(d.seed if d.seed is not None else random.randrange(2**31), attempt)
    return d.with_overrides(seed=seed, temperature=max(0.3, 0.8 * (d.temperature or 0.8)),
                            top_p=min(d.top_p, 0.9), dry_multiplier=max(d.dry_multiplier, 1.0))


def preset(name: str) -> DecodingConfig:
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(f"unknown decoding preset {name!r}; choose one of {', '.join(PRESETS)}") from None


def parse_decoding(values: dict[str, Any]) -> DecodingConfig:
    """Validate raw values into a DecodingConfig, turning pydantic's errors into one ConfigError."""
    try:
        return DecodingConfig(**values)
    except ValidationError as e:
        raise ConfigError(f"invalid decoding settings: {describe_validation_error(e)}") from None


def describe_validation_error(e: ValidationError) -> str:
    """pydantic's errors in one line: 'field.path: problem (got value)'."""
    parts = []
    for err in e.errors():
        where = ".".join(str(p) for p in err["loc"]) or "value"
        got = f" (got {err['input']!r})" if err["type"] != "missing" and "input" in err else ""
        parts.append(f"{where}: {err['msg']}{got}")
    return "; ".join(parts)

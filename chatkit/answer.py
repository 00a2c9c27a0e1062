"""The reply as the user gets it: generated, and released only as the output policies pass it."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, replace

from chatkit.config import PolicySettings
from chatkit.context import Prompt
from chatkit.decoding import DecodingConfig, retry_seed
from chatkit.generator import Generation, GenerationStream, Generator
from chatkit.policies.base import Action, Decision, PolicySet, Verdict
from chatkit.text import ELLIPSIS, complete_sentences, end_cleanly, first_sentence_end

log = logging.getLogger(__name__)


class OutputGate:
    """One turn's generation behind the output policies (``moderate`` checks a piece of text with them)."""

    def __init__(self, generator: Generator, policies: PolicySet, settings: PolicySettings,
                 moderate: Callable[[str], Awaitable[Decision]], key: str) -> None:
        self.generator, self.policies, self.settings, self.moderate, self.key = generator, policies, settings, moderate, key

    async def answer(self, result: Answer, prompt: Prompt, decoding: DecodingConfig, adapter: str | None,
                     live: bool) -> AsyncIterator[str]:
        """Generate, releasing text only once the output policies passed it.

        Without output policies the text streams token by token. With them it is released sentence
        by sentence. A sentence that a policy wants regenerated restarts the reply with a new seed
        and stricter decoding, as long as nothing was shown yet (``live``: a person is reading the
        stream); otherwise the reply ends at the last sentence that passed, or is the fallback.
        """
        attempts = self.settings.max_regenerations + 1 if self.policies.output else 1
        for attempt in range(attempts):
            d = decoding if attempt == 0 else _stricter(decoding, attempt)
            released: list[str] = []
            failed: Action | None = None
            gen_stream = self.generator.stream(prompt.messages, d, adapter)
            async with aclosing(gen_stream):
                if not self.policies.output:
                    async for piece in gen_stream:
                        released.append(piece)
                        if live:
                            yield piece
                    if _cut_short(gen_stream):  # shown text cannot be taken back: mark the cut instead
                        released[:] = [end_cleanly("".join(released))] if not live else [*released, ELLIPSIS]
                        if live:
                            yield ELLIPSIS
                else:
                    buffer = ""
                    async for piece in gen_stream:
                        buffer += piece
                        while failed is None and (cut := first_sentence_end(buffer)):
                            sentence, buffer = buffer[:cut], buffer[cut:]
                            failed = await self._release(sentence, result, released, attempt)
                            if failed is None and live:
                                yield released[-1]
                        if failed is not None:
                            break
                    if failed is None and _cut_short(gen_stream):  # drop the unfinished sentence
                        buffer = complete_sentences(buffer) if released else end_cleanly(buffer)
                    if failed is None and buffer.strip():
                        failed = await self._release(buffer, result, released, attempt)
                        if failed is None and live:
                            yield released[-1]
            # a stream closed early (a sentence failed) has no result of its own
            generation = gen_stream.result or Generation("".join(released), prompt.tokens, 0, "fallback", None, 0.0)
            result.generation = generation
            result.completion_tokens += generation.completion_tokens
            result.generate_s += generation.generate_s
            if failed is None:
                result.text, result.finish_reason = "".join(released).strip(), generation.finish_reason
                break
            if failed == Action.REGENERATE and attempt + 1 < attempts and not (live and released):
                log.info("conversation %s: regenerating the reply (attempt %d)", self.key, attempt + 2)
                continue
            result.text = "".join(released).strip() if live and released else self.settings.fallback
            result.finish_reason = "fallback"
            break
        shown = live and bool(released)  # what a live reader saw stays; otherwise they get the final text now
        if not shown and result.text:
            yield result.text

    async def _release(self, text: str, result: Answer, released: list[str], attempt: int) -> Action | None:
        """Check one piece of output; on success append its (possibly redacted) text, else return the action."""
        decision = await self.moderate(text)
        kept = text if decision.action >= Action.REGENERATE else None  # what the user never saw, for the audit trail
        result.verdicts += tuple(replace(v, attempt=attempt, part=len(released), checked_text=kept if v.action >= Action.REGENERATE
                                         else None) for v in decision.verdicts)
        if decision.action >= Action.REGENERATE:
            return decision.action
        released.append(decision.text)
        return None


@dataclass
class Answer:
    """What ``OutputGate.answer`` produced, across its attempts."""

    text: str = ""
    finish_reason: str = "stop"
    verdicts: tuple[Verdict, ...] = ()
    completion_tokens: int = 0
    generate_s: float = 0.0
    generation: Generation | None = None


def _cut_short(stream: GenerationStream) -> bool:
    return stream.result is not None and stream.result.finish_reason == "length"


def _stricter(d: DecodingConfig, attempt: int) -> DecodingConfig:
    """Decoding for a retry: another seed, and sampling even if the original was greedy (greedy would repeat itself)."""
    seed = retry_seed(d.seed if d.seed is not None else random.randrange(2**31), attempt)
    return d.with_overrides(seed=seed, temperature=max(0.3, 0.8 * (d.temperature or 0.8)),
                            top_p=min(d.top_p, 0.9), dry_multiplier=max(d.dry_multiplier, 1.0))

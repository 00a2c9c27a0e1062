"""The reply as the user gets it: generated, and released only as the output policies pass it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, replace

from chatkit.config import PolicySettings
from chatkit.engine.base import Generation, GenerationStream, Generator
from chatkit.engine.decoding import DecodingConfig, retry_decoding
from chatkit.policies.base import Action, Decision, Stage, Verdict
from chatkit.text import ELLIPSIS, complete_sentences, end_cleanly, first_sentence_end
from chatkit.turn.moderation import Moderator
from chatkit.turn.window import Prompt

log = logging.getLogger(__name__)

# A sentence that runs on is checked and released in pieces of at most this many characters (cut at a space where
# there is one in the second half), so a reply with no sentence end is never held to its end.
MAX_RELEASE_CHARS = 200


def next_release(buffer: str, limit: int = MAX_RELEASE_CHARS) -> int | None:
    """Where the next piece to check ends: the first sentence's end, or ``limit`` characters at most."""
    cut = first_sentence_end(buffer)
    if cut is not None and cut <= limit:
        return cut
    if len(buffer) <= limit:
        return None
    space = buffer.rfind(" ", limit // 2, limit + 1)
    return space if space > 0 else limit


@dataclass(frozen=True)
class GateResult:
    """What the gate released, across its attempts: the last item ``OutputGate.run`` yields."""

    text: str
    finish_reason: str
    verdicts: tuple[Verdict, ...]
    completion_tokens: int
    generate_s: float
    first_token_s: float | None  # of the last attempt, from the moment it started generating


class OutputGate:
    """One turn's generation behind the output policies; a reply a policy wants regenerated is retried up to
    ``policies.max_regenerations`` times with ``retry_decoding`` (the one recipe every engine uses)."""

    def __init__(self, generator: Generator, moderator: Moderator, settings: PolicySettings) -> None:
        self.generator, self.moderator, self.settings = generator, moderator, settings

    async def run(self, prompt: Prompt, decoding: DecodingConfig, adapter: str | None, *, live: bool,
                  conversation_id: str, history: tuple[str, ...]) -> AsyncIterator[str | GateResult]:
        """Generate, releasing text only once the output policies passed it; the last item is the GateResult.

        Without output policies the text streams token by token. With them it is released sentence
        by sentence, and a sentence longer than ``MAX_RELEASE_CHARS`` in pieces of at most that many characters.
        A sentence that a policy wants regenerated restarts the reply with a new seed
        and stricter decoding, as long as nothing was shown yet (``live``: a person is reading the
        stream); otherwise the reply ends at the last sentence that passed, or is the fallback.
        ``history`` is what the output policies see: the recent user turns, the one answered last.
        """
        moderated = self.moderator.has(Stage.OUTPUT)
        attempts = self.settings.max_regenerations + 1 if moderated else 1
        verdicts: tuple[Verdict, ...] = ()
        completion_tokens, generate_s = 0, 0.0
        text, finish_reason, generation = "", "stop", None
        released: list[str] = []
        message: str | None = None  # a policy's own message instead of the reply (Action.RESPOND: care for a person)
        for attempt in range(attempts):
            d = decoding if attempt == 0 else retry_decoding(decoding, attempt)
            released = []
            failed: Action | None = None
            gen_stream = self.generator.stream(prompt.messages, d, adapter)
            async with aclosing(gen_stream):
                if not moderated:
                    async for piece in gen_stream:
                        released.append(piece)
                        if live:
                            yield piece
                    if _cut_short(gen_stream):  # shown text cannot be taken back: mark the cut instead
                        released[:] = [end_cleanly("".join(released))] if not live else [*released, ELLIPSIS]
                        if live:
                            yield ELLIPSIS
                else:
                    # shown: the start of the current sentence, released early; the rest is checked with it
                    buffer, shown = "", ""
                    early = self.settings.first_release_chars if live else 0
                    async for piece in gen_stream:
                        buffer += piece
                        while failed is None and (cut := next_release(buffer) or
                                                  (early and not released and first_release(buffer, early))):
                            whole = cut == next_release(buffer)
                            text, buffer = shown + buffer[:cut], buffer[cut:]
                            decision = await self.moderator.check(text, Stage.OUTPUT, conversation_id, history,
                                                                  reply_before=_before(released, shown))
                            if not whole and decision.action > Action.FLAG:
                                # the early piece, cut before its sentence ended (often inside a word: "Che" of
                                # "Cheese" scored as an insult), stops nothing: its sentence, checked whole before
                                # any of it shows, decides
                                buffer, early = text + buffer, 0
                                continue
                            verdicts += _audit(decision, text, attempt, len(released))
                            failed = _release(decision, released, len(shown))
                            message = decision.refusal if failed == Action.RESPOND else message
                            if failed is None and live and released[-1]:
                                yield released[-1]
                            shown = "" if whole else text
                        if failed is not None:
                            break
                    if failed is None and _cut_short(gen_stream) and not shown:  # drop the unfinished sentence
                        buffer = complete_sentences(buffer) if released else end_cleanly(buffer)
                    if failed is None and buffer.strip():  # the last sentence, with its start if that was shown
                        text = shown + buffer
                        decision = await self.moderator.check(text, Stage.OUTPUT, conversation_id, history,
                                                              reply_before=_before(released, shown))
                        verdicts += _audit(decision, text, attempt, len(released))
                        failed = _release(decision, released, len(shown))
                        message = decision.refusal if failed == Action.RESPOND else message
                        if failed is None and live and released[-1]:
                            yield released[-1]
                    if failed is None and shown and _cut_short(gen_stream):  # a sentence shown in part: mark the cut
                        released.append(ELLIPSIS)
                        if live:
                            yield ELLIPSIS
            # a stream closed early (a sentence failed) has no result of its own
            generation = gen_stream.result or Generation("".join(released), prompt.tokens, 0, "fallback", None, 0.0)
            completion_tokens += generation.completion_tokens
            generate_s += generation.generate_s
            if failed is None:
                text, finish_reason = "".join(released).strip(), generation.finish_reason
                break
            if failed == Action.REGENERATE and attempt + 1 < attempts and not (live and released):
                log.info("conversation %s: regenerating the reply (attempt %d)", conversation_id, attempt + 2)
                continue
            if failed == Action.RESPOND and message:  # what a live reader saw stays, and the message follows it
                text = message if not (live and released) else "".join(released).strip() + "\n\n" + message
                if live and released:
                    yield "\n\n" + message
                    released.append("\n\n" + message)
                finish_reason = "responded"
                break
            text = "".join(released).strip() if live and released else self.settings.fallback
            finish_reason = "fallback"
            break
        shown = live and bool(released)  # what a live reader saw stays; otherwise they get the final text now
        if not shown and text:
            yield text
        yield GateResult(text, finish_reason, verdicts, completion_tokens, generate_s,
                         generation.first_token_s if generation is not None else None)


def _before(released: list[str], shown: str) -> str:
    """The reply's text shown before the sentence now checked (its own first piece, if shown early, is part of it)."""
    return "".join(released[:-1] if shown else released)


def _audit(decision: Decision, text: str, attempt: int, part: int) -> tuple[Verdict, ...]:
    """The verdicts on one piece of output, for the record; the text a user never saw is kept with them."""
    kept = text if decision.action >= Action.REGENERATE else None
    return tuple(replace(v, attempt=attempt, part=part, checked_text=kept if v.action >= Action.REGENERATE else None)
                 for v in decision.verdicts)


def _release(decision: Decision, released: list[str], shown: int = 0) -> Action | None:
    """Append the checked (possibly redacted) text, less the ``shown`` characters of it already released, if it
    passed; else the action that stopped it."""
    if decision.action >= Action.REGENERATE:
        return decision.action
    released.append(decision.text[shown:])
    return None


def first_release(buffer: str, chars: int) -> int | None:
    """Where the reply's first piece may end before its first sentence does, once it has ``chars`` characters that
    are not space: after its last whole word, or all of it while it is one word."""
    if len(buffer.strip()) < chars:
        return None
    space = buffer.rstrip().rfind(" ")
    return space + 1 if space > 0 and len(buffer[:space].strip()) >= chars else len(buffer)


def _cut_short(stream: GenerationStream) -> bool:
    return stream.result is not None and stream.result.finish_reason == "length"

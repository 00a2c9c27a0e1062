"""Cleaning of user text before it reaches a model or a store."""

from __future__ import annotations

import re

from chatkit.errors import InvalidMessageError, MessageTooLongError

# C0/C1 controls except tab and newline; they carry no meaning in chat and confuse terminals and tokenizers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_message(text: object, max_chars: int) -> str:
    """The message as it will be stored: valid UTF-8, no control characters, trimmed.

    Raises InvalidMessageError for non-text, empty or over-long input rather than silently
    cutting it, so the user can decide what to send instead.
    """
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        raise InvalidMessageError(f"a message must be text, not {type(text).__name__}")
    # Lone surrogates (from badly decoded input) cannot be encoded as UTF-8: U+FFFD, like invalid bytes.
    text = _SURROGATE.sub("\ufffd", text)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InvalidMessageError("the message is empty; type some text")
    if len(text) > max_chars:
        raise MessageTooLongError(
            f"the message is {len(text):,} characters, over the limit of {max_chars:,} "
            "(chat.max_message_chars); send a shorter one"
        )
    return text


ELLIPSIS = "…"
# Where a sentence ends, spelled once: terminal punctuation, then closing quotes or brackets.
_TERMINAL = r"[.!?…]+"
# a finished reply: the sentence ends at whitespace or the end of the text (curly quotes and markdown stars close too)
_SENTENCE_END = re.compile(rf"{_TERMINAL}[\"'”’)\]*]*(?=\s|$)")
# text still streaming: a sentence has ended once whitespace follows it (the next one has begun), or at a newline
_STREAMED_SENTENCE_END = re.compile(rf"{_TERMINAL}[\"')\]]*\s+|\n+")
# a place to split a long text between sentences (the Telegram adapter's 4096-character messages)
SENTENCE_BREAK = re.compile(rf"{_TERMINAL}[\"')\]]*\s")


def first_sentence_end(text: str) -> int | None:
    """Where the first complete sentence of streamed ``text`` ends (its trailing space included), if any."""
    m = _STREAMED_SENTENCE_END.search(text)
    return m.end() if m else None


def complete_sentences(text: str) -> str:
    """``text`` up to the end of its last complete sentence ("" if it has none)."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    return text[: ends[-1]].rstrip() if ends else ""


def end_cleanly(text: str) -> str:
    """A reply that hit its token limit, cut back to its last complete sentence, or marked with an ellipsis."""
    return complete_sentences(text) or (text.rstrip(" \t\n,;:-–—") + ELLIPSIS if text.strip() else "")

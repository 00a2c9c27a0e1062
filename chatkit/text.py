"""Cleaning of user text before it reaches a model or a store."""

from __future__ import annotations

import re

from chatkit.errors import InvalidMessageError

# C0/C1 controls except tab and newline; they carry no meaning in chat and confuse terminals and tokenizers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_message(text: object, max_chars: int) -> str:
    """The message as it will be stored: valid UTF-8, no control characters, trimmed.

    Raises InvalidMessageError for non-text, empty or over-long input rather than silently
    cutting it, so the user can decide what to send instead.
    """
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        raise InvalidMessageError(f"a message must be text, not {type(text).__name__}")
    # Lone surrogates (from badly decoded input) cannot be encoded as UTF-8; replace them.
    text = text.encode("utf-8", errors="replace").decode("utf-8")
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InvalidMessageError("the message is empty; type some text")
    if len(text) > max_chars:
        raise InvalidMessageError(
            f"the message is {len(text):,} characters, over the limit of {max_chars:,} "
            "(chat.max_message_chars); send a shorter one"
        )
    return text

"""A client's conversation id, checked as the client sent it, and the store key it maps to.

With API keys an id X is kept as ``http:<fingerprint>:X``; without keys as ``http:X``. So that no id a client of a
keyless server can send lands in a keyed tenant's namespace (both may share one store), a keyless id may not start
with what a fingerprint looks like followed by ":"."""

from __future__ import annotations

import re

from chatkit.adapters.http.errors import APIError

MAX_ID = 200
_KEYED = re.compile(r"^[0-9a-f]{12}:")  # a key's fingerprint (http_guard.fingerprint) and the separator


def conversation_key(caller: str, conversation_id: str) -> str:
    """The store key for ``conversation_id`` of ``caller`` ("anonymous" without keys); a 400 naming the client's own
    id, never the key, if the id cannot be one."""
    check_id(conversation_id)
    if caller == "anonymous":
        if _KEYED.match(conversation_id):
            raise _invalid(conversation_id, "may not start with 12 hexadecimal digits and ':' (the keyed namespace)")
        return f"http:{conversation_id}"
    return f"http:{caller}:{conversation_id}"


def check_id(conversation_id: str) -> str:
    if not conversation_id.strip():
        raise _invalid(conversation_id, "is blank")
    if len(conversation_id) > MAX_ID:
        raise _invalid(conversation_id[:40] + "...", f"is over {MAX_ID} characters")
    if not conversation_id.isprintable():
        raise _invalid(conversation_id, "has characters that are not printable text; use letters, digits and punctuation")
    return conversation_id


def _invalid(conversation_id: str, why: str) -> APIError:
    return APIError(400, f"the conversation id {conversation_id!r} {why}", code="invalid_conversation_id",
                    param="conversation_id")

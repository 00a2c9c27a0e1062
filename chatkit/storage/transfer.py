"""Export conversations to JSON and import them back: backups, moves between stores, audits.

An export holds every message with its moderation verdicts, so a reviewer can read what was
said and what the policies decided. Import validates the whole file before writing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from chatkit.errors import ConversationNotFoundError, TransferError
from chatkit.policies.base import Verdict
from chatkit.storage.base import Conversation, Options, Store, StoredMessage
from chatkit.types import Role

FORMAT = "chatkit.conversations/1"


def conversation_to_dict(c: Conversation) -> dict[str, Any]:
    return {
        "key": c.key, "options": c.options.as_dict(),
        "created_at": c.created_at, "updated_at": c.updated_at,
        "messages": [{"role": str(m.role), "content": m.content, "created_at": m.created_at,
                      "verdicts": [v.as_dict() for v in m.verdicts]} for m in c.messages],
    }


def conversation_from_dict(d: Any, where: str = "conversation") -> Conversation:
    try:
        if not isinstance(d, dict) or not isinstance(d.get("key"), str) or not d["key"].strip():
            raise ValueError("needs a non-empty string 'key'")
        messages = []
        for i, m in enumerate(d.get("messages", [])):
            if not isinstance(m, dict) or not isinstance(m.get("content"), str):
                raise ValueError(f"messages[{i}] needs 'role' and a string 'content'")
            messages.append(StoredMessage(Role(m["role"]), m["content"], float(m.get("created_at", 0.0)),
                                          tuple(Verdict.from_dict(v) for v in m.get("verdicts", []))))
        options = Options.from_dict(d.get("options", {}))
        return Conversation(d["key"], tuple(messages), options, float(d.get("created_at", 0.0)), float(d.get("updated_at", 0.0)))
    except (ValueError, KeyError, TypeError) as e:
        raise TransferError(f"{where}: {e}") from None


async def require_conversation(store: Store, key: str, limit: int | None = None) -> Conversation:
    """The conversation, or ConversationNotFoundError telling the user how to find the right id."""
    conv = await store.load(key, limit=limit)
    if conv is None:
        raise ConversationNotFoundError(f"no conversation {key!r}; `chatkit conversations list` shows them")
    return conv


async def export_conversations(store: Store, keys: Sequence[str] | None = None) -> dict[str, Any]:
    """Every conversation (or the named ones) as one JSON-ready document."""
    if keys is None:
        keys = [info.key for info in await store.list()]
    conversations = []
    for key in keys:
        conversations.append(conversation_to_dict(await require_conversation(store, key)))
    return {"format": FORMAT, "conversations": conversations}


async def import_conversations(store: Store, data: Any, *,
                               on_conflict: Literal["error", "replace", "skip"] = "error") -> int:
    """Write the conversations of an export into ``store``; returns how many were written."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("conversations"), list):
        raise TransferError(f"not a chatkit export (expected a JSON object with format {FORMAT!r} and a 'conversations' list)")
    conversations = [conversation_from_dict(d, f"conversation {i}") for i, d in enumerate(data["conversations"])]
    existing = {info.key for info in await store.list()}
    clashes = [c.key for c in conversations if c.key in existing]
    if clashes and on_conflict == "error":
        raise TransferError(f"conversations already exist: {', '.join(clashes[:5])}; import with --replace or --skip")
    written = 0
    for conv in conversations:
        if conv.key in existing and on_conflict == "skip":
            continue
        await store.put(conv)
        written += 1
    return written

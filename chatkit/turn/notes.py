"""Notes on what left the context window: a ``DropHook`` hears of every message the window drops, and its notes
join the system prompt. ``SelfNotes`` (``chat.notes = true``) keeps what the user said about themselves."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from chatkit.types import Message, Role


class DropHook(Protocol):
    """Hears about turns as they leave the context window, and may add notes to the system prompt."""

    def dropped(self, conversation_id: str, messages: Sequence[Message]) -> None:
        ...

    def notes(self, conversation_id: str) -> str | None:
        ...

    def forget(self, conversation_id: str) -> None:
        ...


class SelfNotes:
    """Keeps what the user said about themselves ("my dog is called rex", "i work nights") in turns
    that left the window, so a long conversation still knows them. Off unless ``chat.notes = true``."""

    PATTERN = re.compile(r"\b(?:i am|i'm|im|my|i have|i like|i love|i live|i work|i study)\b[^.!?\n]{3,60}", re.IGNORECASE)

    def __init__(self, max_notes: int = 6) -> None:
        self.max_notes = max_notes
        self._notes: dict[str, list[str]] = {}

    def dropped(self, conversation_id: str, messages: Sequence[Message]) -> None:
        notes = self._notes.setdefault(conversation_id, [])
        for m in messages:
            if m.role != Role.USER:
                continue
            for match in self.PATTERN.finditer(m.content):
                note = match.group(0).strip()
                if note.lower() not in (n.lower() for n in notes):
                    notes.append(note)
        del notes[: max(0, len(notes) - self.max_notes)]

    def notes(self, conversation_id: str) -> str | None:
        notes = self._notes.get(conversation_id)
        return f"Earlier the user said: {'; '.join(notes)}." if notes else None

    def forget(self, conversation_id: str) -> None:
        self._notes.pop(conversation_id, None)

"""Data that crosses module lines: messages, replies, usage and timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatkit.policies.base import Verdict


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"


@dataclass(frozen=True)
class Message:
    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        """The form chat templates take."""
        return {"role": str(self.role), "content": self.content}


@dataclass(frozen=True)
class Origin:
    """Where a message came from on a platform, for exactly-once replies: ``source`` is the platform's id of the
    message ("telegram:update:123"), ``target`` where the reply goes (a chat id)."""

    source: str
    target: str


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    dropped_messages: int = 0  # history left out of the prompt to fit the context window


@dataclass(frozen=True)
class Timings:
    total_s: float = 0.0
    generate_s: float = 0.0
    first_token_s: float | None = None  # from the call to the first generated token


@dataclass(frozen=True)
class Reply:
    text: str
    verdicts: tuple[Verdict, ...] = ()
    usage: Usage = field(default_factory=Usage)
    timings: Timings = field(default_factory=Timings)
    # stop | length | blocked | fallback | responded (a policy's own message, e.g. care for a person at risk) | replayed
    # (this message was answered before)
    finish_reason: str = "stop"

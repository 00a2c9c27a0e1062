"""Blocklist: words and regular expressions, matched whole-word on normalized text.

Matching the normalized text catches "b@dword" and "b.a.d.w.o.r.d"; with the REDACT action the
matched spans are masked in the original text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatkit.policies.base import Action, PolicyContext, Verdict
from chatkit.policies.normalize import normalize


class BlocklistPolicy:
    def __init__(self, name: str = "blocklist", *, words: Sequence[str] = (), patterns: Sequence[str] = (),
                 action: Action = Action.BLOCK, mask: str = "***") -> None:
        alternatives = [re.escape(normalize(w).text) for w in words if w.strip()]
        for p in patterns:
            try:
                re.compile(p)
            except re.error as e:
                raise ValueError(f"blocklist pattern {p!r} is not a valid regular expression: {e}") from None
            alternatives.append(f"(?:{p})")
        if not alternatives:
            raise ValueError("a blocklist needs words or patterns")
        self.name, self.action, self.mask = name, action, mask
        self._regex = re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE)

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        norm = normalize(text)
        hits = list(self._regex.finditer(norm.text))
        if not hits:
            return Verdict(self.name, Action.ALLOW, 0.0)
        spans = [norm.span(m.start(), m.end()) for m in hits]
        redacted = text
        for start, end in reversed(spans):
            redacted = redacted[:start] + self.mask + redacted[end:]
        found = ", ".join(sorted({m.group(0) for m in hits}))
        return Verdict(self.name, self.action, 1.0, f"blocked terms: {found}", redacted)

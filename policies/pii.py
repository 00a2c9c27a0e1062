"""Personal data: e-mail addresses, phone numbers, payment cards (Luhn-checked) and IBANs
(mod-97-checked). Redacts them in output by default; put the policy on the input stage as well
to redact them before they are stored or reach the model."""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatkit.policies.base import Action, PolicyContext, Verdict

PATTERNS = {
    "email": re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.IGNORECASE),
    "card": re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])"),
    "iban": re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b"),
    "phone": re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){2,4}(?!\w)"),
}


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(int(c) for c in reversed(digits)):
        total += d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2)
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    s = iban.replace(" ", "").upper()
    moved = s[4:] + s[:4]
    return 15 <= len(s) <= 34 and int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _valid(kind: str, found: str) -> bool:
    digits = re.sub(r"\D", "", found)
    if kind == "card":
        return 13 <= len(digits) <= 19 and luhn_ok(digits)
    if kind == "iban":
        return iban_ok(found)
    if kind == "phone":
        return 9 <= len(digits) <= 15
    return True


class PIIPolicy:
    def __init__(self, name: str = "pii", *, kinds: Sequence[str] = ("email", "phone", "card", "iban"),
                 action: Action = Action.REDACT) -> None:
        unknown = set(kinds) - set(PATTERNS)
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)}; choose from {', '.join(PATTERNS)}")
        self.name, self.kinds, self.action = name, tuple(k for k in PATTERNS if k in kinds), action

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        spans: list[tuple[int, int, str]] = []
        for kind in self.kinds:  # in PATTERNS order: a card number is not also reported as a phone number
            for m in PATTERNS[kind].finditer(text):
                if _valid(kind, m.group(0)) and not any(s < m.end() and m.start() < e for s, e, _ in spans):
                    spans.append((m.start(), m.end(), kind))
        if not spans:
            return Verdict(self.name, Action.ALLOW, 0.0)
        redacted = text
        for start, end, kind in sorted(spans, reverse=True):
            redacted = redacted[:start] + f"[{kind.upper()}]" + redacted[end:]
        kinds = ", ".join(sorted({k for _, _, k in spans}))
        return Verdict(self.name, self.action, 1.0, f"personal data: {kinds}", redacted)

from __future__ import annotations

import pytest

from chatkit.policies.base import Action, PolicyContext, Stage
from chatkit.policies.pii import PIIPolicy

CTX = PolicyContext(Stage.OUTPUT)


@pytest.mark.parametrize(("text", "redacted"), [
    ("mail me at jane.doe+chat@example.co.uk please", "mail me at [EMAIL] please"),
    ("my card is 4111 1111 1111 1111.", "my card is [CARD]."),
    ("card 4111-1111-1111-1111", "card [CARD]"),
    ("IBAN DE89 3704 0044 0532 0130 00 thanks", "IBAN [IBAN] thanks"),
    ("call +44 20 7946 0958 tonight", "call [PHONE] tonight"),
    ("call (555) 123-4567", "call [PHONE]"),
])
def test_personal_data_is_redacted(text: str, redacted: str) -> None:
    verdict = PIIPolicy().check(text, CTX)
    assert verdict.action == Action.REDACT and verdict.redacted == redacted


@pytest.mark.parametrize("text", [
    "my card is 4111 1111 1111 1112",   # fails the Luhn check
    "IBAN DE89 3704 0044 0532 0130 01",  # fails mod 97
    "i have 3 cats and 2 dogs", "the year 2024 was long", "version 1.2.3", "it costs 1500 dollars",
])
def test_look_alikes_pass(text: str) -> None:
    assert PIIPolicy().check(text, CTX).action == Action.ALLOW


def test_kinds_can_be_chosen() -> None:
    assert PIIPolicy(kinds=["email"]).check("call +44 20 7946 0958", CTX).action == Action.ALLOW
    with pytest.raises(ValueError, match="unknown kinds"):
        PIIPolicy(kinds=["ssn"])

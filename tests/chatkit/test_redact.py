"""Credentials in URLs are masked wherever chatkit writes a URL out."""

from __future__ import annotations

import logging

import pytest

from chatkit.redact import MaskCredentials, mask_url


@pytest.mark.parametrize(("text", "masked"), [
    ("cannot reach redis://:secret@127.0.0.1:6390/0 (refused)", "cannot reach redis://***@127.0.0.1:6390/0 (refused)"),
    ("rediss://user:p%40ss@host/1", "rediss://***@host/1"),
    ("redis://only-password@host", "redis://***@host"),
    ("'redis://u:p@h:1/0'", "'redis://***@h:1/0'"),
    ("redis://127.0.0.1:6379/0 has no credentials", "redis://127.0.0.1:6379/0 has no credentials"),
    ("mail me at a@b.c", "mail me at a@b.c"),
])
def test_mask_url(text: str, masked: str) -> None:
    assert mask_url(text) == masked


def test_the_log_filter_masks_messages_arguments_and_tracebacks() -> None:
    record = logging.LogRecord("chatkit.x", logging.ERROR, __file__, 1, "store %s failed", ("redis://:pw@h/0",), None)
    MaskCredentials().filter(record)
    assert record.getMessage() == "store redis://***@h/0 failed"
    try:
        raise RuntimeError("redis://:pw@h/0 down")
    except RuntimeError:
        import sys

        record = logging.LogRecord("chatkit.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    MaskCredentials().filter(record)
    assert "pw@" not in logging.Formatter().format(record) and "redis://***@h/0" in logging.Formatter().format(record)

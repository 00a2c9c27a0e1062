"""Credentials never leave the process: URLs' userinfo masked in every message, log line and health answer."""

from __future__ import annotations

import logging
import re

# scheme://user:password@host or scheme://password@host (Redis takes both): everything between // and @
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<userinfo>[^/@\s'\"]+)@")


def mask_url(text: str) -> str:
    """``text`` with any URL's userinfo replaced by ``***``: ``redis://:secret@host`` -> ``redis://***@host``."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}***@", text)


class MaskCredentials(logging.Filter):
    """A logging filter that masks URLs' credentials in a record's message and arguments (and its exception's text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours
            return True
        masked = mask_url(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if mask_url(text) != text:
                record.exc_text, record.exc_info = mask_url(text), None
        return True


def install_log_masking(*loggers: str) -> None:
    """Mask credentials in what these loggers (the root's handlers included) write."""
    f = MaskCredentials()
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(x, MaskCredentials) for x in logger.filters):
            logger.addFilter(f)
    for handler in [*logging.getLogger().handlers, *([logging.lastResort] if logging.lastResort else [])]:
        if not any(isinstance(x, MaskCredentials) for x in handler.filters):
            handler.addFilter(f)

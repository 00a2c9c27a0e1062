"""Hex sha256 digests of text, bytes and files: the one recipe behind every short name chatkit derives from content
(an API key's name in logs, metrics and conversation ids; a file's checksum on a card).

The identities of a model or an encoder from their files (``models/cards.model_fingerprint``,
``policies/engines/encoder.encoder_fingerprint``) hash their own selection of what is in a directory and stay
with it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_hex(data: bytes | str, length: int = 64) -> str:
    """The first ``length`` hex digits of the sha256 of ``data`` (text as UTF-8); all 64 by default."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()[:length]


def sha256_file(path: Path) -> str:
    """The full hex sha256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

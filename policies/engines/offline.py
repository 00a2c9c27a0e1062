"""chatkit's offline toxicity scorer: works with no download, inside the package.

A linear model over hashed word and character n-grams of the normalized text (so "h4te" and
"f.u.c.k" look like the words they spell), with two outputs: ``toxicity`` and
``identity_attack``. Trained by ``tools/train_toxicity.py``; ~1 MB of weights, well under a
millisecond a message on a CPU. Detoxify is the stronger engine when a checkpoint is available.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import zlib
from collections.abc import Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from chatkit.policies.normalize import normalize

BUCKETS = 1 << 18
LABELS = ("toxicity", "identity_attack")
# Tweet noise: retweet marks, links, hashtag signs, and mentions where tweets put them (leading the text, or before
# a colon). A mid-sentence "@ss" is leetspeak, not a mention: it is left for normalization to fold into a word.
_NOISE = re.compile(r"(?:\bRT\b|^(?:\s*\.?@\w+[:,]?)+|@\w+:|https?://\S+|#)", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9']+")


def features(text: str) -> list[int]:
    """Hashed feature ids of a text: words, word pairs, and 3- to 5-character pieces of words."""
    # Tweet noise goes before normalization, which would fold the '@' of a mention into a letter.
    clean = normalize(_NOISE.sub(" ", html.unescape(text))).text
    words = [w.strip("'") for w in _WORD.findall(clean)]
    words = [w for w in words if w]
    grams = {f"w:{w}" for w in words}
    grams.update(f"b:{a} {b}" for a, b in itertools.pairwise(words))
    for w in words:
        padded = f" {w[:24]} "
        grams.update(f"c:{padded[i:i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1))
    return [zlib.crc32(g.encode()) & (BUCKETS - 1) for g in grams]


def default_path() -> Path:
    return Path(str(resources.files("chatkit.policies") / "assets" / "toxicity"))


class OfflineScorer:
    """Scores texts with the shipped weights (or another directory written by the training script)."""

    name = "chatkit-offline"

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    @cached_property
    def _model(self) -> tuple[np.ndarray, np.ndarray]:
        data = np.load(self.path / "weights.npz")
        return data["weights"].astype(np.float32), data["bias"].astype(np.float32)

    @cached_property
    def meta(self) -> dict[str, object]:
        """Training data, split, and the thresholds picked on validation data."""
        return json.loads((self.path / "meta.json").read_text())

    @property
    def labels(self) -> tuple[str, ...]:
        return LABELS

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        weights, bias = self._model
        out = []
        for text in texts:
            ids = features(text)
            logits = weights[ids].sum(axis=0) + bias if ids else bias
            probs = np.exp(-np.logaddexp(0.0, -logits))  # the logistic function without overflow on extreme logits
            out.append({label: float(p) for label, p in zip(LABELS, probs, strict=True)})
        return out

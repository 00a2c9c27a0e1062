"""Toxicity: Detoxify when a checkpoint is configured, else chatkit's offline scorer.

Every label the engine has (toxicity, identity_attack, and Detoxify's obscene, insult, threat,
...) is checked against its own threshold; the verdict's score is the highest label score.
The engine loads once, lazily, on first use; ``check_many`` scores a batch in one call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from chatkit.policies.base import Action, PolicyContext, Verdict, unit

log = logging.getLogger(__name__)


class Scorer(Protocol):
    name: str

    @property
    def labels(self) -> tuple[str, ...]:
        ...

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        ...


class DetoxifyScorer:
    """Detoxify's own loading and prediction, made to work from local files.

    ``checkpoint`` is a Detoxify checkpoint file; ``huggingface_config_path`` the folder with the
    matching transformers config and tokenizer, which Detoxify otherwise fetches from the hub.
    """

    def __init__(self, model_type: str = "original", checkpoint: str | None = None,
                 huggingface_config_path: str | None = None, device: str = "cpu") -> None:
        import torch
        from detoxify import Detoxify
        from detoxify.detoxify import get_model_and_tokenizer

        self.name = f"detoxify ({checkpoint or model_type})"
        if checkpoint and not Path(checkpoint).is_file():
            raise FileNotFoundError(f"Detoxify checkpoint {checkpoint} does not exist")
        if checkpoint and huggingface_config_path:
            loaded = torch.load(checkpoint, map_location=device, weights_only=False)
            args = dict(loaded["config"]["arch"]["args"])
            args["model_type"] = huggingface_config_path  # Detoxify reads the config from model_type too
            model, tokenizer = get_model_and_tokenizer(**args, state_dict=loaded["state_dict"],
                                                       huggingface_config_path=huggingface_config_path)
            renames = {"toxic": "toxicity", "identity_hate": "identity_attack", "severe_toxic": "severe_toxicity"}
            self._detoxify = Detoxify.__new__(Detoxify)
            self._detoxify.model, self._detoxify.tokenizer, self._detoxify.device = model.to(device), tokenizer, device
            self._detoxify.class_names = [renames.get(c, c) for c in loaded["config"]["dataset"]["args"]["classes"]]
        else:
            self._detoxify = Detoxify(model_type, checkpoint=checkpoint, device=device,
                                      huggingface_config_path=huggingface_config_path)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self._detoxify.class_names)

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        scores = self._detoxify.predict(list(texts))
        # Detoxify squeezes a batch of one down to bare floats
        columns = {label: v if isinstance(v, list) else [v] for label, v in scores.items()}
        return [{label: float(columns[label][i]) for label in self.labels} for i in range(len(texts))]


class ToxicityPolicy:
    def __init__(self, name: str = "toxicity", *, threshold: float | None = None, thresholds: Mapping[str, float] | None = None,
                 labels: Sequence[str] | None = None, action: Action = Action.BLOCK, engine: str = "auto",
                 model_type: str = "original", checkpoint: str | None = None, huggingface_config_path: str | None = None,
                 device: str = "cpu", scorer: Scorer | None = None) -> None:
        if engine not in ("auto", "offline", "detoxify"):
            raise ValueError(f"engine must be auto, offline or detoxify, not {engine!r}")
        if threshold is not None:
            unit("threshold", threshold)
        for label, value in (thresholds or {}).items():
            unit(f"thresholds.{label}", value)  # 2.0 would silently turn the label off
        self.name, self.action = name, action
        self.threshold, self.thresholds, self.labels = threshold, dict(thresholds or {}), labels
        self._engine_args: dict[str, Any] = {"engine": engine, "model_type": model_type, "checkpoint": checkpoint,
                                             "huggingface_config_path": huggingface_config_path, "device": device}
        self._scorer = scorer
        self._loading = threading.Lock()

    @property
    def scorer(self) -> Scorer:
        with self._loading:
            if self._scorer is None:
                self._scorer = self._load()
                log.info("%s: scoring with %s", self.name, self._scorer.name)
        return self._scorer

    def load(self) -> None:
        """Load the engine now rather than on the first message."""
        _ = self.scorer

    def _load(self) -> Scorer:
        a = self._engine_args
        if a["engine"] == "detoxify" or (a["engine"] == "auto" and a["checkpoint"]):
            return DetoxifyScorer(a["model_type"], a["checkpoint"], a["huggingface_config_path"], a["device"])
        from chatkit.policies.offline_scorer import OfflineScorer

        return OfflineScorer()

    def limit(self, label: str) -> float:
        """The threshold of one label: configured, else the scorer's calibrated one, else 0.5."""
        if label in self.thresholds:
            return self.thresholds[label]
        if self.threshold is not None:
            return self.threshold
        calibrated = getattr(self.scorer, "meta", {}).get("thresholds", {})
        return float(calibrated.get(label, 0.5))

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        return self.check_many([text], ctx)[0]

    def check_many(self, texts: Sequence[str], ctx: PolicyContext) -> list[Verdict]:
        scorer = self.scorer
        labels = self.labels or scorer.labels
        verdicts = []
        for scores in scorer.predict(texts):
            over = [lab for lab in labels if scores.get(lab, 0.0) >= self.limit(lab)]
            label = max(over or labels, key=lambda lab: scores.get(lab, 0.0))
            score = scores.get(label, 0.0)
            reason = f"{label} {score:.2f} (threshold {self.limit(label):.2f})"
            verdicts.append(Verdict(self.name, self.action if over else Action.ALLOW, min(1.0, score), reason))
        return verdicts

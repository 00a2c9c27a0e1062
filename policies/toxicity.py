"""Toxicity by category: hate, threat, insult, profanity, sexual, each with its own threshold and action.

What is hateful is not the same as what is offensive: a public bot refuses hate, threats and
sexual content, has an insulting reply written again, and lets a user swear (the verdict flags
it). Actions are per category and per stage (``actions``, ``input_actions``). Engines: chatkit's
content model (``model``: a sentence encoder and one head per category, the default when its
encoder is installed), Detoxify when a checkpoint is configured, or the offline n-gram scorer
(``offline``: toxicity and identity_attack only, no download). Engines' own label names map onto
the categories (identity_attack is hate, obscene profanity, ...). Text in a language the engine
was not trained on is not scored (the verdict says which language it is): the language policy
decides about it. The engine loads once, lazily; ``check_many`` scores a batch in one call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from chatkit.policies.base import Action, PolicyContext, Stage, Verdict, category_actions, unit
from chatkit.policies.engines.content import TARGETED, ContentModel
from chatkit.policies.engines.offline import OfflineScorer
from chatkit.policies.errors import BiasModelError
from chatkit.policies.language import language_outside
from chatkit.policies.referents import in_context

log = logging.getLogger(__name__)

CATEGORIES = ("hate", "threat", "insult", "profanity", "sexual", "toxicity")
# engines' label names -> chatkit's categories; "toxicity" is the offline scorer's and Detoxify's catch-all
CATEGORY_OF = {"identity_attack": "hate", "identity_hate": "hate", "obscene": "profanity", "sexual_explicit": "sexual",
               "severe_toxicity": "toxicity", "toxic": "toxicity"}
DEFAULT_ACTIONS = {"hate": Action.BLOCK, "threat": Action.BLOCK, "sexual": Action.BLOCK, "toxicity": Action.BLOCK,
                   "insult": Action.REGENERATE, "profanity": Action.REGENERATE}
DEFAULT_INPUT_ACTIONS = {"insult": Action.FLAG, "profanity": Action.FLAG}  # a user may swear; the bot may not


def category_of(label: str) -> str:
    return CATEGORY_OF.get(label, label)


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
    """``actions``: category -> action at the output (and the input, unless ``input_actions`` says otherwise there);
    ``action`` sets every category's action at once (what ``[policies.toxicity] action`` does). ``languages``: the
    languages the engine was trained on (a multilingual Detoxify checkpoint: more); others are not scored."""

    def __init__(self, name: str = "toxicity", *, threshold: float | None = None, thresholds: Mapping[str, float] | None = None,
                 labels: Sequence[str] | None = None, action: Action | None = None,
                 actions: Mapping[str, Action | str] | None = None, input_actions: Mapping[str, Action | str] | None = None,
                 languages: Sequence[str] = ("en",), engine: str = "auto", model_type: str = "original",
                 checkpoint: str | None = None, huggingface_config_path: str | None = None, device: str = "cpu",
                 scorer: Scorer | None = None) -> None:
        if engine not in ("auto", "model", "offline", "detoxify"):
            raise ValueError(f"engine must be auto, model, offline or detoxify, not {engine!r}")
        if threshold is not None:
            unit("threshold", threshold)
        for label, value in (thresholds or {}).items():
            unit(f"thresholds.{label}", value)  # 2.0 would silently turn the label off
        if isinstance(languages, str) or not languages:
            raise ValueError("languages needs a list of language codes, e.g. ['en']")
        self.name, self.languages = name, tuple(languages)
        self.threshold, self.thresholds, self.labels = threshold, dict(thresholds or {}), labels
        # each stage: its own setting, else ``actions`` (both stages), else ``action`` (everything), else the defaults
        everything = {c: action for c in CATEGORIES} if action is not None else {}
        given = category_actions("actions", actions, {}, CATEGORIES)
        self.actions = {**DEFAULT_ACTIONS, **everything, **given}
        self.input_actions = category_actions("input_actions", input_actions,
                                              {**DEFAULT_ACTIONS, **DEFAULT_INPUT_ACTIONS, **everything, **given}, CATEGORIES)
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
        scorer = self.scorer
        if hasattr(scorer, "load"):
            scorer.load()

    def _load(self) -> Scorer:
        a = self._engine_args
        if a["engine"] == "detoxify" or (a["engine"] == "auto" and a["checkpoint"]):
            return DetoxifyScorer(a["model_type"], a["checkpoint"], a["huggingface_config_path"], a["device"])
        if a["engine"] in ("auto", "model"):
            model = ContentModel()
            try:
                model.load()
                return model
            except BiasModelError as e:
                if a["engine"] == "model":
                    raise
                log.warning("%s: %s; using the offline scorer (toxicity and identity_attack only)", self.name, e)
        return OfflineScorer()

    def limit(self, label: str) -> float:
        """The threshold of one label: configured (by its own or its category's name), else the scorer's calibrated
        one, else 0.5."""
        for key in (label, category_of(label)):
            if key in self.thresholds:
                return self.thresholds[key]
        if self.threshold is not None:
            return self.threshold
        calibrated = getattr(self.scorer, "meta", {}).get("thresholds", {})
        return float(calibrated.get(label, 0.5))

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        return self.check_many([text], ctx)[0]

    def _in_context(self, text: str, ctx: PolicyContext, scores: dict[str, float]) -> dict[str, float]:
        """Where an attack on someone was found in a text with a pronoun, the scores of that text read after what the
        pronoun may point to: each attack's lower score of the two readings (policies/referents.py)."""
        attacks = [label for label in scores if category_of(label) in TARGETED]
        if not any(scores[label] >= self.limit(label) for label in attacks) or (joined := in_context(text, ctx)) is None:
            return scores
        again = self.scorer.predict([joined])[0]
        return {**scores, **{label: min(scores[label], again.get(label, scores[label])) for label in attacks}}

    def check_many(self, texts: Sequence[str], ctx: PolicyContext) -> list[Verdict]:
        scorer = self.scorer
        labels = self.labels or scorer.labels
        actions = self.input_actions if ctx.stage == Stage.INPUT else self.actions
        foreign = [language_outside(t, self.languages) for t in texts]
        scored = [t for t, lang in zip(texts, foreign, strict=True) if lang is None]
        results = iter(scorer.predict(scored) if scored else [])
        verdicts = []
        for text, lang in zip(texts, foreign, strict=True):
            if lang is not None:
                verdicts.append(Verdict(self.name, Action.ALLOW, 0.0, f"not scored: written in {lang}, and {scorer.name} "
                                        f"knows {', '.join(self.languages)} only", language=lang))
                continue
            scores = self._in_context(text, ctx, next(results))
            by_category: dict[str, tuple[float, str]] = {}
            for label in labels:
                value = scores.get(label, 0.0)
                category = category_of(label)
                if value >= by_category.get(category, (-1.0, ""))[0]:
                    by_category[category] = (value, label)
            over = [(actions.get(c, Action.BLOCK), value, c, label) for c, (value, label) in by_category.items()
                    if value >= self.limit(label)]
            action, value, category, label = max(over or [(Action.ALLOW, *max((v, c, lab) for c, (v, lab) in by_category.items()))])
            reason = f"{category} {value:.2f} (threshold {self.limit(label):.2f})"
            verdicts.append(Verdict(self.name, action, min(1.0, value), reason, category=category if over else "",
                                    scores=tuple((c, round(v, 4)) for c, (v, _) in by_category.items())))
        return verdicts

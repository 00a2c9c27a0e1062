"""chatkit's moderation categories as OpenAI's moderation categories, in one place.

``moderation_result(decision, text)`` turns a PolicySet's Decision on one text into one entry of OpenAI's
``/v1/moderations`` ``results``; ``chatkit moderate --format openai`` and ``chatkit serve`` both use it, and the
``guard`` policy's ``openai-moderation`` format reads such results back with ``FROM_OPENAI``.

The rule, by category NAME (so a policy added later is mapped as soon as its categories are named here):

* each chatkit category maps to zero or more OpenAI keys (``TO_OPENAI``); a verdict contributes its ``scores``
  (each named category's score) and, for the category that decided it, its overall ``score``;
* ``category_scores[key]`` is the highest score of any chatkit category mapped to ``key`` (0 where none);
* ``categories[key]`` is true when that score reaches the threshold (0.5 unless configured), or when a verdict whose
  action is BLOCK or more severe (BLOCK, RESPOND) decided on a category mapped to ``key``;
* ``flagged`` is true when any verdict's action is BLOCK or more severe (whatever its category: a blocklist match
  with no category is flagged with every category false), or when any category is true;
* combinations: ``hate/threatening`` is min(hate, threat) and ``harassment/threatening`` also takes
  min(harassment, threat), so only hate (harassment) that also threatens counts; ``self_harm`` maps to ``self-harm``
  and to ``self-harm/instructions`` when the text asks how (a "how do I / ways to / method" question), to
  ``self-harm/intent`` otherwise; ``violence/graphic`` has no chatkit source and is always 0;
* categories with no OpenAI key (toxicity's ``profanity``, hazard's ``privacy``, ``defamation``,
  ``intellectual_property``, ``specialized_advice``, ``jailbreak``) are only in the result's ``chatkit`` key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from chatkit.policies.base import Action, Decision, Verdict

OPENAI_CATEGORIES = (
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
    "self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors", "violence", "violence/graphic",
)

# chatkit category -> OpenAI keys. toxicity: hate, threat, insult, profanity, sexual; hazard: the rest.
TO_OPENAI: dict[str, tuple[str, ...]] = {
    "hate": ("hate",),
    "threat": ("harassment/threatening", "violence"),
    "insult": ("harassment",),
    "sexual": ("sexual",),
    "profanity": (),
    "toxicity": (),
    "violent_crimes": ("violence", "illicit/violent"),
    "nonviolent_crimes": ("illicit",),
    "weapons": ("illicit/violent",),
    "child_exploitation": ("sexual/minors", "sexual"),
    "sex_crimes": ("sexual", "illicit/violent"),
    "self_harm": ("self-harm",),  # and intent or instructions: see _self_harm_key
    "harassment": ("harassment",),
    "privacy": (),
    "defamation": (),
    "intellectual_property": (),
    "specialized_advice": (),
    "jailbreak": (),
}

# OpenAI key -> the chatkit category it reads as (the guard policy's openai-moderation format)
FROM_OPENAI: dict[str, str] = {
    "harassment": "harassment", "harassment/threatening": "threat", "hate": "hate", "hate/threatening": "hate",
    "illicit": "nonviolent_crimes", "illicit/violent": "violent_crimes", "self-harm": "self_harm",
    "self-harm/intent": "self_harm", "self-harm/instructions": "self_harm", "sexual": "sexual",
    "sexual/minors": "child_exploitation", "violence": "violent_crimes", "violence/graphic": "violent_crimes",
}

DEFAULT_THRESHOLD = 0.5
_ASKS_HOW = re.compile(r"\b(how (do|can|could|would|should|to)|ways? to|methods?|steps? to|instructions?|what is the best way)\b",
                       re.IGNORECASE)


def _self_harm_key(text: str) -> str:
    return "self-harm/instructions" if _ASKS_HOW.search(text) else "self-harm/intent"


def category_scores(verdicts: Iterable[Verdict]) -> dict[str, float]:
    """Every chatkit category any verdict scored, with its highest score."""
    scores: dict[str, float] = {}
    for v in verdicts:
        named = dict(v.scores)
        if v.category and v.category not in named:
            named[v.category] = v.score
        for name, score in named.items():
            scores[name] = max(scores.get(name, 0.0), float(score))
    return scores


def moderation_result(decision: Decision, text: str, threshold: float = DEFAULT_THRESHOLD) -> dict[str, object]:
    """One entry of OpenAI's moderation ``results`` for ``text``, with chatkit's own verdicts under ``chatkit``."""
    ours = category_scores(decision.verdicts)
    scores = dict.fromkeys(OPENAI_CATEGORIES, 0.0)
    decided: set[str] = set()
    for name, score in ours.items():
        for key in _keys(name, text):
            scores[key] = max(scores[key], score)
    threat = ours.get("threat", 0.0)
    scores["hate/threatening"] = max(scores["hate/threatening"], min(ours.get("hate", 0.0), threat))
    scores["harassment/threatening"] = max(scores["harassment/threatening"], min(ours.get("harassment", 0.0), threat))
    for v in decision.verdicts:
        if v.action >= Action.BLOCK and v.category:
            decided.update(_keys(v.category, text))
    categories = {k: k in decided or scores[k] >= threshold for k in OPENAI_CATEGORIES}
    blocked = any(v.action >= Action.BLOCK for v in decision.verdicts)
    return {
        "flagged": blocked or any(categories.values()),
        "categories": categories,
        "category_scores": {k: round(s, 6) for k, s in scores.items()},
        "category_applied_input_types": {k: ["text"] for k in OPENAI_CATEGORIES},
        "chatkit": {"action": _action_name(decision), "category_scores": {k: round(s, 6) for k, s in sorted(ours.items())},
                    "verdicts": [_public(v) for v in decision.verdicts]},
    }


def _keys(category: str, text: str) -> tuple[str, ...]:
    keys = TO_OPENAI.get(category, ())
    return (*keys, _self_harm_key(text)) if category == "self_harm" else keys


def _action_name(decision: Decision) -> str:
    action = max((v.action for v in decision.verdicts), default=decision.action)
    return getattr(action, "name", str(action)).lower()


def _public(v: Verdict) -> dict[str, object]:
    d = v.as_dict()
    d.pop("checked_text", None)
    return d


def chatkit_categories(openai_scores: Mapping[str, float]) -> dict[str, float]:
    """OpenAI's category scores as chatkit categories (the highest where several keys read as one)."""
    out: dict[str, float] = {}
    for key, score in openai_scores.items():
        name = FROM_OPENAI.get(key)
        if name is not None:
            out[name] = max(out.get(name, 0.0), float(score))
    return out

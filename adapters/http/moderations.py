"""``POST /v1/moderations``: OpenAI's moderation endpoint, answered by chatkit's policies.

``model`` picks the policies: ``chatkit-input`` (the default, also under OpenAI's own model names, so a client
configured for OpenAI works unchanged) or ``chatkit-output``. Up to 32 texts a request, scored as one batch; each
result has OpenAI's 13 categories, mapped from chatkit's (``chatkit.policies.openai_categories``), and chatkit's own
verdicts under ``chatkit``.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from chatkit.adapters.http.errors import APIError
from chatkit.adapters.http.service import ServiceDep
from chatkit.errors import InvalidMessageError, MessageTooLongError
from chatkit.policies.base import Action, Decision, PolicyContext, PolicySet, Stage
from chatkit.policies.openai_categories import moderation_result
from chatkit.text import clean_message

router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])

MAX_INPUTS = 32
STAGE_MODELS = {"chatkit-input": Stage.INPUT, "chatkit-output": Stage.OUTPUT}
# OpenAI's own moderation model names, so that a client configured for OpenAI (LibreChat, LiteLLM) works unchanged
OPENAI_ALIASES = ("omni-moderation-latest", "omni-moderation-2024-09-26", "text-moderation-latest", "text-moderation-stable")


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class InputPart(_Lenient):
    type: str
    text: str | None = None


class ModerationRequest(_Lenient):
    model: str | None = Field(None, description="chatkit-input (default) or chatkit-output: which stage's policies judge.")
    input: str | list[str] | list[InputPart]

    def stage(self) -> Stage:
        model = self.model or "chatkit-input"
        if model in STAGE_MODELS:
            return STAGE_MODELS[model]
        if model in OPENAI_ALIASES:
            return Stage.INPUT
        raise APIError(400, f"the model {model!r} does not exist; moderation models: {', '.join(STAGE_MODELS)}",
                       code="model_not_found", param="model")

    def texts(self) -> list[str]:
        items: list[str | InputPart] = [self.input] if isinstance(self.input, str) else list(self.input)
        if not items:
            raise APIError(400, "input is empty; send a string or a list of 1 to 32 strings", code="invalid_value", param="input")
        if len(items) > MAX_INPUTS:
            raise APIError(400, f"input has {len(items)} items; at most {MAX_INPUTS} a request", code="invalid_value",
                           param="input")
        texts = []
        for i, item in enumerate(items):
            if isinstance(item, str):
                texts.append(item)
            elif item.type == "text" and item.text is not None:
                texts.append(item.text)
            elif item.type == "text":
                raise APIError(400, f"input[{i}] is a text part with no text", code="invalid_value", param=f"input.{i}.text")
            else:
                raise APIError(400, f"input[{i}] is a {item.type!r} part: only text is moderated here",
                               code="unsupported_content", param=f"input.{i}.type")
        return texts


class ModerationResult(_Lenient):
    model_config = ConfigDict(extra="allow")
    flagged: bool
    categories: dict[str, bool]
    category_scores: dict[str, float]
    category_applied_input_types: dict[str, list[str]]
    chatkit: dict[str, Any] = Field(description="chatkit: the action, chatkit's own category scores and the verdicts.")


class ModerationResponse(BaseModel):
    id: str
    model: str
    results: list[ModerationResult]


@router.post("/moderations", response_model=ModerationResponse)
async def moderations(request: ModerationRequest, svc: ServiceDep) -> ModerationResponse:
    stage = request.stage()
    texts = request.texts()
    limit = svc.bot.settings.chat.max_message_chars
    cleaned = [_clean(t, limit, i) for i, t in enumerate(texts)]
    results = await moderate(svc.bot.policies, cleaned, stage, svc.bot.settings.serve.moderation_threshold)
    svc.metrics.moderation(stage, results)
    return ModerationResponse(id=f"modr-{uuid.uuid4().hex}", model=request.model or "chatkit-input",
                              results=[ModerationResult(**r) for r in results])


async def moderate(policies: PolicySet, texts: list[str], stage: Stage, threshold: float) -> list[dict[str, Any]]:
    """OpenAI-shaped results for ``texts`` (empty ones are judged by no policy and never flagged)."""
    judged = [i for i, t in enumerate(texts) if t]
    decisions = await policies.acheck_many([texts[i] for i in judged], PolicyContext(stage=stage))
    by_index = dict(zip(judged, decisions, strict=True))
    empty = _empty_decision()
    return [moderation_result(by_index.get(i, empty), t, threshold) for i, t in enumerate(texts)]


def _clean(text: str, limit: int, index: int) -> str:
    try:
        return clean_message(text, limit)
    except MessageTooLongError as e:
        raise APIError(413, f"input[{index}]: {e}", code="message_too_long", param=f"input.{index}") from None
    except InvalidMessageError:
        return ""  # an empty text: OpenAI answers it (not flagged), so chatkit does too


def _empty_decision() -> Decision:
    return Decision(action=Action.ALLOW, verdicts=(), text="")

"""The OpenAI-compatible API: ``POST /v1/chat/completions`` (stateless, moderated) and ``GET /v1/models``.

The client sends the whole history; the last user message passes the input policies and the reply the output
policies; nothing is stored. Fields chatkit does not implement get a 400 naming them (http_fields.py); others it does not
know are ignored, as OpenAI does.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from chatkit.adapters.http.errors import APIError, as_api_error
from chatkit.adapters.http.fields import refuse_unsupported
from chatkit.adapters.http.service import Service, ServiceDep, public_verdict
from chatkit.adapters.http.shutdown import ShutdownCut
from chatkit.engine.decoding import SEED_MAX, SEED_MIN, DecodingConfig
from chatkit.types import Message, Reply, Role

router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])

# how chatkit's endings read to an OpenAI client: a refused message or a reply replaced by the fallback was filtered
FINISH_REASONS = {"stop": "stop", "length": "length", "blocked": "content_filter", "fallback": "content_filter",
                  "responded": "content_filter",
                  "cancelled": "stop", "replayed": "stop"}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ContentPart(_Lenient):
    type: str
    text: str | None = None


class ChatMessage(_Lenient):
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            if any(p.type != "text" for p in self.content):
                raise APIError(400, "only text content parts are supported", code="unsupported_content", param="messages")
            return "".join(p.text or "" for p in self.content)
        return self.content or ""


class StreamOptions(_Lenient):
    include_usage: bool = False


class ChatCompletionRequest(_Lenient):
    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = None
    seed: int | None = Field(None, ge=SEED_MIN, le=SEED_MAX, description="A 64-bit integer.")
    frequency_penalty: float | None = Field(None, ge=-2.0, le=2.0)
    presence_penalty: float | None = Field(None, ge=-2.0, le=2.0)
    n: int | None = Field(None, ge=1, le=1, description="Only 1 is supported.")

    @model_validator(mode="before")
    @classmethod
    def _supported(cls, body: Any) -> Any:
        refuse_unsupported(body)  # a 400 naming the field, not a silent ignore
        return body

    def decoding(self, base: DecodingConfig) -> DecodingConfig:
        stop = [self.stop] if isinstance(self.stop, str) else self.stop
        if stop is not None and len(stop) > 4:
            raise APIError(400, "stop may have at most 4 sequences", code="invalid_value", param="stop")
        for name in ("frequency_penalty", "presence_penalty"):
            if (getattr(self, name) or 0.0) < 0.0:
                raise APIError(400, f"{name} below 0 is not supported by chatkit (it would reward repetition)",
                               code="invalid_value", param=name)
        fields: dict[str, Any] = {
            "temperature": self.temperature, "top_p": self.top_p, "seed": self.seed,
            "max_new_tokens": self.max_completion_tokens or self.max_tokens,
            "stop": tuple(s for s in stop if s) if stop is not None else None,
            "frequency_penalty": self.frequency_penalty, "presence_penalty": self.presence_penalty,
        }
        return base.with_overrides(**{k: v for k, v in fields.items() if v is not None})

    def chat(self) -> list[Message]:
        roles = {"developer": Role.SYSTEM}
        return [Message(roles[m.role] if m.role in roles else Role(m.role), m.text()) for m in self.messages]


class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ResponseMessage
    finish_reason: str
    logprobs: None = None


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage
    verdicts: list[dict[str, Any]] = Field(default_factory=list, description="chatkit: the policies' verdicts on this turn.")


class Model(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "chatkit"
    adapter: str = Field(description="chatkit: the LoRA adapter this id runs ('base': none).")


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]


@router.get("/models", response_model=ModelList)
async def list_models(svc: ServiceDep) -> ModelList:
    return ModelList(data=[Model(id=k, adapter=v) for k, v in svc.models().items()])


@router.post("/chat/completions", response_model=ChatCompletion,
             responses={200: {"content": {"text/event-stream": {}}, "description": "With stream: chat.completion.chunk events"}})
async def chat_completions(request: ChatCompletionRequest, svc: ServiceDep) -> Any:
    adapter = svc.adapter_for(request.model)
    decoding = request.decoding(svc.bot.decoding)
    stream = svc.bot.complete(request.chat(), decoding=decoding, adapter=adapter, live=request.stream)
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if request.stream:
        include_usage = bool(request.stream_options and request.stream_options.include_usage)
        return StreamingResponse(_chunks(svc, stream, completion_id, created, request.model, include_usage),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    reply = await svc.run(stream)
    return ChatCompletion(id=completion_id, created=created, model=request.model, usage=_usage(reply),
                          choices=[Choice(message=ResponseMessage(content=reply.text),
                                          finish_reason=FINISH_REASONS.get(reply.finish_reason, "stop"))],
                          verdicts=[public_verdict(v) for v in reply.verdicts])


async def _chunks(svc: Service, stream: Any, completion_id: str, created: int, model: str,
                  include_usage: bool) -> AsyncIterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    try:
        async with aclosing(svc.pieces(stream)) as pieces:
            async for piece in svc.until_shutdown(pieces):
                yield chunk({"content": piece})
    except Exception as e:  # the response has started: the error goes in the stream, as OpenAI does
        error = as_api_error(e)
        yield f"data: {json.dumps({'error': {'message': error.message, 'type': 'server_error', 'code': error.code}})}\n\n"
        if isinstance(e, ShutdownCut):
            yield "data: [DONE]\n\n"  # the stream ends here on purpose: the client is told, not cut off
        return
    reply: Reply = stream.reply
    yield chunk({}, FINISH_REASONS.get(reply.finish_reason, "stop"), verdicts=[public_verdict(v) for v in reply.verdicts])
    if include_usage:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [],
                "usage": _usage(reply).model_dump()}
        yield f"data: {json.dumps(body)}\n\n"
    yield "data: [DONE]\n\n"


def _usage(reply: Reply) -> CompletionUsage:
    u = reply.usage
    return CompletionUsage(prompt_tokens=u.prompt_tokens, completion_tokens=u.completion_tokens,
                           total_tokens=u.prompt_tokens + u.completion_tokens)

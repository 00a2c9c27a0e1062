"""The conversations API: stateful chats kept in the configured Store, one per id, each with its own options.

With API keys, each key has its own conversations: the same id under two keys is two conversations.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from chatkit.adapters.http.errors import APIError, as_api_error
from chatkit.adapters.http.ids import conversation_key
from chatkit.adapters.http.service import Service, ServiceDep, caller, public_verdict
from chatkit.turn.chatbot import ReplyStream
from chatkit.types import Reply

router = APIRouter(prefix="/v1/conversations", tags=["Conversations"])

ConversationId = Annotated[str, Path(min_length=1, max_length=200, description="Any printable id the client chooses.")]


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(description="The user's message.")
    stream: bool = Field(False, description="Answer with server-sent events (same as ?stream=true).")


class UsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    dropped_messages: int = Field(description="History left out of the prompt to fit the context window.")


class ReplyOut(BaseModel):
    conversation_id: str
    text: str
    finish_reason: str = Field(description="stop | length | blocked (the message was refused) | responded (a policy's own "
                                           "message instead, such as care for a person at risk) | fallback (the reply was "
                                           "replaced) ")
    verdicts: list[dict[str, Any]]
    usage: UsageOut


class StoredMessageOut(BaseModel):
    role: str
    content: str
    created_at: float
    verdicts: list[dict[str, Any]]


class OptionsOut(BaseModel):
    system_prompt: str = Field(description="The system prompt in effect.")
    adapter: str | None = Field(description="The conversation's own adapter; null: the configured default.")
    decoding: dict[str, Any] = Field(description="The decoding in effect.")


class ConversationOut(BaseModel):
    id: str
    messages: list[StoredMessageOut] = Field(description="The newest `limit` messages, oldest first.")
    total_messages: int
    options: OptionsOut


class OptionsIn(BaseModel):
    """Fields left out stay as they are; null restores the configured default."""

    model_config = ConfigDict(extra="forbid")

    system_prompt: str | None = None
    adapter: str | None = Field(None, description="An adapter or model id from GET /v1/models; 'base' for none.")
    decoding: dict[str, Any] | None = Field(None, description="A preset and/or DecodingConfig fields: "
                                                              '{"preset": "greedy", "max_new_tokens": 60}.')


def _key(request: Request, conversation_id: str) -> str:
    return conversation_key(caller(request), conversation_id)  # checks the client's id, not the store key


@router.post("/{conversation_id}/messages", response_model=ReplyOut,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "With stream: `delta` events with text, then one `reply` event (a ReplyOut)"}})
async def send_message(request: Request, body: MessageIn, conversation_id: ConversationId, svc: ServiceDep,
                       stream: Annotated[bool, Query(description="Answer with server-sent events.")] = False) -> Any:
    live = stream or body.stream
    turn = svc.bot.stream(_key(request, conversation_id), body.content, live=live)  # a bad message fails here: 400/413
    if not live:
        return _reply_out(conversation_id, await svc.run(turn))
    return StreamingResponse(_events(svc, turn, conversation_id), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})


async def _events(svc: Service, turn: ReplyStream, conversation_id: str) -> AsyncIterator[str]:
    try:
        async with aclosing(svc.pieces(turn)) as pieces:
            async for piece in svc.until_shutdown(pieces):
                yield _event("delta", {"text": piece})
    except Exception as e:  # the response has started: the error goes in the stream
        error = as_api_error(e)
        yield _event("error", {"error": {"message": error.message, "code": error.code}})
        return
    assert turn.reply is not None
    yield _event("reply", _reply_out(conversation_id, turn.reply).model_dump())


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _reply_out(conversation_id: str, reply: Reply) -> ReplyOut:
    u = reply.usage
    return ReplyOut(conversation_id=conversation_id, text=reply.text, finish_reason=reply.finish_reason,
                    verdicts=[public_verdict(v) for v in reply.verdicts],
                    usage=UsageOut(prompt_tokens=u.prompt_tokens, completion_tokens=u.completion_tokens,
                                   dropped_messages=u.dropped_messages))


@router.get("/{conversation_id}", response_model=ConversationOut)
async def get_conversation(request: Request, conversation_id: ConversationId, svc: ServiceDep,
                           limit: Annotated[int, Query(ge=0, le=10_000, description="Newest messages to return.")] = 100
                           ) -> ConversationOut:
    key = _key(request, conversation_id)
    conv = await svc.bot.conversation(key, limit=limit)
    if conv is None:
        raise _not_found(conversation_id)
    messages = [StoredMessageOut(role=str(m.role), content=m.content, created_at=m.created_at,
                                 verdicts=[public_verdict(v) for v in m.verdicts]) for m in conv.messages]
    return ConversationOut(id=conversation_id, messages=messages, total_messages=conv.message_count,
                           options=await _options_out(svc, key))


@router.delete("/{conversation_id}", status_code=204)
async def delete_conversation(request: Request, conversation_id: ConversationId,
                              svc: ServiceDep) -> Response:
    if not await svc.bot.delete(_key(request, conversation_id)):
        raise _not_found(conversation_id)
    return Response(status_code=204)


@router.post("/{conversation_id}/reset", status_code=204)
async def reset_conversation(request: Request, conversation_id: ConversationId,
                             svc: ServiceDep) -> Response:
    key = _key(request, conversation_id)
    if await svc.bot.conversation(key, limit=0) is None:
        raise _not_found(conversation_id)
    await svc.bot.reset(key)
    return Response(status_code=204)


@router.put("/{conversation_id}/options", response_model=OptionsOut)
async def set_options(request: Request, body: OptionsIn, conversation_id: ConversationId,
                      svc: ServiceDep) -> OptionsOut:
    key = _key(request, conversation_id)
    given = body.model_fields_set
    if "decoding" in given:
        values = dict(body.decoding or {})
        await svc.bot.set_decoding(key, values.pop("preset", None), **values)
    if "adapter" in given:
        adapter = body.adapter
        await svc.bot.set_adapter(key, None if adapter is None else svc.models().get(adapter, adapter))
    if "system_prompt" in given:
        await svc.bot.set_system_prompt(key, body.system_prompt)
    return await _options_out(svc, key)


async def _options_out(svc: Service, key: str) -> OptionsOut:
    own = await svc.bot.options(key)
    decoding = await svc.bot.decoding_for(key)
    return OptionsOut(system_prompt=await svc.bot.system_prompt(key), adapter=own.adapter, decoding=decoding.model_dump())


def _not_found(conversation_id: str) -> APIError:
    return APIError(404, f"no conversation {conversation_id!r}; send a message to start one", code="conversation_not_found")

"""Errors in the OpenAI API's shape: ``{"error": {"message", "type", "param", "code"}}``, for every route.

OpenAI clients read this shape (the ``openai`` package raises ``BadRequestError`` and friends from it), so the
conversations API uses it too: one error format for the whole server.
"""

from __future__ import annotations

import logging
import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chatkit.adapters.http.shutdown import ShutdownCut
from chatkit.errors import (
    AdapterError,
    ChatkitError,
    ConfigError,
    ContextOverflowError,
    ConversationNotFoundError,
    GenerationError,
    InvalidMessageError,
    MessageTooLongError,
    StoreError,
)
from chatkit.redact import mask_url

log = logging.getLogger(__name__)

_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "not_found_error",
          405: "invalid_request_error", 413: "invalid_request_error", 429: "rate_limit_exceeded", 503: "server_error"}


class APIError(Exception):
    """An error answer: its HTTP status and the OpenAI-shaped body's fields."""

    def __init__(self, status: int, message: str, *, code: str | None = None, param: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.retry_after = status, message, code, param, retry_after

    def response(self) -> JSONResponse:
        return error_response(self.status, self.message, code=self.code, param=self.param, retry_after=self.retry_after)


def error_response(status: int, message: str, *, code: str | None = None, param: str | None = None,
                   retry_after: float | None = None) -> JSONResponse:
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after is not None else None
    body = {"error": {"message": message, "type": _TYPES.get(status, "server_error"), "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def as_api_error(e: Exception) -> APIError:
    """chatkit's own exceptions as the answers they deserve; anything else is a 500 that hides its text."""
    match e:
        case APIError():
            return e
        case MessageTooLongError():
            return APIError(413, str(e), code="message_too_long")
        case InvalidMessageError() | ConfigError() | AdapterError():  # AdapterError: an unknown adapter name
            return APIError(400, str(e), code="invalid_value")
        case ContextOverflowError():
            return APIError(400, str(e), code="context_length_exceeded")
        case ConversationNotFoundError():
            return APIError(404, str(e), code="conversation_not_found")
        case ShutdownCut():
            return APIError(503, str(e), code="server_shutting_down")
        case GenerationError() | StoreError():
            log.error("%s: %s", type(e).__name__, mask_url(str(e)))
            return APIError(503, f"{mask_url(str(e))}; try again", code="backend_unavailable")
    log.exception("unexpected error", exc_info=e)
    return APIError(500, "internal error; the server's log has the details", code="internal_error")


def install(app: FastAPI) -> None:
    """Answer every error, framework ones included, in the one shape."""

    async def api_error(_: Request, e: Exception) -> JSONResponse:
        return as_api_error(e).response()

    async def validation(_: Request, e: Exception) -> JSONResponse:
        assert isinstance(e, RequestValidationError)
        first = e.errors()[0] if e.errors() else {}
        param = ".".join(str(p) for p in first.get("loc", ())[1:]) or None  # without the leading "body"/"query"
        if first.get("type") == "json_invalid":
            return error_response(400, "the request body is not valid JSON", code="invalid_json")
        return error_response(400, _describe(e), code="invalid_value", param=param)

    async def http(_: Request, e: Exception) -> JSONResponse:
        assert isinstance(e, StarletteHTTPException)
        if e.status_code == 400 and "parsing the body" in str(e.detail):  # FastAPI's word for a body that is not UTF-8
            return error_response(400, "the request body is not valid JSON (UTF-8 text)", code="invalid_json")
        codes = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}
        return error_response(e.status_code, str(e.detail), code=codes.get(e.status_code))

    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(APIError, api_error)
    app.add_exception_handler(ChatkitError, api_error)
    app.add_exception_handler(Exception, api_error)  # a bug: a JSON 500 (Starlette still logs the traceback)


def _describe(e: RequestValidationError) -> str:
    parts = []
    for err in e.errors():
        where = ".".join(str(p) for p in err.get("loc", ())[1:]) or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)



"""What ``POST /v1/chat/completions`` does with each OpenAI request field it does not implement: a field a client sets
to anything but its harmless default gets a 400 naming it, never a silent ignore (the README's table lists them all)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chatkit.adapters.http.errors import APIError

# field -> (whether a value asks nothing chatkit cannot do, what to tell the client)
REFUSED: dict[str, tuple[Callable[[Any], bool], str]] = {
    "tools": (lambda v: not v, "tools (function calling) are not supported by chatkit"),
    "tool_choice": (lambda v: v in (None, "none"), "tool_choice is not supported by chatkit (it has no tools)"),
    "parallel_tool_calls": (lambda v: v is None, "parallel_tool_calls is not supported by chatkit (it has no tools)"),
    "functions": (lambda v: not v, "functions (function calling) are not supported by chatkit"),
    "function_call": (lambda v: v in (None, "none"), "function_call is not supported by chatkit"),
    "response_format": (lambda v: v is None or (isinstance(v, dict) and v.get("type") == "text"),
                        "response_format other than {\"type\": \"text\"} (JSON mode, JSON schema) is not supported by chatkit"),
    "logprobs": (lambda v: v in (None, False), "logprobs are not supported by chatkit"),
    "top_logprobs": (lambda v: v in (None, 0), "top_logprobs are not supported by chatkit"),
    "logit_bias": (lambda v: not v, "logit_bias is not supported by chatkit"),
    "audio": (lambda v: v is None, "audio output is not supported by chatkit"),
    "modalities": (lambda v: v in (None, ["text"]), "modalities other than [\"text\"] are not supported by chatkit"),
    "prediction": (lambda v: v is None, "prediction (predicted outputs) is not supported by chatkit"),
    "web_search_options": (lambda v: v is None, "web search is not supported by chatkit"),
}


def refuse_unsupported(body: Any) -> None:
    """A 400 naming the first field of ``body`` that asks for something chatkit does not do."""
    if not isinstance(body, dict):
        return
    if isinstance(body.get("n"), int) and not isinstance(body["n"], bool) and body["n"] > 1:
        raise APIError(400, "n > 1 is not supported by chatkit: ask once per choice", code="unsupported_parameter", param="n")
    for name, (harmless, why) in REFUSED.items():
        if name in body and not harmless(body[name]):
            raise APIError(400, why, code="unsupported_parameter", param=name)

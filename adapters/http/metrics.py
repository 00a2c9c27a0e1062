"""The server's Prometheus metrics, in a registry of its own (two apps in one process never share counters)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from chatkit.types import Reply

_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("chatkit_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=r)
        self.latency = Histogram("chatkit_http_request_seconds", "Time to the end of the response (streams included)",
                                 ["route"], buckets=_LATENCY, registry=r)
        self.first_token = Histogram("chatkit_reply_first_token_seconds", "Time from the request to the reply's first text",
                                     buckets=_LATENCY, registry=r)
        self.replies = Counter("chatkit_replies", "Replies by how they ended", ["finish_reason"], registry=r)
        self.tokens = Counter("chatkit_tokens", "Tokens through the model", ["kind"], registry=r)
        self.verdicts = Counter("chatkit_verdicts", "Policy verdicts", ["policy", "stage", "action"], registry=r)
        self.moderated = Counter("chatkit_moderation_inputs", "Texts judged by /v1/moderations", ["stage", "flagged"],
                                 registry=r)
        self.in_progress = Gauge("chatkit_turns_in_progress", "Turns accepted and not yet answered (the queue depth)",
                                 registry=r)

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    @contextmanager
    def turn(self) -> Iterator[None]:
        self.in_progress.inc()
        try:
            yield
        finally:
            self.in_progress.dec()

    def reply(self, reply: Reply, first_text_s: float | None) -> None:
        self.replies.labels(reply.finish_reason).inc()
        self.tokens.labels("prompt").inc(reply.usage.prompt_tokens)
        self.tokens.labels("completion").inc(reply.usage.completion_tokens)
        for v in reply.verdicts:
            self.verdicts.labels(v.policy, v.stage or "unknown", v.action.name.lower()).inc()
        if first_text_s is not None:
            self.first_token.observe(first_text_s)

    def moderation(self, stage: str, results: Sequence[Mapping[str, Any]]) -> None:
        """One /v1/moderations request's results: each text, and each verdict as the turns' verdicts are counted."""
        for r in results:
            self.moderated.labels(stage, str(bool(r["flagged"])).lower()).inc()
            for v in r["chatkit"]["verdicts"]:
                self.verdicts.labels(v["policy"], stage, v["action"]).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)

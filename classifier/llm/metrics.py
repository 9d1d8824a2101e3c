"""Metrics of the model tier: calls by outcome, tokens, call latency."""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Histogram

CallOutcome = Literal[
    "ok", "error", "timeout", "rate_limited", "cache_hit", "budget", "invalid", "queue_full"
]

LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)


class LlmMetrics:
    """The tier's metrics against ``registry``.

    ``calls`` and ``tokens`` are the ``rebound_model_calls_total`` and
    ``rebound_model_call_tokens_total`` counters when the exporters already defined them
    (pass those in); otherwise they are created here.
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        calls: Counter | None = None,
        tokens: Counter | None = None,
    ):
        self.calls = calls or Counter(
            "rebound_model_calls_total", "LLM-tier calls", ["outcome"], registry=registry
        )
        self.tokens = tokens or Counter(
            "rebound_model_call_tokens_total", "LLM-tier tokens", ["direction"], registry=registry
        )
        self.latency = Histogram(
            "rebound_model_call_seconds",
            "LLM-tier call latency, one observation per HTTP attempt",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

    def call(self, outcome: CallOutcome) -> None:
        """Count one call (or one avoided call: cache_hit, budget, queue_full)."""
        self.calls.labels(outcome).inc()

    def used(self, tokens_in: int, tokens_out: int) -> None:
        """Add a response's token usage."""
        self.tokens.labels("in").inc(tokens_in)
        self.tokens.labels("out").inc(tokens_out)

    def took(self, seconds: float) -> None:
        """Observe one HTTP attempt's latency."""
        self.latency.observe(seconds)

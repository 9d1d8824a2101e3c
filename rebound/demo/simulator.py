"""``rebound demo`` entry points: send simulated agent runs live, or write them to a file.

``run_demo`` paces runs in real time while each run's simulated minutes are sent at once;
``generate_runs`` and ``write_jsonl`` give the same runs without a network.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from dataclasses import dataclass, field

from rebound.demo.generator import SimRun, generate_runs, iter_runs, make_run
from rebound.demo.jsonl import write_jsonl
from rebound.demo.sender import SpanEmitter, batch_processor, traces_url

__all__ = ["DEFAULT_ENDPOINT", "DemoStats", "generate_runs", "iter_runs", "run_demo", "write_jsonl"]

logger = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "http://127.0.0.1:4318"


@dataclass(slots=True)
class DemoStats:
    """What ``run_demo`` sent: runs, spans, and injected errors per model."""

    runs: int = 0
    spans: int = 0
    failed_runs: int = 0
    runs_by_model: dict[str, int] = field(default_factory=dict)
    errors_by_model: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """Injected errors (failing steps) over all models."""
        return sum(self.errors_by_model.values())

    def add(self, run: SimRun) -> None:
        """Count one sent run."""
        self.runs += 1
        self.spans += len(run.spans)
        self.failed_runs += run.outcome == "failed"
        self.runs_by_model[run.model] = self.runs_by_model.get(run.model, 0) + 1
        self.errors_by_model[run.model] = self.errors_by_model.get(run.model, 0) + len(run.errors)

    def __str__(self) -> str:
        per_model = ", ".join(
            f"{model} {n} runs/{self.errors_by_model.get(model, 0)} errors"
            for model, n in sorted(self.runs_by_model.items())
        )
        return (
            f"sent {self.runs} runs ({self.failed_runs} failed), {self.spans} spans, "
            f"{self.errors} injected errors" + (f": {per_model}" if per_model else "")
        )


def run_demo(
    endpoint: str = DEFAULT_ENDPOINT,
    runs: int | None = None,
    rate: float = 5.0,
    duration: float | None = None,
    seed: int = 7,
    stop: threading.Event | None = None,
    time_scale: float = 1.0,
) -> DemoStats:
    """Send simulated runs over OTLP/HTTP until ``runs``/``duration`` is reached or ``stop`` is set.

    ``rate`` is runs per second (``math.inf``: as fast as possible). Each run is sent at
    once, timestamped to end now, its simulated times multiplied by ``time_scale`` (0.1:
    a ten-minute run took one minute), which keeps span-end-to-label lag realistic for a
    live demo. Providers are flushed before returning.
    """
    if not rate > 0:
        raise ValueError(f"rate must be positive, got {rate}")
    stop = stop or threading.Event()
    url = traces_url(endpoint)
    emitter = SpanEmitter(lambda: batch_processor(url), time_scale)
    stats = DemoStats()
    started = time.monotonic()
    logger.info("demo: sending runs to %s at %s runs/s (seed %d)", url, rate, seed)
    try:
        for index in itertools.count():
            due = started + (0.0 if math.isinf(rate) else index / rate)
            if _done(stats, runs, duration, started, due):
                break
            if stop.wait(max(0.0, due - time.monotonic())):
                break
            run = make_run(seed, index)
            emitter.emit(run, time.time_ns() - int(run.duration_ns * time_scale))
            stats.add(run)
    finally:
        emitter.shutdown()
    logger.info(
        "demo: sent %d runs, %d spans, %d injected errors", stats.runs, stats.spans, stats.errors
    )
    return stats


def _done(
    stats: DemoStats, runs: int | None, duration: float | None, started: float, due: float
) -> bool:
    if runs is not None and stats.runs >= runs:
        return True
    return duration is not None and max(due, time.monotonic()) - started >= duration

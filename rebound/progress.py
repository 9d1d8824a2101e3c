"""A one-line progress display on standard error for long inputs."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Redraws ``label: N spans, M errors, R spans/s`` at most every ``every`` seconds."""

    def __init__(self, label: str, enabled: bool, stream: TextIO = sys.stderr, every: float = 0.5):
        self.label, self.enabled, self.stream, self.every = label, enabled, stream, every
        self.started = self._last = time.monotonic()
        self.spans = self.errors = 0
        self.done_bytes = self.total_bytes = 0

    def update(self, spans: int, errors: int, done_bytes: int = 0, total_bytes: int = 0) -> None:
        """Add to the tallies and redraw when it is time."""
        self.spans += spans
        self.errors += errors
        self.done_bytes, self.total_bytes = (
            done_bytes or self.done_bytes,
            total_bytes or self.total_bytes,
        )
        now = time.monotonic()
        if self.enabled and now - self._last >= self.every:
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.spans / max(now - self.started, 1e-9)
        pct = ""
        if self.done_bytes and self.total_bytes:
            pct = f"{100 * self.done_bytes / self.total_bytes:5.1f}% "
        self.stream.write(
            f"\r{self.label}: {pct}{self.spans:,} spans, {self.errors:,} errors, {rate:,.0f} spans/s "
        )
        self.stream.flush()

    def close(self) -> None:
        """Draw the last state and end the line."""
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()

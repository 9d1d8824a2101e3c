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

    def start_file(self, total_bytes: int) -> None:
        """A new input file of this size begins."""
        self.done_bytes, self.total_bytes = 0, total_bytes

    def at_byte(self, done_bytes: int) -> None:
        """How far into the current file reading has got."""
        self.done_bytes = done_bytes

    def update(self, spans: int, errors: int) -> None:
        """Add to the tallies and redraw when it is time."""
        self.spans += spans
        self.errors += errors
        now = time.monotonic()
        if self.enabled and now - self._last >= self.every:
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.spans / max(now - self.started, 1e-9)
        pct = ""
        if self.done_bytes and self.total_bytes:
            pct = f"{100 * self.done_bytes / self.total_bytes:5.1f}% "
        counts = f"{self.spans:,} spans, {self.errors:,} errors, {rate:,.0f} spans/s "
        self.stream.write(f"\r{self.label}: {pct}{counts}")
        self.stream.flush()

    def close(self) -> None:
        """Draw the last state and end the line."""
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()

"""Per-minute call and token budgets over a sliding window."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 60.0


@dataclass(slots=True)
class Grant:
    """One admitted call: its time and the tokens reserved for it (estimated, then actual)."""

    at: float
    tokens: int


class Budget:
    """Admits a call only if the last minute's calls and tokens leave room for it.

    Tokens are reserved from an estimate before the call and corrected from the
    response's ``usage`` after it, so concurrent calls cannot overshoot by much.
    """

    def __init__(
        self,
        calls_per_minute: int,
        tokens_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.calls_per_minute = calls_per_minute
        self.tokens_per_minute = tokens_per_minute
        self._clock = clock
        self._grants: deque[Grant] = deque()
        self._lock = threading.Lock()

    def acquire(self, estimated_tokens: int) -> Grant | None:
        """Reserve one call and ``estimated_tokens``; None when over either budget."""
        with self._lock:
            now = self._clock()
            while self._grants and self._grants[0].at <= now - WINDOW_SECONDS:
                self._grants.popleft()
            used = sum(g.tokens for g in self._grants)
            if len(self._grants) >= self.calls_per_minute:
                return None
            if used + estimated_tokens > self.tokens_per_minute:
                return None
            grant = Grant(now, estimated_tokens)
            self._grants.append(grant)
            return grant

    def settle(self, grant: Grant, actual_tokens: int) -> None:
        """Replace a grant's estimate with the tokens the call really used."""
        with self._lock:
            grant.tokens = actual_tokens


def estimate_tokens(prompt_chars: int, max_output_tokens: int) -> int:
    """Tokens a call may use: ~4 characters a token in, plus the answer limit out."""
    return prompt_chars // 4 + max_output_tokens

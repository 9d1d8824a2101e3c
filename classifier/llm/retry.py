"""Backoff for 429/5xx: jittered, exponential, honouring ``Retry-After``, deadline-bound."""

from __future__ import annotations

import email.utils
import random
import time

BASE_SECONDS = 0.5
CAP_SECONDS = 30.0
JITTER = 0.2


def backoff(attempt: int, retry_after: float | None, rng: random.Random) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based).

    A server's ``Retry-After`` wins: it knows when it will have room again.
    """
    if retry_after is not None:
        return max(0.0, retry_after)
    delay: float = min(CAP_SECONDS, BASE_SECONDS * 2.0**attempt)
    return delay * rng.uniform(1 - JITTER, 1 + JITTER)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))

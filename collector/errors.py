"""Exceptions raised by the collector stage."""

from __future__ import annotations


class ReboundError(Exception):
    """Root of every error Rebound raises on purpose."""


class BadPayload(ReboundError):
    """Input that cannot be decoded; ``reason`` is a short machine-readable label."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class PayloadTooLarge(BadPayload):
    """A request or message over the configured size limit."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__("too_large", f"{size} bytes exceeds the limit of {limit} bytes")

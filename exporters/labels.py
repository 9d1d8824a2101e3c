"""Bounded label values: the first N distinct values are kept, the rest become ``other``."""

from __future__ import annotations

OTHER = "other"
UNKNOWN = "unknown"


class BoundedLabel:
    """Admits at most ``limit`` distinct values for one label; later ones fold into ``other``.

    First come, first kept: a counter's labels cannot be renamed after the fact, so the
    values seen first (in practice the fleet's main models) keep their own series.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._kept: set[str] = set()

    def __call__(self, value: str | None) -> str:
        if not value:
            return UNKNOWN
        if value in self._kept:
            return value
        if len(self._kept) < self.limit:
            self._kept.add(value)
            return value
        return OTHER

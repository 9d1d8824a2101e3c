"""What a test starts and must stop afterwards, whatever the test's outcome."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, TypeVar


class Stoppable(Protocol):
    def stop(self) -> None: ...


S = TypeVar("S", bound=Stoppable)


def stopped_after(started: list[S]) -> Iterator[list[S]]:
    """A fixture's body: yield ``started``, then stop each thing the test put in it."""
    yield started
    for item in started:
        item.stop()

"""The fixture body that stops what a test started."""

from __future__ import annotations

import pytest

from tests.support.stopping import stopped_after


class _Service:
    def __init__(self) -> None:
        self.stops = 0

    def stop(self) -> None:
        self.stops += 1


def test_what_the_test_started_is_stopped_once_after_it() -> None:
    body = stopped_after([])
    started = next(body)
    first, second = _Service(), _Service()
    started += [first, second]
    assert (first.stops, second.stops) == (0, 0)  # not while the test runs
    with pytest.raises(StopIteration):
        next(body)
    assert (first.stops, second.stops) == (1, 1)

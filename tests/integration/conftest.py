"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.support.kafka import KafkaUnavailable, kafka_broker


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of a real Kafka broker for the whole session (see tests/support/kafka)."""
    with ExitStack() as stack:
        try:
            bootstrap = stack.enter_context(kafka_broker(tmp_path_factory.mktemp("kafka")))
        except KafkaUnavailable as exc:
            pytest.skip(str(exc))
        yield bootstrap

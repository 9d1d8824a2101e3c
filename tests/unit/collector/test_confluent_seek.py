"""The confluent consumer adapter's seek on a partition whose fetcher has not started."""

from __future__ import annotations

from typing import Any

import pytest
from kafka.errors import KafkaError
from kafka.structs import TopicPartition

from rebound.collector.kafka_config import KafkaSettings

confluent_kafka = pytest.importorskip("confluent_kafka", reason="the confluent extra is absent")

TP = TopicPartition("spans", 0)


class NotStarted:
    """librdkafka's answers for a partition just assigned: no fetcher yet to seek."""

    def __init__(self, committed: int) -> None:
        self._committed = committed

    def seek(self, partition: Any) -> None:
        raise confluent_kafka.KafkaException(
            confluent_kafka.KafkaError(confluent_kafka.KafkaError._STATE)
        )

    def committed(self, partitions: list[Any], timeout: float) -> list[Any]:
        (tp,) = partitions
        return [confluent_kafka.TopicPartition(tp.topic, tp.partition, self._committed)]


def consumer(committed: int) -> Any:
    from rebound.collector.kafka_confluent import ConfluentConsumer

    settings = KafkaSettings(client="confluent", bootstrap_servers="127.0.0.1:9")
    made = ConfluentConsumer(settings, "test")
    made._consumer.close()  # swapped for the stub before any call (nothing listens on :9)
    made._consumer = NotStarted(committed)
    return made


def test_seeking_where_the_fetch_will_start_anyway_is_done() -> None:
    consumer(committed=7).seek(TP, 7)
    consumer(committed=-1001).seek_to_beginning(TP)  # no commit: auto.offset.reset=earliest


def test_seeking_elsewhere_before_the_fetch_starts_is_an_error() -> None:
    with pytest.raises(KafkaError):
        consumer(committed=7).seek(TP, 3)
    with pytest.raises(KafkaError):
        consumer(committed=7).seek_to_beginning(TP)

"""The two Kafka client backends agree: partitions, commit metadata, failed deliveries."""

from __future__ import annotations

from collections import defaultdict

import pytest
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from rebound.collector.kafka_clients import new_consumer, new_producer
from rebound.collector.kafka_config import KafkaSettings
from tests.support.kafka import new_group, new_topic
from tests.support.kafka_io import read_topic
from tests.support.net import free_port, wait_for

pytestmark = pytest.mark.integration

pytest.importorskip("confluent_kafka", reason="the confluent extra is not installed")

KEYS = 40


def test_a_key_lands_on_the_same_partition_whichever_client_wrote_it(kafka_bootstrap: str) -> None:
    topic = new_topic(kafka_bootstrap, partitions=4)
    told: dict[str, dict[bytes, int]] = {}
    for client in ("kafka-python", "confluent"):
        settings = KafkaSettings(bootstrap_servers=kafka_bootstrap, client=client)
        producer = new_producer(settings, "test")
        try:
            keys = [f"{i:032x}".encode() for i in range(KEYS)]
            futures = [producer.send(topic, key=k, value=client.encode()) for k in keys]
            called: list[object] = []
            futures[0].add_callback(called.append)  # type: ignore[attr-defined]
            producer.flush(30)
            assert futures[0].succeeded() and called == [futures[0].get(1)]  # type: ignore[attr-defined]
            told[client] = {k: f.get(30).partition for k, f in zip(keys, futures, strict=True)}
        finally:
            producer.close(10)
    records = read_topic(kafka_bootstrap, topic, lambda r: len(r) >= 2 * KEYS, 60)
    partitions: dict[bytes, set[int]] = defaultdict(set)
    for record in records:
        partitions[record.key].add(record.partition)
    assert len(partitions) == KEYS
    assert all(len(p) == 1 for p in partitions.values()), partitions
    assert len({p for ps in partitions.values() for p in ps}) > 1  # the keys do spread
    assert told["confluent"] == told["kafka-python"] == {k: min(p) for k, p in partitions.items()}


def test_the_confluent_consumer_commits_and_reads_back_offsets_with_metadata(
    kafka_bootstrap: str,
) -> None:
    topic = new_topic(kafka_bootstrap, partitions=2)
    settings = KafkaSettings(
        bootstrap_servers=kafka_bootstrap,
        client="confluent",
        group_id=new_group(),
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )
    producer = new_producer(settings, "test")
    for i in range(10):
        producer.send(topic, key=f"k{i}".encode(), value=f"v{i}".encode(), headers=[("h", b"x")])
    producer.close(30)
    consumer = new_consumer(settings, "test")
    try:
        consumer.subscribe([topic])
        got: dict[TopicPartition, list[object]] = defaultdict(list)

        def all_read() -> bool:
            for tp, records in consumer.poll(timeout_ms=200).items():
                got[tp].extend(records)
            return sum(map(len, got.values())) >= 10

        wait_for(all_read, 60)
        values = sorted(r.value for rs in got.values() for r in rs)  # type: ignore[attr-defined]
        assert values == sorted(f"v{i}".encode() for i in range(10))
        first = next(iter(got))
        assert got[first][0].headers == [("h", b"x")]  # type: ignore[attr-defined]
        consumer.pause(first)  # as the Kafka source does while deliveries fail
        consumer.resume(first)
        assert consumer.committed(first, metadata=True) is None
        consumer.commit({first: OffsetAndMetadata(1, '{"processed": 3}', -1)})
        assert consumer.committed(first, metadata=True) == OffsetAndMetadata(
            1, '{"processed": 3}', -1
        )
        consumer.seek(first, 0)  # as the Kafka source does when it adopts a partition
        again: list[object] = []

        def read_again() -> bool:
            again.extend(consumer.poll(timeout_ms=200).get(first, []))
            return any(r.offset == 0 for r in again)  # type: ignore[attr-defined]

        wait_for(read_again, 30)
    finally:
        consumer.close()


def test_the_confluent_producer_reports_a_failed_delivery_from_get_and_flush() -> None:
    from rebound.collector.kafka_confluent import ConfluentProducer, producer_config

    settings = KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", client="confluent")
    config = {**producer_config(settings, "test"), "message.timeout.ms": 300}
    producer = ConfluentProducer(settings, "test", config)
    try:
        errors: list[Exception] = []
        delivery = producer.send("nowhere", key=b"k", value=b"v")
        delivery.add_errback(errors.append)
        with pytest.raises(KafkaError, match="TIMED_OUT"):
            delivery.get(10)
        assert delivery.failed() and not delivery.succeeded()  # type: ignore[attr-defined]
        assert errors == [delivery.exception]  # type: ignore[attr-defined]
        with pytest.raises(KafkaError, match="1 deliveries failed"):
            producer.flush(10)
        producer.flush(1)  # reported once: the next flush has nothing new to report
    finally:
        producer.close(1)

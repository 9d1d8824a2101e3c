"""The test broker is a real Kafka: idempotent lz4 produce and group consume with kafka-python."""

from __future__ import annotations

from collections import defaultdict

import pytest
from kafka import KafkaProducer

from tests.support.kafka import consume_all, new_topic

pytestmark = pytest.mark.integration

MESSAGES = 1000
KEYS = 37


def test_keyed_messages_round_trip_through_a_consumer_group(kafka_bootstrap: str) -> None:
    topic = new_topic(kafka_bootstrap, partitions=4)
    producer = KafkaProducer(
        bootstrap_servers=kafka_bootstrap,
        acks="all",
        enable_idempotence=True,
        compression_type="lz4",
        linger_ms=5,
    )
    try:
        futures = [
            producer.send(topic, key=f"run-{i % KEYS}".encode(), value=f"span-{i}".encode())
            for i in range(MESSAGES)
        ]
        producer.flush(timeout=30)
        sent = [future.get(timeout=30) for future in futures]
    finally:
        producer.close(timeout=10)

    records = consume_all(kafka_bootstrap, topic, expected=MESSAGES, timeout=60)

    assert sorted(r.value.decode() for r in records) == sorted(f"span-{i}" for i in range(MESSAGES))
    partitions_by_key: dict[bytes, set[int]] = defaultdict(set)
    for record in records:
        partitions_by_key[record.key].add(record.partition)
    assert len(partitions_by_key) == KEYS
    assert all(len(parts) == 1 for parts in partitions_by_key.values()), partitions_by_key
    # The keys spread over more than one of the 4 partitions, so the check above means something.
    assert len({r.partition for r in records}) > 1
    # What the producer was told matches where the consumer found each record.
    assert {(m.partition, m.offset) for m in sent} == {(r.partition, r.offset) for r in records}

"""Failed deliveries on a real broker: nothing undelivered is committed, no event is lost.

Two faults: events larger than the errors topic takes (until its limit is raised), and
the broker stopped for longer than the producer's delivery timeout, then started again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from rebound.classifier.config import ClassifierSettings
from rebound.collector.kafka_config import KafkaSettings
from rebound.exporters.prometheus import Metrics
from rebound.kafka_classifier import KafkaClassifier
from tests.integration.test_kafka_faults import messages
from tests.integration.test_kafka_pipeline import FAST, offline_finals, sample_runs, wait_finals
from tests.support.kafka import fresh_settings, own_broker
from tests.support.kafka_io import (
    all_read_and_committed,
    group_progress,
    new_topic_with,
    produce,
    set_topic_config,
)
from tests.support.members import fault_tally, samples
from tests.support.net import wait_for
from tests.support.stopping import stopped_after

pytestmark = pytest.mark.integration


class Running:
    """An in-process member whose commits are watched."""

    def __init__(self, kafka: KafkaSettings, settings: ClassifierSettings) -> None:
        self.kafka = kafka
        self.registry = CollectorRegistry()
        self.service = KafkaClassifier(kafka, settings, Metrics(self.registry))
        # at every successful commit: how many records were still unacknowledged
        self.pending_at_commit: list[int] = []
        consumer, producer = self.service.source.consumer, self.service.source.producer
        commit = consumer.commit

        def watched(offsets: Any = None) -> None:
            commit(offsets)
            self.pending_at_commit.append(producer.pending)

        consumer.commit = watched  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.service.run, daemon=True)
        self.thread.start()

    def failures(self) -> float:
        get = self.registry.get_sample_value
        return get("rebound_delivery_failures_total", {"topic": self.kafka.errors_topic}) or 0

    def spans(self) -> float:
        return sum(
            self.registry.get_sample_value("rebound_spans_total", {"kind": k}) or 0
            for k in ("tool", "llm", "agent", "other")
        )

    def stop(self) -> None:
        self.service.stop_event.set()
        self.thread.join(60)
        assert not self.thread.is_alive()


@pytest.fixture
def running() -> Iterator[list[Running]]:
    yield from stopped_after([])


def span_lanes(member: Running, kafka: KafkaSettings) -> int:
    """The member's lanes on the spans topic (it also owns the logs topic's)."""
    return sum(1 for tp in list(member.service.driver.lanes) if tp.topic == kafka.spans_topic)


def committed(kafka: KafkaSettings) -> bool:
    return all_read_and_committed(kafka.bootstrap_servers, kafka.group_id, kafka.spans_topic)


def test_events_too_large_for_the_topic_hold_the_commit_until_they_fit(
    kafka: KafkaSettings, running: list[Running]
) -> None:
    errors = new_topic_with(kafka.bootstrap_servers, 1, {"max.message.bytes": "100"})
    kafka = kafka.model_copy(update={"errors_topic": errors})
    member = Running(kafka, FAST)
    running.append(member)
    wait_for(lambda: span_lanes(member, kafka) == 4, 60)
    runs = sample_runs(6, seed=9)
    produce(kafka.bootstrap_servers, kafka.spans_topic, [m for r in runs for m in messages(r)])
    wait_for(lambda: member.failures() >= 3, 90)  # several attempts, each refused
    progress = group_progress(kafka.bootstrap_servers, kafka.group_id, kafka.spans_topic)
    assert all(c is None for c, _ in progress.values()), progress  # nothing committed

    set_topic_config(kafka.bootstrap_servers, errors, {"max.message.bytes": "1048588"})
    expected = offline_finals([r.spans() for r in runs])
    got = wait_finals(kafka, expected)
    assert {i: got[i] for i in expected} == expected
    fault_tally("events too large", len(runs), len(expected), samples(member.registry), len(got))
    wait_for(lambda: committed(kafka), 60)
    assert member.pending_at_commit and set(member.pending_at_commit) == {0}


def test_broker_stopped_past_the_delivery_timeout_loses_no_event(
    tmp_path: Path, running: list[Running]
) -> None:
    with own_broker(tmp_path / "broker") as broker:
        bootstrap = broker.bootstrap
        kafka = fresh_settings(bootstrap, spans_partitions=2)
        # Runs close 15 s after their root is read: by then the broker is down.
        member = Running(kafka, ClassifierSettings(grace_seconds=15, idle_timeout_seconds=3600))
        running.append(member)
        wait_for(lambda: span_lanes(member, kafka) == 2, 60)
        runs = sample_runs(10, seed=4)
        produce(bootstrap, kafka.spans_topic, [m for r in runs for m in messages(r)])
        spans = sum(len(r.spans()) for r in runs)
        wait_for(lambda: member.spans() == spans, 30)
        broker.run("stop")
        # The producer gives up on the events after its 30 s delivery timeout.
        wait_for(lambda: member.failures() > 0, 120)
        broker.run("start")

        expected = offline_finals([r.spans() for r in runs])
        got = wait_finals(kafka, expected)
        assert {i: got[i] for i in expected} == expected
        fault_tally(
            "broker down 30 s+", len(runs), len(expected), samples(member.registry), len(got)
        )
        wait_for(lambda: committed(kafka), 90)
        assert member.pending_at_commit and set(member.pending_at_commit) == {0}
        member.stop()
        running.clear()

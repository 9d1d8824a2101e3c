"""Checked deliveries: failed records are reported, kept in order and sent again; the
collector answers 503 for spans Kafka did not take."""

from __future__ import annotations

import http.client

import pytest
from opentelemetry.sdk.trace.export import SpanExportResult

from rebound.collector.http import OtlpHttpReceiver
from rebound.collector.intake import CountingStats
from rebound.collector.kafka_config import KafkaSettings
from rebound.collector.kafka_delivery import CheckedProducer, DeliveryFailed, produce_and_wait
from rebound.collector.kafka_exporter import KafkaSpanExporter
from rebound.collector.kafka_sink import KafkaSpanSink
from tests.support.agentrun import RunBuilder
from tests.support.fake_kafka import FakeBroker, FakeProducer

KAFKA = KafkaSettings(spans_topic="spans", ack_timeout_seconds=0.5)


class AutoFlush(FakeProducer):
    """Delivers (or fails) at once, as a producer whose linger has passed."""

    def send(self, topic: str, value: bytes | None = None, key: bytes | None = None, headers=None):  # type: ignore[no-untyped-def]
        future = super().send(topic, value, key, headers)
        self.flush()
        return future


def test_flush_raises_and_keeps_every_record_from_the_first_failure_on() -> None:
    broker = FakeBroker()
    broker.topic("t")
    failed: list[tuple[str, int]] = []
    producer = CheckedProducer(FakeProducer(broker), on_failed=lambda t, n: failed.append((t, n)))
    producer.send("t", b"a", b"1")
    producer.flush(1)
    assert broker.values("t") == [b"1"] and producer.delivered == 1
    broker.max_bytes = 3
    producer.send("t", b"a", b"big-2")  # refused by the topic
    producer.send("t", b"a", b"3")  # acknowledged, but after a failed record of its key
    with pytest.raises(DeliveryFailed) as caught:
        producer.flush(1)
    assert caught.value.failed == 1 and caught.value.topics == {"t"}
    assert failed == [("t", 1)] and producer.pending == 2
    broker.max_bytes = None
    producer.retry()
    producer.flush(1)
    # the later record of the key is written again after the one that failed: still last
    assert broker.values("t") == [b"1", b"3", b"big-2", b"3"]
    assert producer.pending == 0


def test_a_send_that_raises_is_a_failed_delivery_not_an_exception() -> None:
    broker = FakeBroker()
    fake = FakeProducer(broker, max_request_size=4)
    producer = CheckedProducer(fake)
    producer.send("t", None, b"too large")
    with pytest.raises(DeliveryFailed, match="MessageSizeTooLarge"):
        producer.flush(1)
    fake.max_request_size = 100
    producer.retry()
    producer.flush(1)
    assert broker.values("t") == [b"too large"]


def test_produce_and_wait_reports_what_was_not_acknowledged() -> None:
    broker = FakeBroker()
    in_flight = produce_and_wait(FakeProducer(broker), KAFKA, [(b"k", b"v")])  # never acked
    assert isinstance(in_flight, DeliveryFailed) and "not acknowledged" in str(in_flight)
    broker.up = False
    failed = produce_and_wait(AutoFlush(broker), KAFKA, [(b"k", b"v"), (b"j", b"w")])
    assert isinstance(failed, DeliveryFailed) and failed.failed == 2
    broker.up = True
    assert produce_and_wait(AutoFlush(broker), KAFKA, [(b"k", b"v")]) is None


def _post(receiver: OtlpHttpReceiver, body: bytes) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=10)
    connection.request("POST", "/v1/traces", body, {"Content-Type": "application/x-protobuf"})
    return connection.getresponse()


def test_collector_answers_503_when_kafka_does_not_take_the_spans() -> None:
    broker = FakeBroker()
    broker.topic("spans", 2)
    failures: list[int] = []
    sink = KafkaSpanSink(KAFKA, AutoFlush(broker), on_failed=failures.append)
    receiver = OtlpHttpReceiver("127.0.0.1", 0, sink, stats=CountingStats())
    receiver.start()
    try:
        run = RunBuilder()
        run.tool("ls", "README.md")
        run.finish("passed")
        broker.up = False
        response = _post(receiver, run.protobuf())
        assert response.status == 503 and response.getheader("Retry-After")
        assert broker.values("spans") == [] and failures == [3]
        broker.up = True
        response = _post(receiver, run.protobuf())
        assert response.status == 200
        assert len(broker.values("spans")) == 1  # one trace, one message
    finally:
        receiver.stop()


def test_sdk_exporter_fails_the_export_kafka_did_not_take() -> None:
    broker = FakeBroker()
    run = RunBuilder()
    run.finish("passed")
    exporter = KafkaSpanExporter(KAFKA, AutoFlush(broker))
    broker.up = False
    assert exporter.export(run.exporter.get_finished_spans()) is SpanExportResult.FAILURE
    broker.up = True
    assert exporter.export(run.exporter.get_finished_spans()) is SpanExportResult.SUCCESS
    assert len(broker.values("spans")) == 1


def test_retry_goes_through_a_new_client_when_one_can_be_made() -> None:
    broker = FakeBroker()
    first, second = FakeProducer(broker), FakeProducer(broker)
    producer = CheckedProducer(first, renew=lambda: second)
    broker.up = False
    producer.send("t", b"k", b"v")
    with pytest.raises(DeliveryFailed):
        producer.flush(1)
    broker.up = True
    producer.retry()
    producer.flush(1)
    assert first.closed and not second.closed and producer.producer is second
    assert broker.values("t") == [b"v"]


class Stuck(AutoFlush):
    """A producer that goes on refusing after the broker is back, as kafka-python's
    idempotent producer does with a partition whose batch expired in an outage."""

    def send(self, topic: str, value: bytes | None = None, key: bytes | None = None, headers=None):  # type: ignore[no-untyped-def]
        up, self.broker.up = self.broker.up, False
        try:
            return super().send(topic, value, key, headers)
        finally:
            self.broker.up = up


def test_a_producer_that_keeps_failing_is_replaced_and_the_collector_recovers() -> None:
    broker = FakeBroker()
    broker.topic("spans", 2)
    made: list[AutoFlush] = []

    def renew() -> AutoFlush:
        made.append(AutoFlush(broker))
        return made[-1]

    stuck = Stuck(broker)
    sink = KafkaSpanSink(KAFKA, stuck, renew=renew)
    sink.renew_after_seconds = 0.0
    run = RunBuilder()
    run.tool("ls", "README.md")
    spans = run.finish("passed")
    assert not sink.offer(spans)  # the first failure starts the count
    assert sink.producer is stuck and not made
    assert not sink.offer(spans)  # still failing past the limit: a new producer
    assert sink.producer is made[0] and sink.renewed == 1 and stuck.closed
    assert sink.offer(spans) and len(broker.values("spans")) == 1


def test_an_injected_producer_without_a_way_to_renew_it_is_kept() -> None:
    broker = FakeBroker()
    broker.topic("spans", 2)
    stuck = Stuck(broker)
    sink = KafkaSpanSink(KAFKA, stuck)
    sink.renew_after_seconds = 0.0
    run = RunBuilder()
    run.tool("ls", "README.md")
    for _ in range(3):
        assert not sink.offer(run.finish("passed"))
    assert sink.producer is stuck and sink.renewed == 0

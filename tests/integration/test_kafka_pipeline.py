"""The Kafka pipeline against a real broker: collector → otlp_spans → classifier → agent_errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import SpanExportResult
from prometheus_client import CollectorRegistry

from rebound.classifier.config import ClassifierSettings
from rebound.classifier.core import Classifier
from rebound.classifier.events import Emission
from rebound.collector.kafka_config import KafkaSettings
from rebound.collector.kafka_exporter import KafkaSpanExporter
from rebound.collector.otlp_split import split_by_trace
from rebound.collector.spans import Span
from rebound.exporters.prometheus import Metrics
from rebound.kafka_classifier import KafkaClassifier
from rebound.kafka_collector import start_collector
from rebound.settings import load_settings
from tests.support.agentrun import RunBuilder
from tests.support.kafka_io import final_events, produce, read_topic
from tests.support.net import wait_for

pytestmark = pytest.mark.integration

FAST = ClassifierSettings(grace_seconds=0.2, idle_timeout_seconds=30)


@dataclass
class Member:
    service: KafkaClassifier
    registry: CollectorRegistry
    thread: threading.Thread

    def stop(self) -> None:
        self.service.stop_event.set()
        self.thread.join(30)
        assert not self.thread.is_alive()


def start_member(kafka: KafkaSettings) -> Member:
    registry = CollectorRegistry()
    service = KafkaClassifier(kafka, FAST, Metrics(registry))
    thread = threading.Thread(target=service.run, daemon=True)
    thread.start()
    return Member(service, registry, thread)


def owns_every_partition(member: Member, kafka: KafkaSettings, partitions: int = 4) -> bool:
    """Whether ``member`` has a lane for each partition of the spans and the logs topic.

    A lone member is assigned both topics in one go, so its lane count passes from 0 to 8
    (never resting at 4); comparing the partitions themselves says it has them all.
    """
    want = {(t, p) for t in (kafka.spans_topic, kafka.logs_topic) for p in range(partitions)}
    return {(tp.topic, tp.partition) for tp in list(member.service.driver.lanes)} == want


@pytest.fixture
def member(kafka: KafkaSettings) -> Iterator[Member]:
    m = start_member(kafka)
    wait_for(lambda: owns_every_partition(m, kafka), timeout=30)
    yield m
    m.stop()


def sample_runs(n: int, seed: int = 0) -> list[RunBuilder]:
    runs = []
    for i in range(n):
        run = RunBuilder(model=f"model-{(i + seed) % 3}", t0=(1_700_000_000 + i * 1000) * 10**9)
        run.tool("pip install requests", "error: externally-managed-environment", 1)
        run.tool("pip install --break-system-packages requests", "Successfully installed requests")
        if i % 2:
            run.tool("curl https://x.example", "curl: (6) Could not resolve host: x.example", 6)
        run.tool("./run.sh", "bash: ./run.sh: Permission denied", 126)
        run.finish("failed" if i % 2 else "passed")
        runs.append(run)
    return runs


def offline_finals(span_lists: list[list[Span]]) -> dict[str, dict[str, object]]:
    core = Classifier(FAST)
    outputs = []
    for spans in span_lists:
        outputs += core.ingest(spans, now=1.0)
    outputs += core.close_all()
    return {
        o.event.error_id: o.event.model_dump(mode="json")
        for o in outputs
        if isinstance(o, Emission) and o.final
    }


def wait_finals(kafka: KafkaSettings, expected: dict[str, dict[str, object]]) -> dict[str, dict]:  # type: ignore[type-arg]
    def done(records: list) -> bool:  # type: ignore[type-arg]
        got = final_events(records)
        return all(i in got and got[i]["status"] != "open" for i in expected)

    return final_events(read_topic(kafka.bootstrap_servers, kafka.errors_topic, done, 60))


def test_collector_to_classifier_matches_replay(kafka: KafkaSettings, member: Member) -> None:
    settings = load_settings(
        **{"receiver.http_port": 0, "receiver.grpc_port": 0, "metrics.port": 0}
    )
    settings = settings.model_copy(update={"kafka": kafka})
    collector = start_collector(settings)
    try:
        runs = sample_runs(6)
        for run in runs:
            exporter = OTLPSpanExporter(endpoint=f"{collector.otlp_endpoint}/v1/traces")
            assert exporter.export(run.exporter.get_finished_spans()) == SpanExportResult.SUCCESS
            exporter.shutdown()
    finally:
        collector.stop()
    expected = offline_finals([r.spans() for r in runs])
    got = wait_finals(kafka, expected)
    assert {i: got[i] for i in expected} == expected
    get = member.registry.get_sample_value
    wait_for(
        lambda: (
            sum(
                get(
                    "rebound_runs_total",
                    {"model": f"model-{m}", "agent_version": "1.0.0", "outcome": o},
                )
                or 0
                for m in range(3)
                for o in ("passed", "failed")
            )
            == 6
        )
    )


def test_a_message_written_as_the_otel_collector_writes_it(
    kafka: KafkaSettings, member: Member
) -> None:
    run = sample_runs(1)[0]
    request = encode_spans(run.exporter.get_finished_spans())
    messages = [
        (tid.encode(), msg.SerializeToString()) for tid, msg in split_by_trace(request).items()
    ]
    assert len(messages) == 1 and len(messages[0][0]) == 32
    produce(kafka.bootstrap_servers, kafka.spans_topic, messages)
    expected = offline_finals([run.spans()])
    got = wait_finals(kafka, expected)
    assert {i: got[i] for i in expected} == expected


def test_kafka_span_exporter_feeds_the_classifier(kafka: KafkaSettings, member: Member) -> None:
    run = sample_runs(1, seed=1)[0]
    exporter = KafkaSpanExporter(kafka)
    assert exporter.export(run.exporter.get_finished_spans()) == SpanExportResult.SUCCESS
    exporter.shutdown()
    expected = offline_finals([run.spans()])
    assert {i: e for i, e in wait_finals(kafka, expected).items() if i in expected} == expected


def test_malformed_messages_go_to_the_dlq_and_the_consumer_goes_on(
    kafka: KafkaSettings, member: Member
) -> None:
    run = sample_runs(1)[0]
    good = [
        (tid.encode(), m.SerializeToString())
        for tid, m in split_by_trace(encode_spans(run.exporter.get_finished_spans())).items()
    ]
    bad = [(b"k1", b"\x0a\xff\xff\xff"), (b"k2", b'{"resourceSpans": 5}'), (b"k3", b"")]
    produce(kafka.bootstrap_servers, kafka.spans_topic, bad + good)
    dlq = read_topic(kafka.bootstrap_servers, kafka.dlq_topic, lambda r: len(r) >= 3, 60)
    reasons = sorted(dict(r.headers)["rebound.reason"].decode() for r in dlq)
    assert len(dlq) == 3 and all(reasons)
    assert {r.value for r in dlq} == {v for _, v in bad}
    expected = offline_finals([run.spans()])
    assert set(expected) <= set(wait_finals(kafka, expected))
    assert (
        sum(
            member.registry.get_sample_value("rebound_dlq_messages_total", {"reason": r}) or 0
            for r in set(reasons)
        )
        == 3
    )

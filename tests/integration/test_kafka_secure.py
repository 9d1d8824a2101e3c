"""The Kafka pipeline through a SASL_SSL listener: SCRAM users and TLS with a certificate the
test made. Collector, classifier and the reader of ``agent_errors`` all authenticate."""

from __future__ import annotations

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import SpanExportResult

from rebound.collector.kafka_config import KafkaSettings
from rebound.kafka_collector import start_collector
from rebound.settings import load_settings
from tests.integration.test_kafka_pipeline import (
    offline_finals,
    owns_every_partition,
    sample_runs,
    start_member,
)
from tests.support.kafka import SecureListener
from tests.support.kafka_io import final_events, read_topic
from tests.support.net import wait_for

pytestmark = pytest.mark.integration


def _through(
    kafka: KafkaSettings, listener: SecureListener, mechanism: str | None, **changes: object
) -> KafkaSettings:
    """``kafka`` (its fresh topics and group) reached through the SASL_SSL listener."""
    fields = {**kafka.model_dump(), **listener.settings(mechanism), **changes}
    return KafkaSettings.model_validate(fields)


# SASL/TLS is proven with the default client; the confluent one refuses it (test below)
@pytest.mark.parametrize("kafka_client", ["kafka-python"], indirect=True)
def test_pipeline_over_scram_and_tls(kafka: KafkaSettings, kafka_secure: SecureListener) -> None:
    secure = _through(kafka, kafka_secure, "SCRAM-SHA-512")
    member = start_member(secure)
    try:
        wait_for(lambda: owns_every_partition(member, secure), timeout=60)
        settings = load_settings(
            **{"receiver.http_port": 0, "receiver.grpc_port": None, "metrics.port": 0}
        ).model_copy(update={"kafka": secure})
        collector = start_collector(settings)
        runs = sample_runs(4)
        try:
            for run in runs:
                exporter = OTLPSpanExporter(endpoint=f"{collector.otlp_endpoint}/v1/traces")
                result = exporter.export(run.exporter.get_finished_spans())
                exporter.shutdown()
                assert result == SpanExportResult.SUCCESS
        finally:
            collector.stop()
        expected = offline_finals([r.spans() for r in runs])

        def done(records: list) -> bool:  # type: ignore[type-arg]
            got = final_events(records)
            return all(i in got and got[i]["status"] != "open" for i in expected)

        records = read_topic("", secure.errors_topic, done, 90, client=secure.common())
        got = final_events(records)
        assert {i: got[i] for i in expected} == expected  # nothing lost on the way
    finally:
        member.stop()


@pytest.mark.parametrize("kafka_client", ["kafka-python"], indirect=True)
@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_only_the_scram_user_gets_in(
    kafka: KafkaSettings, kafka_secure: SecureListener, mechanism: str
) -> None:
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    good = _through(kafka, kafka_secure, mechanism)
    producer = KafkaProducer(**good.producer("secure-test"))
    producer.send(good.spans_topic, b"x").get(timeout=30)
    producer.close()
    wrong = _through(kafka, kafka_secure, mechanism, sasl_password="not-the-password")
    plain = _through(kafka, kafka_secure, None, security_protocol="SSL")
    for refused in (wrong, plain):
        # kafka-python retries a refused bootstrap until this timeout (30 s by default);
        # the accepted user above bootstraps in well under a second
        with pytest.raises(KafkaError):
            KafkaProducer(**refused.producer("secure-test"), bootstrap_timeout_ms=5000)

"""The Kafka pipeline under scale-out and faults: two members, kill -9, a broker outage."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from prometheus_client import CollectorRegistry

from rebound.classifier.core import Classifier
from rebound.collector.kafka_config import KafkaSettings
from rebound.collector.otlp_split import split_by_trace
from rebound.exporters.prometheus import Metrics
from rebound.kafka_collector import start_collector
from rebound.settings import load_settings
from tests.integration.test_kafka_pipeline import FAST, offline_finals, sample_runs, wait_finals
from tests.support.agentrun import RunBuilder
from tests.support.kafka import new_topic, own_broker
from tests.support.kafka_io import produce, read_topic
from tests.support.net import free_port, http_get, metric_value, wait_for

pytestmark = pytest.mark.integration


class Member:
    """A ``rebound classifier`` process."""

    def __init__(self, kafka: KafkaSettings, **env_overrides: str) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "REBOUND_KAFKA__LOGS_TOPIC": kafka.logs_topic,  # this test's, not a shared one
            "REBOUND_KAFKA__DLQ_TOPIC": kafka.dlq_topic,
            "REBOUND_KAFKA__CLIENT": kafka.client,
            "REBOUND_KAFKA__SESSION_TIMEOUT_MS": "6000",
            "REBOUND_KAFKA__HEARTBEAT_INTERVAL_MS": "500",
            "REBOUND_KAFKA__COMMIT_INTERVAL_SECONDS": "0.2",
            "REBOUND_CLASSIFIER__GRACE_SECONDS": str(FAST.grace_seconds),
            "REBOUND_CLASSIFIER__IDLE_TIMEOUT_SECONDS": str(FAST.idle_timeout_seconds),
            **env_overrides,
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rebound.cli",
                "classifier",
                "--log-level",
                "WARNING",
                "--bootstrap-servers",
                kafka.bootstrap_servers,
                "--spans-topic",
                kafka.spans_topic,
                "--errors-topic",
                kafka.errors_topic,
                "--group-id",
                kafka.group_id,
                "--metrics-port",
                str(self.port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def metric(self, name: str, **labels: str) -> float:
        return metric_value(http_get(f"http://127.0.0.1:{self.port}/metrics"), name, **labels) or 0

    def samples(self, name: str) -> Counter[tuple[tuple[str, str], ...]]:
        from prometheus_client.parser import text_string_to_metric_families

        out: Counter[tuple[tuple[str, str], ...]] = Counter()
        text = http_get(f"http://127.0.0.1:{self.port}/metrics")
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == name:
                    out[tuple(sorted(s.labels.items()))] += s.value
        return out

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=60)


@pytest.fixture
def members() -> Iterator[list[Member]]:
    started: list[Member] = []
    yield started
    for m in started:
        m.stop(signal.SIGKILL)


def messages(run: RunBuilder, spans: Any = None) -> list[tuple[bytes, bytes]]:
    request = encode_spans(spans if spans is not None else run.exporter.get_finished_spans())
    return [(t.encode(), m.SerializeToString()) for t, m in split_by_trace(request).items()]


def offline_samples(runs: list[RunBuilder], name: str) -> Counter[tuple[tuple[str, str], ...]]:
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    registry = CollectorRegistry()
    metrics = Metrics(registry)
    core = Classifier(FAST)
    for run in runs:
        metrics.observe(core.ingest(run.spans(), now=1.0))
    metrics.observe(core.close_all())
    out: Counter[tuple[tuple[str, str], ...]] = Counter()
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for s in family.samples:
            if s.name == name:
                out[tuple(sorted(s.labels.items()))] += s.value
    return out


def test_two_members_share_the_work_and_the_totals(
    kafka: KafkaSettings, members: list[Member]
) -> None:
    members += [Member(kafka), Member(kafka)]
    wait_for(
        lambda: (
            all(m.metric("rebound_kafka_partitions_assigned") >= 1 for m in members)
            and sum(m.metric("rebound_kafka_partitions_assigned") for m in members) == 4
        ),
        60,
    )
    runs = sample_runs(40)
    produce(kafka.bootstrap_servers, kafka.spans_topic, [m for r in runs for m in messages(r)])
    expected = offline_finals([r.spans() for r in runs])
    got = wait_finals(kafka, expected)
    assert {i: got[i] for i in expected} == expected

    records = read_topic(kafka.bootstrap_servers, kafka.errors_topic, lambda r: True, 30)
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:  # one key per run: a run's records keep their order
        event = json.loads(record.value)
        by_id[event["error_id"]].append(event)
    for error_id, final in expected.items():
        assert by_id[error_id][-1] == final
        assert sum(e == final for e in by_id[error_id]) == 1  # classified by one member only

    for name in ("rebound_runs_total", "rebound_errors_total", "rebound_errors_resolved_total"):
        want = offline_samples(runs, name)
        wait_for(lambda n=name, w=want: sum((m.samples(n) for m in members), Counter()) == w, 30)


def _split_root(run: RunBuilder) -> tuple[list[Any], list[Any]]:
    spans = list(run.exporter.get_finished_spans())
    return [s for s in spans if s.parent is not None], [s for s in spans if s.parent is None]


def test_kill_9_then_restart_loses_nothing(kafka: KafkaSettings, members: list[Member]) -> None:
    first = Member(kafka)
    members.append(first)
    wait_for(lambda: first.metric("rebound_kafka_partitions_assigned") == 4, 60)
    runs = sample_runs(30, seed=2)
    heads = [m for r in runs for m in messages(r, _split_root(r)[0])]
    produce(kafka.bootstrap_servers, kafka.spans_topic, heads)
    children = sum(len(_split_root(r)[0]) for r in runs)
    wait_for(
        lambda: (
            sum(
                first.metric("rebound_spans_total", kind=k)
                for k in ("tool", "llm", "agent", "other")
            )
            == children
        ),
        60,
    )
    wait_for(lambda: first.metric("rebound_open_runs") == 30, 30)
    first.stop(signal.SIGKILL)  # dozens of open runs, nothing closed yet

    produce(
        kafka.bootstrap_servers,
        kafka.spans_topic,
        [m for r in runs for m in messages(r, _split_root(r)[1])],
    )
    members.append(Member(kafka))
    expected = offline_finals([r.spans() for r in runs])
    got = wait_finals(kafka, expected)
    assert {i: got[i] for i in expected} == expected


def test_runs_open_through_a_rebalance_lose_nothing(
    kafka: KafkaSettings, members: list[Member]
) -> None:
    # A third member joins while every run is open: the two first keep some partitions
    # through the rebalance, drop their runs and must read them again from the commit.
    members += [Member(kafka), Member(kafka)]
    wait_for(lambda: sum(m.metric("rebound_kafka_partitions_assigned") for m in members) == 4, 60)
    runs = sample_runs(30, seed=3)
    heads = [m for r in runs for m in messages(r, _split_root(r)[0])]
    produce(kafka.bootstrap_servers, kafka.spans_topic, heads)
    wait_for(lambda: sum(m.metric("rebound_open_runs") for m in members) == 30, 60)

    members.append(Member(kafka))

    def settled() -> bool:
        owned = [m.metric("rebound_kafka_partitions_assigned") for m in members]
        return all(owned) and sum(owned) == 4

    wait_for(settled, 60)
    produce(
        kafka.bootstrap_servers,
        kafka.spans_topic,
        [m for r in runs for m in messages(r, _split_root(r)[1])],
    )
    expected = offline_finals([r.spans() for r in runs])
    got = wait_finals(kafka, expected)
    assert {i: got[i] for i in expected} == expected


def _request(i: int) -> tuple[str, bytes]:
    run = RunBuilder(t0=(1_700_000_000 + i) * 10**9, llm_before_tools=False)
    run.tool(f"echo {i}", str(i))
    run.finish("passed")
    spans = run.exporter.get_finished_spans()
    return format(spans[0].context.trace_id, "032x"), encode_spans(spans).SerializeToString()


@pytest.mark.timeout(600)  # two broker starts, a 20 s outage and 400 paced requests
def test_broker_outage_answers_503_and_loses_no_acknowledged_span(
    tmp_path: Path, kafka_client: str
) -> None:
    with own_broker(tmp_path / "broker") as broker:
        kafka = KafkaSettings(
            client=kafka_client,
            bootstrap_servers=broker.bootstrap,
            spans_topic=new_topic(broker.bootstrap, 2),
            ack_timeout_seconds=2,
        )
        settings = load_settings(
            **{"receiver.http_port": 0, "receiver.grpc_port": 0, "metrics.port": 0}
        )
        collector = start_collector(settings.model_copy(update={"kafka": kafka}))
        acked: set[str] = set()
        status: Counter[int] = Counter()
        outage = threading.Event()
        stop = threading.Event()

        def send() -> None:
            for i in range(400):
                trace_id, body = _request(i)
                while not stop.is_set():
                    req = urllib.request.Request(
                        f"{collector.otlp_endpoint}/v1/traces",
                        data=body,
                        method="POST",
                        headers={"Content-Type": "application/x-protobuf"},
                    )
                    try:
                        with urllib.request.urlopen(req, timeout=15) as resp:
                            status[resp.status] += 1
                            acked.add(trace_id)
                            break
                    except urllib.error.HTTPError as err:
                        status[err.code] += 1
                        assert err.code == 503 and err.headers.get("Retry-After")
                        time.sleep(0.2)
                    except (TimeoutError, urllib.error.URLError, ConnectionError):
                        status[0] += 1  # no answer in time: an OTLP client sends again
                        time.sleep(0.2)
                if i == 20:
                    outage.set()
                time.sleep(0.05)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        assert outage.wait(60)
        broker.run("stop")
        time.sleep(20)  # the outage itself: spans keep arriving at the collector
        broker.run("start")
        sender.join(240)
        stop.set()
        collector.stop()
        assert status[503] > 0 and len(acked) == 400, (status, len(acked))
        records = read_topic(
            broker.bootstrap, kafka.spans_topic, lambda r: {x.key.decode() for x in r} >= acked, 60
        )
        assert {x.key.decode() for x in records} >= acked

"""The Kafka classifier on an in-memory Kafka: commit points, crashes, rebalances, faults.

Every run built here has exactly two errors (a permission error it recovers from, a DNS
error it does not), so the expected counts follow from the runs, not from the code.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from kafka.structs import TopicPartition

from rebound.classifier.config import ClassifierSettings
from rebound.classifier.core import Classifier
from rebound.classifier.events import Emission
from rebound.collector.kafka_config import KafkaSettings
from rebound.commit_mark import CommitMark
from tests.support.agentrun import RunBuilder
from tests.support.fake_kafka import FakeBroker, FakeProducer
from tests.support.members import Member, Samples, totals, trace_messages

FAST = ClassifierSettings(grace_seconds=0, idle_timeout_seconds=3600)
KAFKA = KafkaSettings(
    spans_topic="spans", errors_topic="errors", dlq_topic="dlq", commit_interval_seconds=0.5
)
TP0, TP1 = TopicPartition("spans", 0), TopicPartition("spans", 1)
ERRORS_PER_RUN = 2


def build(i: int) -> RunBuilder:
    run = RunBuilder(model=f"model-{i % 2}", t0=(1_700_000_000 + i * 100) * 10**9)
    run.tool("./run.sh", "bash: ./run.sh: Permission denied", 126)
    run.tool("chmod +x run.sh", "")
    run.tool("./run.sh", "ok")
    run.tool("curl https://x.example", "curl: (6) Could not resolve host: x.example", 6)
    run.finish("failed" if i % 2 else "passed")
    return run


def children(run: RunBuilder) -> list[Any]:
    return [s for s in run.exporter.get_finished_spans() if s.parent is not None]


def root(run: RunBuilder) -> list[Any]:
    return [s for s in run.exporter.get_finished_spans() if s.parent is None]


def put(broker: FakeBroker, partition: int, spans: list[Any]) -> int:
    [(key, value)] = trace_messages(spans)
    return broker.append("spans", partition, key, value)


def new_broker(partitions: int = 1) -> FakeBroker:
    broker = FakeBroker()
    broker.topic("spans", partitions)
    broker.topic("errors", 1)
    broker.topic("dlq", 1)
    return broker


def records(broker: FakeBroker) -> list[dict[str, Any]]:
    return [json.loads(v) for v in broker.values("errors")]


def last_per_id(broker: FakeBroker) -> dict[str, dict[str, Any]]:
    return {r["error_id"]: r for r in records(broker)}


def group_totals(*members: Member) -> Counter[str]:
    summed: Samples = Counter()
    for member in members:
        summed.update(member.samples())
    return totals(summed)


def offline_finals(runs: list[RunBuilder]) -> dict[str, dict[str, Any]]:
    """Each error's final record when every run is classified whole, in one go."""
    core = Classifier(FAST)
    outputs = [o for run in runs for o in core.ingest(run.spans(), now=1.0)] + core.close_all()
    return {
        o.event.error_id: o.event.model_dump(mode="json")
        for o in outputs
        if isinstance(o, Emission) and o.final
    }


def span_count(runs: list[RunBuilder]) -> int:
    return sum(len(r.exporter.get_finished_spans()) for r in runs)


def assert_counted_once(runs: list[RunBuilder], *members: Member) -> None:
    """The members' metrics together count every run, error and span exactly once."""
    got = group_totals(*members)
    assert got["rebound_runs_total"] == len(runs)
    assert got["rebound_errors_total"] == ERRORS_PER_RUN * len(runs)
    assert got["rebound_errors_resolved_total"] == ERRORS_PER_RUN * len(runs)
    assert got["rebound_spans_total"] == span_count(runs)


def test_commit_stops_at_the_oldest_open_run_and_names_it_in_the_metadata() -> None:
    broker = new_broker()
    waiting, done = build(0), build(1)
    put(broker, 0, children(waiting))  # offset 0: a run still open
    put(broker, 0, done.exporter.get_finished_spans())  # offset 1: a complete run
    member = Member(broker, KAFKA, FAST)
    member.consumer.assign([TP0])
    member.run(polls=2)
    committed = broker.committed[TP0]
    assert committed.offset == 0  # the open run needs offset 0 again
    mark = CommitMark.decode(committed.metadata, committed.offset)
    assert mark == CommitMark(processed=1, open_firsts=frozenset({0}))

    put(broker, 0, root(waiting))  # offset 2 closes the open run
    again = Member(broker, KAFKA, FAST)
    again.consumer.assign([TP0])
    again.run(polls=2)
    committed = broker.committed[TP0]
    assert committed.offset == 3  # nothing open: everything read is done
    assert CommitMark.decode(committed.metadata, 3) == CommitMark(2, frozenset())


def test_a_crash_after_runs_closed_counts_every_run_and_error_once() -> None:
    broker = new_broker()
    waiting = build(0)
    complete = [build(i) for i in range(1, 4)]
    put(broker, 0, children(waiting))
    for run in complete:
        put(broker, 0, run.exporter.get_finished_spans())
    first = Member(broker, KAFKA, FAST)
    first.consumer.assign([TP0])
    first.run(polls=3, crash=True)  # closed three runs, committed offset 0, then died
    assert broker.committed[TP0].offset == 0
    assert totals(first.samples())["rebound_runs_total"] == 3
    written_before = len(records(broker))

    put(broker, 0, root(waiting))
    second = Member(broker, KAFKA, FAST)
    second.consumer.assign([TP0])
    second.run(polls=3)

    got = group_totals(first, second)
    runs = [waiting, *complete]
    assert got["rebound_runs_total"] == len(runs)
    assert got["rebound_errors_total"] == ERRORS_PER_RUN * len(runs)
    assert got["rebound_errors_resolved_total"] == ERRORS_PER_RUN * len(runs)
    assert got["rebound_errors_final_total"] == ERRORS_PER_RUN * len(runs)
    assert got["rebound_spans_total"] == span_count(runs)
    finals = last_per_id(broker)
    assert len(finals) == ERRORS_PER_RUN * len(runs)
    assert all(r["status"] in ("recovered", "unrecovered") for r in finals.values())
    # the runs the first member closed are not written again by the second
    waiting_id = root(waiting)[0].context.trace_id
    rewritten = [r for r in records(broker)[written_before:] if int(r["run_id"], 16) != waiting_id]
    assert rewritten == []


def test_a_run_open_at_the_crash_whose_spans_were_all_read_is_still_counted() -> None:
    broker = new_broker()
    run = build(0)
    put(broker, 0, children(run))
    first = Member(broker, KAFKA, FAST)
    first.consumer.assign([TP0])
    first.run(polls=2, crash=True)
    put(broker, 0, root(run))
    # a later owner that reads the root again but only after the first one had read it
    second = Member(broker, KAFKA, FAST)
    second.consumer.assign([TP0])
    second.run(polls=2)
    got = group_totals(first, second)
    assert got["rebound_runs_total"] == 1
    assert got["rebound_errors_total"] == ERRORS_PER_RUN
    assert got["rebound_errors_final_total"] == ERRORS_PER_RUN


def test_a_rebalance_moves_a_partition_without_counting_twice() -> None:
    broker = new_broker(partitions=2)
    runs = [build(i) for i in range(6)]
    for i, run in enumerate(runs[:4]):  # two open runs per partition
        put(broker, i % 2, children(run))
    first = Member(broker, KAFKA, FAST)
    first.consumer.assign([TP0, TP1])
    first.run(polls=2)
    for i, run in enumerate(runs[:2]):  # one run per partition completes on the first
        put(broker, i % 2, root(run))
    for i, run in enumerate(runs[4:]):
        put(broker, i % 2, run.exporter.get_finished_spans())

    second = Member(broker, KAFKA, FAST)
    first.consumer.assign([TP0])  # partition 1 moves to the second member
    second.consumer.assign([TP1])
    first.run(polls=2)
    second.run(polls=2)
    for i, run in enumerate(runs[2:4]):
        put(broker, i % 2, root(run))
    first.run(polls=2)
    second.run(polls=2)

    assert_counted_once(runs, first, second)
    assert all(r["status"] != "open" for r in last_per_id(broker).values())
    assert len(last_per_id(broker)) == ERRORS_PER_RUN * len(runs)


def test_an_eager_rebalance_that_keeps_a_partition_reads_its_open_runs_again() -> None:
    # kafka-python 3 revokes every partition, then assigns them again keeping the fetch
    # position of those the member keeps: its runs were dropped, their input must come again
    broker = new_broker(partitions=2)
    runs = [build(i) for i in range(4)]
    for i, run in enumerate(runs):  # two open runs per partition
        put(broker, i % 2, children(run))
    first = Member(broker, KAFKA, FAST)
    first.consumer.eager = True
    first.consumer.assign([TP0, TP1])
    first.run(polls=2)
    assert broker.committed[TP0].offset == 0  # both runs of partition 0 still open

    second = Member(broker, KAFKA, FAST)
    first.consumer.assign([TP0])  # keeps partition 0, gives partition 1 away
    second.consumer.assign([TP1])
    first.run(polls=2)
    second.run(polls=2)
    for i, run in enumerate(runs):
        put(broker, i % 2, root(run))
    first.run(polls=2)
    second.run(polls=2)

    assert_counted_once(runs, first, second)
    finals = offline_finals(runs)
    assert last_per_id(broker) == finals  # every run whole: nothing lost, nothing cut short
    assert sum(r in finals.values() for r in records(broker)) == len(finals)  # each once


def test_bad_messages_go_to_the_dead_letter_topic_once() -> None:
    broker = new_broker()
    run = build(0)
    put(broker, 0, children(run))  # holds the committed offset at 0
    broker.append("spans", 0, b"k", b"\xff not protobuf")
    first = Member(broker, KAFKA, FAST)
    first.consumer.assign([TP0])
    first.run(polls=2, crash=True)
    [dead] = broker.messages("dlq")
    assert dead.value == b"\xff not protobuf" and dead.key == b"k"
    headers = dict(dead.headers)
    assert headers["rebound.reason"] == b"invalid_protobuf"
    assert headers["rebound.source"].endswith(b"@1")

    second = Member(broker, KAFKA, FAST)  # reads offset 1 again after the crash
    second.consumer.assign([TP0])
    second.run(polls=2)
    assert len(broker.messages("dlq")) == 1
    got = group_totals(first, second)
    assert got["rebound_dlq_messages_total"] == 1
    assert got["rebound_spans_rejected_total"] == 1


def test_failed_deliveries_commit_nothing_then_retry_until_delivered() -> None:
    broker = new_broker()
    runs = [build(i) for i in range(3)]
    for run in runs:
        put(broker, 0, run.exporter.get_finished_spans())
    member = Member(broker, KAFKA, FAST)
    member.consumer.assign([TP0])
    broker.up = False  # events time out: the broker is away past the delivery timeout

    def outage_ends(m: Member) -> None:
        if m.consumer.polls == 6:
            broker.up = True

    member.on_poll = outage_ends
    member.run(polls=5)  # still down at the stop: its last commit must fail too
    assert broker.commit_log == []
    assert records(broker) == []
    failures = member.registry.get_sample_value(
        "rebound_delivery_failures_total", {"topic": "errors"}
    )
    assert failures is not None and failures >= ERRORS_PER_RUN * len(runs) * 2

    member.run(polls=10)  # back: the kept events go out again, then the offsets commit
    assert broker.committed[TP0].offset == len(runs)
    finals = last_per_id(broker)
    assert len(finals) == ERRORS_PER_RUN * len(runs)
    assert all(r["status"] != "open" for r in finals.values())


def test_input_is_paused_while_deliveries_fail() -> None:
    broker = new_broker()
    put(broker, 0, build(0).exporter.get_finished_spans())
    member = Member(broker, KAFKA, FAST)
    member.consumer.assign([TP0])
    broker.up = False
    member.run(polls=2)
    assert TP0 in member.consumer.paused
    broker.up = True
    member.run(polls=6)
    assert TP0 not in member.consumer.paused


@pytest.mark.parametrize("where", ["broker", "client"])
def test_a_record_too_large_is_never_committed_past(where: str) -> None:
    broker = new_broker()
    producer = FakeProducer(broker)
    runs = [build(i) for i in range(2)]
    for run in runs:
        put(broker, 0, run.exporter.get_finished_spans())
    if where == "broker":
        broker.max_bytes = 100  # the topic's max.message.bytes
    else:
        producer.max_request_size = 100  # send() itself refuses
    member = Member(broker, KAFKA, FAST, producer)
    member.consumer.assign([TP0])
    member.run(polls=8)
    assert broker.commit_log == [] and records(broker) == []

    broker.max_bytes, producer.max_request_size = None, 1_048_576  # the limit is raised
    member.run(polls=10)
    assert broker.committed[TP0].offset == len(runs)
    assert len(last_per_id(broker)) == ERRORS_PER_RUN * len(runs)


def test_unreadable_commit_metadata_is_logged_and_input_counted_as_new(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from kafka.structs import OffsetAndMetadata

    broker = new_broker()
    put(broker, 0, build(0).exporter.get_finished_spans())
    broker.committed[TP0] = OffsetAndMetadata(0, "{not json", -1)
    member = Member(broker, KAFKA, FAST)
    member.consumer.assign([TP0])
    member.run(polls=2)
    assert "unreadable commit metadata" in caplog.text
    assert totals(member.samples())["rebound_runs_total"] == 1

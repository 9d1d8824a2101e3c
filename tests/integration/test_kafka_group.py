"""A classifier group that loses and gains members counts every run and error once.

Members are ``rebound classifier`` processes. Before a member is killed (kill -9) the test
waits until it has committed everything it read and reads its /metrics one last time:
what a killed process counted afterwards would be lost with it, in Prometheus too.
"""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry

from rebound.classifier.core import Classifier
from rebound.collector.kafka_config import KafkaSettings
from rebound.exporters.prometheus import Metrics
from tests.integration.test_kafka_faults import Member, _split_root, members, messages
from tests.integration.test_kafka_pipeline import FAST, sample_runs
from tests.support.agentrun import RunBuilder
from tests.support.kafka import new_topic
from tests.support.kafka_io import (
    all_read_and_committed,
    final_events,
    group_progress,
    produce,
    read_topic,
)
from tests.support.members import COUNTED, Samples, fault_tally, samples, totals
from tests.support.net import http_get, wait_for

__all__ = ["members"]  # the fixture, imported for pytest
# Open runs wait out kills and rebalances here: only their root span may close them.
PATIENT = {"REBOUND_CLASSIFIER__IDLE_TIMEOUT_SECONDS": "3600"}


def scrape(member: Member) -> Samples:
    from prometheus_client.parser import text_string_to_metric_families

    out: Samples = Counter()
    text = http_get(f"http://127.0.0.1:{member.port}/metrics")
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name in COUNTED and s.value:
                out[(s.name, tuple(sorted(s.labels.items())))] += s.value
    return out


def group_sum(live: list[Member], gone: list[Samples]) -> Samples:
    total: Samples = Counter()
    for counts in gone:
        total.update(counts)
    for member in live:
        total.update(scrape(member))
    return total


def replay_counts(runs: list[RunBuilder]) -> Samples:
    """What one pass over all the spans counts."""
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    core = Classifier(FAST)
    metrics.watch(
        spans=lambda: Counter(dict(core.span_counts)),
        rejected=lambda: Counter(dict(core.rejected)),
        open_runs=lambda: len(core.runs),
        open_errors=lambda: core.open_errors,
    )
    for run in runs:
        metrics.observe(core.ingest(run.spans(), now=1.0))
    metrics.observe(core.close_all())
    return samples(registry)


def kill(member: Member, kafka: KafkaSettings, open_runs: int, group: list[Member]) -> Samples:
    """Wait until ``member`` is quiet and committed, read its counters, kill -9 it."""
    wait_for(lambda: sum(m.metric("rebound_open_runs") for m in group) == open_runs, 60)
    wait_for(
        lambda: all_read_and_committed(kafka.bootstrap_servers, kafka.group_id, kafka.spans_topic),
        60,
    )
    last = scrape(member)
    member.stop(signal.SIGKILL)
    return last


def settle(counts: Callable[[], Samples], want: Samples) -> None:
    """Wait for the group's counts to reach ``want``; on timeout show how they differ."""
    try:
        wait_for(lambda: counts() == want, 120)
    except AssertionError:
        got = counts()
        assert {k: v for k, v in got.items() if want[k] != v} == {
            k: v for k, v in want.items() if got[k] != v
        }


def assert_every_error_final(kafka: KafkaSettings, expected_errors: int) -> int:
    def done(records: list[Any]) -> bool:
        finals = final_events(records)
        return len(finals) == expected_errors and all(
            e["status"] != "open" for e in finals.values()
        )

    records = read_topic(kafka.bootstrap_servers, kafka.errors_topic, done, 60)
    return len(final_events(records))


def test_kill_9_while_complete_runs_wait_behind_open_ones_counts_each_once(
    kafka: KafkaSettings, members: list[Member]
) -> None:
    first = Member(kafka, **PATIENT)
    members.append(first)
    wait_for(lambda: first.metric("rebound_kafka_partitions_assigned") == 4, 60)
    waiting = sample_runs(8, seed=7)
    complete = sample_runs(24, seed=100)
    produce(
        kafka.bootstrap_servers,
        kafka.spans_topic,
        [m for r in waiting for m in messages(r, _split_root(r)[0])],
    )
    produce(kafka.bootstrap_servers, kafka.spans_topic, [m for r in complete for m in messages(r)])
    wait_for(lambda: totals(scrape(first))["rebound_runs_total"] == len(complete), 60)
    gone = [kill(first, kafka, len(waiting), [first])]
    # read once everything is committed (kill waits for it), not while commits are on the way
    progress = group_progress(kafka.bootstrap_servers, kafka.group_id, kafka.spans_topic)
    behind = [p for p, (c, end) in progress.items() if c is not None and c.offset < end - 1]
    assert behind, "no partition had complete runs waiting behind an open one"

    second = Member(kafka, **PATIENT)
    members.append(second)
    produce(
        kafka.bootstrap_servers,
        kafka.spans_topic,
        [m for r in waiting for m in messages(r, _split_root(r)[1])],
    )
    runs = waiting + complete
    want = replay_counts(runs)
    assert totals(want)["rebound_runs_total"] == len(runs)
    settle(lambda: group_sum([second], gone), want)
    errors = int(totals(want)["rebound_errors_total"])
    finals = assert_every_error_final(kafka, errors)
    fault_tally("kill -9 behind open runs", len(runs), errors, group_sum([second], gone), finals)


def test_scale_out_members_killed_and_added_sum_to_a_replay(
    kafka: KafkaSettings, members: list[Member]
) -> None:
    kafka = kafka.model_copy(update={"spans_topic": new_topic(kafka.bootstrap_servers, 6)})
    members += [Member(kafka, **PATIENT) for _ in range(3)]

    def spread() -> bool:
        owned = [m.metric("rebound_kafka_partitions_assigned") for m in members]
        return sum(owned) == 6 and min(owned) >= 1

    wait_for(spread, 90)
    runs = sample_runs(60, seed=3)
    early, late = runs[:20], runs[20:]
    produce(kafka.bootstrap_servers, kafka.spans_topic, [m for r in early for m in messages(r)])
    heads = [m for r in late for m in messages(r, _split_root(r)[0])]
    produce(kafka.bootstrap_servers, kafka.spans_topic, heads)
    ends = group_progress(kafka.bootstrap_servers, kafka.group_id, kafka.spans_topic)
    assert all(end > 0 for _, end in ends.values()), "runs must reach every partition"

    victim = members.pop(0)
    gone = [kill(victim, kafka, len(late), [victim, *members])]
    members.append(Member(kafka, **PATIENT))  # one joins while the victim's partitions move
    produce(
        kafka.bootstrap_servers,
        kafka.spans_topic,
        [m for r in late for m in messages(r, _split_root(r)[1])],
    )
    want = replay_counts(runs)
    settle(lambda: group_sum(members, gone), want)
    errors = int(totals(want)["rebound_errors_total"])
    finals = assert_every_error_final(kafka, errors)
    fault_tally(
        "scale-out 3 members, 1 killed, 1 added",
        len(runs),
        errors,
        group_sum(members, gone),
        finals,
    )

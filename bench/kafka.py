"""Speed of the Kafka pipeline: ``rebound collector`` → otlp_spans → ``rebound classifier``s.

    python bench/kafka.py                       # 1 then 2 classifiers, 20 s each
    python bench/kafka.py --members 1,2 --seconds 30 --connections 8
    python bench/kafka.py --clients kafka-python,confluent --members 1
    python bench/kafka.py --smoke               # a few seconds, tiny load (CI)

A broker of its own (``deploy/kafka/local-kafka.sh`` on free ports, a temporary data dir);
per scenario fresh topics and group, one collector and N classifier subprocesses, load as
in ``bench/serve.py`` (``bench/live.py``) sent to the collector flat out, which answers
200 only once Kafka acknowledged. Reported: spans/s accepted by the collector (acked) and
classified (the classifiers' ``rebound_spans_total`` while sending) and the drain after;
consumer lag as the classifiers see it (for each sample of the collector's acked count,
the time until the classifiers had counted as many), and send → ``agent_errors`` latency
of every ``open`` record (its trace id names the send; the failing span's ``detected_at``
is earlier by the run's simulated time, which an agent sending spans as they end would
not add). CPU seconds and peak RSS per process from /proc.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

# This file's directory goes last, after site-packages: ``kafka`` is the client library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import live  # noqa: E402  (bench/live.py, next to this file)

PARTITIONS = 4


def _support() -> Any:
    # tests/support/kafka.py by name: with this file's directory on mypy's path, its own
    # ``import kafka`` would resolve to this file.
    return importlib.import_module("tests.support.kafka")


@dataclass
class ErrorsReader:
    """Reads ``agent_errors`` from the start: (arrival time, trace id) of each open record."""

    bootstrap: str
    topic: str
    opened: list[tuple[float, str]] = field(default_factory=list)
    halt: threading.Event = field(default_factory=threading.Event)
    ready: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        # By name: mypy would take ``kafka`` for this file.
        consumer = importlib.import_module("kafka").KafkaConsumer(
            self.topic,
            bootstrap_servers=self.bootstrap,
            group_id=_support().new_group(),
            auto_offset_reset="earliest",
            session_timeout_ms=6000,
            heartbeat_interval_ms=1000,
        )
        try:
            while not self.halt.is_set():
                batch = consumer.poll(timeout_ms=100)
                now = time.time()
                if consumer.assignment():
                    self.ready.set()
                for records in batch.values():
                    for record in records:
                        event = orjson.loads(record.value)
                        if event.get("status") == "open":
                            self.opened.append((now, event["trace_id"]))
        finally:
            consumer.close()


@dataclass
class Counts:
    """Samples of (time, spans acked by the collector, spans counted by the classifiers)."""

    collector: int
    members: list[int]
    every: float
    samples: list[tuple[float, float, float]] = field(default_factory=list)
    halt: threading.Event = field(default_factory=threading.Event)

    def read(self) -> tuple[float, float, float]:
        acked = live.metric_sum(live.metrics_text(self.collector), "rebound_collector_spans_total")
        counted = sum(
            live.metric_sum(live.metrics_text(p), "rebound_spans_total") for p in self.members
        )
        return time.time(), acked, counted

    def run(self) -> None:
        while not self.halt.is_set():
            self.samples.append(self.read())
            self.halt.wait(self.every)


def consumer_lags(samples: list[tuple[float, float, float]], until: float) -> list[float]:
    """For each sample up to ``until``: seconds until the classifiers counted what was acked."""
    out = []
    for i, (t, acked, _) in enumerate(samples):
        if t > until:
            break
        later = next((t2 for t2, _, counted in samples[i:] if counted >= acked), None)
        if later is not None:
            out.append(later - t)
    return out


def scenario(
    args: argparse.Namespace,
    bootstrap: str,
    members: int,
    templates: list[live.Template],
    client: str = "kafka-python",
) -> dict[str, Any]:
    """A collector and ``members`` classifiers (Kafka client ``client``) on fresh topics."""
    from tests.support.net import free_port

    new_group, new_topic = _support().new_group, _support().new_topic

    spans_topic, errors_topic = new_topic(bootstrap, PARTITIONS), new_topic(bootstrap, PARTITIONS)
    kafka_env = {
        "REBOUND_LOG_LEVEL": "WARNING",
        "REBOUND_KAFKA__CLIENT": client,
        "REBOUND_KAFKA__DLQ_TOPIC": new_topic(bootstrap, 1),
        "REBOUND_KAFKA__SESSION_TIMEOUT_MS": "6000",
        "REBOUND_KAFKA__HEARTBEAT_INTERVAL_MS": "500",
    }
    topics = ["--bootstrap-servers", bootstrap, "--spans-topic", spans_topic]
    topics += ["--errors-topic", errors_topic]
    group = new_group()
    port, c_metrics = free_port(), free_port()
    m_ports = [free_port() for _ in range(members)]
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        collector = live.rebound(
            ["collector", *topics, "--port", str(port), "--metrics-port", str(c_metrics)],
            tmp / "collector.log",
            REBOUND_RECEIVER__GRPC_PORT=str(free_port()),
            **kafka_env,
        )
        stack.callback(live.stop, collector)
        procs = []
        for i, m_port in enumerate(m_ports):
            argv = ["classifier", *topics, "--group-id", group, "--metrics-port", str(m_port)]
            procs.append(live.rebound(argv, tmp / f"classifier-{i}.log", **kafka_env))
            stack.callback(live.stop, procs[-1])
        counts = Counts(c_metrics, m_ports, args.poll)

        def assigned() -> float:
            return sum(
                live.metric_sum(live.metrics_text(p), "rebound_kafka_partitions_assigned")
                for p in m_ports
            )

        live.wait_until(lambda: live.metrics_text(c_metrics) and assigned() == PARTITIONS, 120)
        reader = ErrorsReader(bootstrap, errors_topic)
        reader_thread = threading.Thread(target=reader.run, daemon=True)
        reader_thread.start()
        stack.callback(reader_thread.join)
        stack.callback(reader.halt.set)
        reader.ready.wait(60)
        row = _measure(args, templates, port, counts, [collector.pid] + [p.pid for p in procs])
        row["members"], row["client"] = members, client
        row["opened"], row["e2e_p50"], row["e2e_p99"] = _error_latency(reader, row.pop("sends"))
        return row


def _measure(
    args: argparse.Namespace,
    templates: list[live.Template],
    port: int,
    counts: Counts,
    pids: list[int],
) -> dict[str, Any]:
    load = live.Load(port, templates, args.connections, args.rate)
    warm = sum(s.spans for s in load.run(1.0 if not args.smoke else 0.3) if s.status == 200)
    live.wait_until(lambda: counts.read()[2] >= warm, 120)
    _, base_acked, base = counts.read()
    cpu0 = [live.cpu_seconds(pid) for pid in pids]
    thread = threading.Thread(target=counts.run, daemon=True)
    thread.start()
    started = time.time()
    sends = load.run(args.seconds, first_seq=1_000_000)
    ended = time.time()
    accepted = sum(s.spans for s in sends if s.status == 200)
    try:
        live.wait_until(lambda: counts.samples and counts.samples[-1][2] >= base + accepted, 300)
        time.sleep(1.0)  # the last open records on their way to agent_errors
    finally:
        counts.halt.set()
        thread.join()
    drained = next(t for t, _, v in counts.samples if v >= base + accepted)
    at_end = max((v for t, _, v in counts.samples if t <= ended), default=base)
    acked_end = max((a for t, a, _ in counts.samples if t <= ended), default=base_acked)
    lags = consumer_lags(counts.samples, ended)
    cpu = [live.cpu_seconds(pid) - c for pid, c in zip(pids, cpu0, strict=True)]
    scrape = time.perf_counter()
    live.metrics_text(counts.members[0])
    scrape = time.perf_counter() - scrape
    return {
        "sends": sends,
        "accepted": accepted / (ended - started),
        "acked": (acked_end - base_acked) / (ended - started),
        "rejected": sum(1 for s in sends if s.status != 200),
        "classified": (at_end - base) / (ended - started),
        "drain": max(0.0, drained - ended),
        "lag_p50": live.percentile(lags, 0.5),
        "lag_p99": live.percentile(lags, 0.99),
        "cpu_collector": cpu[0],
        "cpu_members": sum(cpu[1:]),
        "rss_collector": live.peak_rss_mb(pids[0]),
        "rss_members": max(live.peak_rss_mb(pid) for pid in pids[1:]),
        "scrape_ms": scrape * 1000,
    }


def _error_latency(reader: ErrorsReader, sends: list[live.Send]) -> tuple[int, float, float]:
    sent = {s.seq: s.started for s in sends if s.status == 200}
    lat = [
        arrival - sent[seq]
        for arrival, trace_id in list(reader.opened)
        if (seq := live.send_seq(trace_id)) in sent
    ]
    return len(lat), live.percentile(lat, 0.5), live.percentile(lat, 0.99)


_COLUMNS = (
    live.CLIENT_COLUMN,
    ("members", "classifiers", "{}".format),
    ("accepted", "collector 200 spans/s", "{:,.0f}".format),
    ("rejected", "503s", "{:,}".format),
    ("classified", "classified spans/s", "{:,.0f}".format),
    ("drain", "drain after s", "{:.2f}".format),
    ("lag_p50", "consumer lag p50 s", "{:.2f}".format),
    ("lag_p99", "p99 s", "{:.2f}".format),
    ("opened", "open records", "{:,}".format),
    ("e2e_p50", "send→agent_errors p50 s", "{:.2f}".format),
    ("e2e_p99", "p99 s", "{:.2f}".format),
    ("cpu_collector", "collector CPU s", "{:.1f}".format),
    ("cpu_members", "classifiers CPU s", "{:.1f}".format),
    ("rss_collector", "collector RSS MB", "{:.0f}".format),
    ("rss_members", "classifier RSS MB (max)", "{:.0f}".format),
    ("scrape_ms", "classifier /metrics ms (idle)", "{:.0f}".format),
)


def _bench_cpu() -> float:
    # The load generator and pollers: they share the two cores with what is measured.
    return time.process_time()


def table(rows: list[dict[str, Any]]) -> str:
    """The results as Markdown."""
    return live.column_table(_COLUMNS, rows)


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table, append it to docs/benchmarks.md (2: no broker possible)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="load per scenario (20)")
    parser.add_argument("--members", default="1,2", help="classifier processes per scenario")
    parser.add_argument("--clients", default="kafka-python", help="Kafka clients, each a row")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every scenario (1)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent senders (4)")
    parser.add_argument("--rate", type=float, default=0.0, help="offered spans/s (0: flat out)")
    parser.add_argument("--batch-spans", type=int, default=300, help="spans per request (~300)")
    parser.add_argument("--runs", type=int, default=600, help="distinct simulated runs (600)")
    parser.add_argument("--poll", type=float, default=0.5, help="/metrics poll interval (0.5)")
    parser.add_argument("--smoke", action="store_true", help="tiny and quick, for CI")
    parser.add_argument("--no-doc", action="store_true", help="do not append to the doc")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.runs, args.members, args.connections = 1.5, 24, "1", 2
    script_broker, script_missing_tools = _support().script_broker, _support().script_missing_tools

    if missing := script_missing_tools():
        print(f"no broker: local-kafka.sh needs {', '.join(missing)}", file=sys.stderr)
        return 2
    load_before = live.load_average()
    templates = live.build_templates(args.runs, args.batch_spans)
    with tempfile.TemporaryDirectory() as tmp, script_broker(Path(tmp) / "broker") as bootstrap:
        rows = [
            scenario(args, bootstrap, int(m), templates, client)
            for _ in range(args.rounds)
            for m in args.members.split(",")
            for client in args.clients.split(",")
        ]
    spans = sum(t.spans for t in templates)
    setup = (
        f"One local broker (KRaft, `deploy/kafka/local-kafka.sh`), otlp_spans with"
        f" {PARTITIONS} partitions; {len(templates)} distinct batches of"
        f" {spans / len(templates):.0f} spans on average ({args.runs} simulated runs),"
        f" {args.connections} connections"
        f" {f'paced at {args.rate:,.0f} spans/s' if args.rate else 'flat out'},"
        f" {args.seconds:g} s per scenario; /metrics polled every {args.poll:g} s (the"
        f" consumer lag's resolution); bench process CPU {_bench_cpu():.1f} s"
    )
    live.publish_report("Kafka pipeline", load_before, setup, [table(rows)], args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

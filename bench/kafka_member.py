"""Speed of one ``rebound classifier`` member on a backlog, next to the decode floor.

    python bench/kafka_member.py                           # 150k spans, both clients
    python bench/kafka_member.py --spans 300000 --rounds 3
    python bench/kafka_member.py --smoke                   # a few seconds (CI)

A broker of its own (``deploy/kafka/local-kafka.sh``); ``otlp_spans`` (4 partitions) is
filled first with the simulated load of ``bench/live.py`` split by trace as the collector
splits it (``otlp_wire``), so no load generator or collector competes for the 2 cores.
Then, per Kafka client, one member with a fresh group reads the whole backlog: spans/s
from its first counted span to the last (``rebound_spans_total``, polled every ``--poll``
seconds: a scrape renders the whole registry, tens of ms, so polling often costs the member),
its CPU per span, and, measured in this process in the same round, the decode floor
(``decode_message`` on every message: what any member must do) and decode + core
(plus ``Classifier.ingest`` per message, one core per partition, no Kafka): a member's
rate over the floor's is the figure to compare, not the absolute rates.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

# This file's directory goes last, after site-packages: ``kafka`` is the client library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import live  # noqa: E402  (bench/live.py, next to this file)

PARTITIONS = 4
MAX_VALUE_CHARS = 65_536


def _support() -> Any:
    return importlib.import_module("tests.support.kafka")


def backlog(templates: list[live.Template], spans: int) -> list[tuple[str, bytes, int]]:
    """(trace id, message, spans) until ``spans`` spans, every send a new set of trace ids."""
    from rebound.collector.otlp_wire import split_wire

    out: list[tuple[str, bytes, int]] = []
    total, seq = 0, 1
    while total < spans:
        tpl = templates[seq % len(templates)]
        body = tpl.stamp(seq, time.time_ns())
        for trace_id, message in split_wire(body).traces.items():
            count = split_wire(message).spans
            out.append((trace_id, message, count))
            total += count
        seq += 1
    return out


def fill(bootstrap: str, topic: str, messages: list[tuple[str, bytes, int]]) -> None:
    """Produce the backlog and wait for every ack."""
    from rebound.collector.kafka_clients import new_producer
    from rebound.collector.kafka_config import KafkaSettings

    client = "confluent" if importlib.util.find_spec("confluent_kafka") else "kafka-python"
    producer = new_producer(KafkaSettings(bootstrap_servers=bootstrap, client=client), "fill")
    try:
        for trace_id, value, _ in messages:
            producer.send(topic, key=trace_id.encode(), value=value)
        producer.flush(120)
    finally:
        producer.close(30)


def floors(messages: list[tuple[str, bytes, int]]) -> dict[str, float]:
    """CPU spans/s of decoding every message, and of decoding plus the classifier core."""
    from rebound.classifier.core import Classifier

    decode_message = importlib.import_module("rebound.kafka_classifier").decode_message
    spans = sum(n for _, _, n in messages)
    started = time.process_time()
    for _, value, _ in messages:
        decode_message(value, MAX_VALUE_CHARS)
    decode = time.process_time() - started
    cores = [Classifier() for _ in range(PARTITIONS)]
    started = time.process_time()
    for i, (trace_id, value, _) in enumerate(messages):
        core = cores[int(trace_id[-2:], 16) % PARTITIONS]
        core.ingest(decode_message(value, MAX_VALUE_CHARS).spans, 0.0, position=i)
    for core in cores:
        core.close_all()
    both = time.process_time() - started
    return {"decode": spans / decode, "decode_core": spans / both}


def member(
    bootstrap: str, topic: str, client: str, spans: int, tmp: Path, args: Any
) -> dict[str, Any]:
    """One member with a fresh group reads the backlog: its spans/s and CPU per span."""
    from tests.support.net import free_port

    port = free_port()
    errors = _support().new_topic(bootstrap, PARTITIONS)
    argv = ["classifier", "--bootstrap-servers", bootstrap, "--spans-topic", topic]
    argv += ["--errors-topic", errors, "--group-id", _support().new_group()]
    argv += ["--metrics-port", str(port)]
    with ExitStack() as stack:
        proc = live.rebound(
            argv,
            tmp / f"member-{client}.log",
            REBOUND_LOG_LEVEL="WARNING",
            REBOUND_KAFKA__CLIENT=client,
            REBOUND_KAFKA__DLQ_TOPIC=_support().new_topic(bootstrap, 1),
        )
        stack.callback(live.stop, proc)
        samples: list[tuple[float, float, float]] = []
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            try:
                counted = live.metric_sum(live.metrics_text(port), "rebound_spans_total")
            except OSError:
                counted = 0.0
            samples.append((time.monotonic(), counted, live.cpu_seconds(proc.pid)))
            if counted >= spans:
                break
            time.sleep(args.poll)
        first = next(s for s in samples if s[1] > 0)
        last = samples[-1]
        if last[1] < spans:
            raise TimeoutError(f"{client}: {last[1]:.0f} of {spans} spans in {args.timeout} s")
        rss = live.peak_rss_mb(proc.pid)
    done = last[1] - first[1]
    return {
        "client": client,
        "rate": done / (last[0] - first[0]),
        "cpu_us": 1e6 * (last[2] - first[2]) / done,
        "rss": rss,
    }


def main(argv: list[str] | None = None) -> int:
    """Fill, measure each client's member and the floors, print and append the report."""
    parser = live.bench_parser(__doc__)
    parser.add_argument("--spans", type=int, default=150_000, help="backlog size (150,000)")
    parser.add_argument("--clients", default="kafka-python,confluent", help="one member each")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the members (1)")
    parser.add_argument("--timeout", type=float, default=300.0, help="per member (300 s)")
    parser.add_argument("--poll", type=float, default=1.0, help="/metrics poll interval (1 s)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.spans, args.runs, args.clients, args.poll = 2_000, 24, "kafka-python", 0.1
    support = _support()
    if missing := support.script_missing_tools():
        print(f"no broker: local-kafka.sh needs {', '.join(missing)}", file=sys.stderr)
        return 2
    load_before = live.load_average()
    messages = backlog(live.build_templates(args.runs, 300), args.spans)
    spans = sum(n for _, _, n in messages)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, support.script_broker(Path(tmp) / "broker") as bs:
        topic = support.new_topic(bs, PARTITIONS)
        fill(bs, topic, messages)
        for n in range(1, args.rounds + 1):
            for client in args.clients.split(","):
                row = member(bs, topic, client, spans, Path(tmp), args)
                row.update(floors(messages), round=n)
                rows.append(row)
    columns = (
        live.ROUND_COLUMN,
        live.CLIENT_COLUMN,
        ("rate", "member spans/s", "{:,.0f}".format),
        ("cpu_us", "member CPU µs/span", "{:.1f}".format),
        ("decode", "decode floor spans/s (same round)", "{:,.0f}".format),
        ("decode_core", "decode + core spans/s", "{:,.0f}".format),
        ("rss", "member peak RSS MB", "{:.0f}".format),
    )
    for row in rows:
        row["ratio"] = row["decode"] / row["rate"]
    columns += (("ratio", "floor ÷ member", "{:.1f}×".format),)
    setup = (
        f"One local broker, otlp_spans with {PARTITIONS} partitions filled first with"
        f" {spans:,} spans in {len(messages):,} messages (one per trace, {args.runs}"
        f" simulated runs); per client a member with a fresh group reads it all (/metrics"
        f" polled every {args.poll:g} s); floors measured in the bench process in the same round"
    )
    live.publish_table("Kafka member on a backlog", load_before, setup, columns, rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

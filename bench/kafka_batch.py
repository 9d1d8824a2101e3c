"""Producer CPU per span against the batch size, per Kafka client, side by side.

    python bench/kafka_batch.py                      # 16 KiB, 256 KiB, 1 MiB; both clients
    python bench/kafka_batch.py --sizes 16384,262144 --rounds 3
    python bench/kafka_batch.py --smoke

A broker of its own (``deploy/kafka/local-kafka.sh``). The collector's traffic: the load of
``bench/live.py`` split by trace (``otlp_wire``), sent as the collector sends it (a request's
traces, ten at a time, then every ack awaited) to a fresh 4-partition topic per size and
client. Reported: the bench process's CPU per span (the producer is all it runs) and spans/s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import kafka_member  # noqa: E402  (bench/kafka_member.py: the backlog of trace messages)
import live  # noqa: E402  (bench/live.py, next to this file)

PARTITIONS = 4
PER_REQUEST = 10


def produce(bootstrap: str, client: str, size: int, messages: list[Any]) -> dict[str, Any]:
    """Send every message with ``batch_bytes = size``; CPU per span and spans/s."""
    from rebound.collector.kafka_clients import new_producer
    from rebound.collector.kafka_config import KafkaSettings

    topic = kafka_member._support().new_topic(bootstrap, PARTITIONS)
    settings = KafkaSettings(bootstrap_servers=bootstrap, client=client, batch_bytes=size)
    producer = new_producer(settings, "bench")
    try:
        producer.send(topic, key=b"warm-up", value=b"x").get(30)
        cpu, wall = time.process_time(), time.monotonic()
        for i in range(0, len(messages), PER_REQUEST):
            sent = [
                producer.send(topic, key=trace_id.encode(), value=value)
                for trace_id, value, _ in messages[i : i + PER_REQUEST]
            ]
            for delivery in sent:
                delivery.get(30)
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    finally:
        producer.close(30)
    spans = sum(n for _, _, n in messages)
    return {"client": client, "size": size, "cpu_us": 1e6 * cpu / spans, "rate": spans / wall}


def main(argv: list[str] | None = None) -> int:
    """Each client and size per round; print and append the table."""
    parser = live.bench_parser(__doc__)
    parser.add_argument("--spans", type=int, default=60_000, help="spans per send (60,000)")
    parser.add_argument("--sizes", default="16384,262144,1048576", help="batch sizes, bytes")
    parser.add_argument("--clients", default="kafka-python,confluent", help="Kafka clients")
    parser.add_argument("--rounds", type=int, default=2, help="repeat everything (2)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.spans, args.runs, args.rounds, args.clients = 1_000, 24, 1, "kafka-python"
    support = kafka_member._support()
    if missing := support.script_missing_tools():
        print(f"no broker: local-kafka.sh needs {', '.join(missing)}", file=sys.stderr)
        return 2
    load_before = live.load_average()
    messages = kafka_member.backlog(live.build_templates(args.runs, 300), args.spans)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, support.script_broker(Path(tmp) / "broker") as bs:
        for n in range(1, args.rounds + 1):
            for client in args.clients.split(","):
                for size in args.sizes.split(","):
                    rows.append({"round": n, **produce(bs, client, int(size), messages)})
    columns = (
        live.ROUND_COLUMN,
        live.CLIENT_COLUMN,
        ("size", "batch bytes", "{:,}".format),
        ("cpu_us", "producer CPU µs/span", "{:.1f}".format),
        ("rate", "spans/s", "{:,.0f}".format),
    )
    setup = (
        f"{sum(n for _, _, n in messages):,} spans in {len(messages):,} messages (one per"
        f" trace), {PER_REQUEST} in flight at a time, {PARTITIONS} partitions"
    )
    live.publish_table("Kafka producer batch size", load_before, setup, columns, rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

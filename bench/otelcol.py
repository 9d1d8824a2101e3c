"""Side by side: a real OpenTelemetry Collector (otlp → kafka) and ``rebound collector``.

    python bench/otelcol.py                 # 20 s of load on each, flat out
    python bench/otelcol.py --seconds 30 --rate 5000
    python bench/otelcol.py --rounds 3 --clients kafka-python,confluent
    python bench/otelcol.py --smoke         # a few seconds; skips (exit 0) without a Collector

The Collector is built with the OpenTelemetry Collector Builder from
``bench/otelcol-builder.yaml`` (otlp receiver, contrib kafka exporter) into
``~/.cache/rebound/otelcol/`` (``REBOUND_OTELCOL_CACHE``) when missing; that needs Go and a
reachable Go module proxy. One local broker (``deploy/kafka/local-kafka.sh``); each collector
gets a fresh 4-partition topic and the same load (``bench/live.py``) on OTLP/HTTP protobuf.
Both answer 200 only once Kafka acknowledged (the Collector's sending queue is off, so its
receiver waits for the exporter), both produce acks=all with lz4, one message per trace
keyed by trace id. Reported: accepted spans/s and CPU seconds per 1k spans per process, and
each ``rebound collector``'s CPU per span as a multiple of the Collector's in the same round
(``--rounds`` repeats Collector, then Rebound with each ``--clients`` Kafka client).

Interoperability, after both: a paced load (every body kept) through a fresh Collector to a
topic of its own, read back and every message decoded as ``rebound classifier`` does
(``decode_message``); its key must be the 32-hex trace id of its spans. Those spans and the
spans of the bodies sent (200 only) are each replayed through a classifier core, one run at
a time; the final error events must be equal (exit 1 when not).
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# This file's directory goes last, after site-packages: ``kafka`` is the client library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import live  # noqa: E402  (bench/live.py, next to this file)

MANIFEST = _HERE / "otelcol-builder.yaml"
CACHE = Path(os.environ.get("REBOUND_OTELCOL_CACHE", Path.home() / ".cache/rebound/otelcol"))
PARTITIONS = 4
MAX_VALUE_CHARS = 65_536
_TRACE_KEY = re.compile(rb"[0-9a-f]{32}")


def _support() -> Any:
    # tests/support/kafka.py by name: mypy would take ``kafka`` for bench/kafka.py.
    return importlib.import_module("tests.support.kafka")


# -- building the Collector ------------------------------------------------------------
class Unavailable(Exception):
    """The Collector cannot be built here; the message says why."""


def manifest_version() -> str:
    """The collector version the manifest pins (the otlp receiver's)."""
    found = re.search(r"otlpreceiver (v[0-9.]+)", MANIFEST.read_text())
    if found is None:
        raise Unavailable(f"no otlpreceiver version in {MANIFEST}")
    return found.group(1)


def binary_path() -> Path:
    """Where the built Collector lives: per pinned version, the manifest's ``dist.name``."""
    found = re.search(r"^\s*name:\s*(\S+)", MANIFEST.read_text(), re.M)
    return CACHE / f"dist-{manifest_version()}" / (found.group(1) if found else "otelcol")


def build() -> float | None:
    """Build the Collector unless cached; the build's seconds (None: it was cached)."""
    binary = binary_path()
    if binary.exists():
        return None
    go = shutil.which("go")
    if go is None:
        raise Unavailable("Go is not installed (needed to build the OpenTelemetry Collector)")
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    version = manifest_version()
    env = {**os.environ, "GOBIN": str(CACHE / "bin"), "GOFLAGS": "-p=2"}
    builder = f"go.opentelemetry.io/collector/cmd/builder@{version}"
    manifest = CACHE / "manifest.yaml"
    text = MANIFEST.read_text()
    manifest.write_text(re.sub(r"output_path:.*", f"output_path: {binary.parent}", text))
    commands = [
        [go, "install", builder],
        [str(CACHE / "bin" / "builder"), "--config", str(manifest)],
    ]
    for argv in commands:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout)[-2000:]
            raise Unavailable(f"`{' '.join(argv)}` failed ({done.returncode}):\n{tail}")
    if not binary.exists():
        raise Unavailable(f"the builder ran but {binary} is missing")
    return time.monotonic() - started


def otelcol_config(port: int, bootstrap: str, topic: str) -> str:
    """Collector YAML: OTLP/HTTP in, Kafka out, settings as close to rebound's as it has."""
    return f"""\
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{port}
exporters:
  kafka:
    brokers: ["{bootstrap}"]
    traces:
      topic: {topic}
      encoding: otlp_proto
    partition_traces_by_id: true
    timeout: 5s
    sending_queue:
      enabled: false
    producer:
      required_acks: all
      compression: lz4
      linger: 5ms
service:
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [kafka]
"""


# -- one collector under load ----------------------------------------------------------
@dataclass
class Recorder:
    """Keeps every body the load stamps, by send sequence number."""

    bodies: dict[int, bytes] = field(default_factory=dict)

    def wrap(self, templates: list[live.Template]) -> list[live.Template]:
        """Templates whose ``stamp`` also records the body."""
        return [_Recording(t.body, t.spans, t.times, t.trace_ids, self) for t in templates]


@dataclass
class _Recording(live.Template):
    recorder: Recorder | None = None

    def stamp(self, seq: int, now_ns: int) -> bytes:
        body = super().stamp(seq, now_ns)
        if self.recorder is not None:
            self.recorder.bodies[seq] = body
        return body


@dataclass
class Row:
    """One collector's numbers."""

    name: str
    version: str
    round: int = 1
    accepted: float = 0.0
    rejected: int = 0
    spans: int = 0
    cpu: float = 0.0
    rss: float = 0.0


def _warmup(args: argparse.Namespace) -> float:
    return 0.3 if args.smoke else 1.0


def drive(
    args: argparse.Namespace, templates: list[live.Template], port: int, pid: int, row: Row
) -> None:
    """Warm up, then send for ``args.seconds``; fills ``row``."""
    load = live.Load(port, templates, args.connections, args.rate)
    load.run(_warmup(args))
    cpu0 = live.cpu_seconds(pid)
    started = time.monotonic()
    sends = load.run(args.seconds, first_seq=1_000_000)
    elapsed = time.monotonic() - started
    row.cpu = live.cpu_seconds(pid) - cpu0
    row.spans = sum(s.spans for s in sends if s.status == 200)
    row.accepted = row.spans / elapsed
    row.rejected = sum(1 for s in sends if s.status != 200)
    row.rss = live.peak_rss_mb(pid)


def _http_up(port: int) -> bool:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:  # an empty ExportTraceServiceRequest: no spans, nothing produced
        conn.request("POST", "/v1/traces", b"", {"Content-Type": "application/x-protobuf"})
        return conn.getresponse().status == 200
    finally:
        conn.close()


@contextmanager
def otelcol(bootstrap: str, topic: str, tmp: Path) -> Iterator[tuple[int, int]]:
    """The OTel Collector producing to ``topic``: (OTLP/HTTP port, pid) while in the block."""
    from tests.support.net import free_port

    port = free_port()
    config = tmp / f"otelcol-{topic}.yaml"
    config.write_text(otelcol_config(port, bootstrap, topic))
    with ExitStack() as stack, (tmp / f"otelcol-{topic}.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(binary_path()), "--config", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
        stack.callback(live.stop, proc)
        live.wait_until(lambda: _http_up(port), 60)
        yield port, proc.pid


def run_otelcol(
    args: argparse.Namespace, bootstrap: str, topic: str, templates: list[live.Template], tmp: Path
) -> Row:
    """The OTel Collector on ``topic`` under the load."""
    row = Row("OpenTelemetry Collector (otlp → kafka)", manifest_version(), args.round)
    with otelcol(bootstrap, topic, tmp) as (port, pid):
        drive(args, templates, port, pid, row)
    return row


def run_rebound(
    args: argparse.Namespace,
    bootstrap: str,
    topic: str,
    templates: list[live.Template],
    tmp: Path,
    client: str = "kafka-python",
) -> Row:
    """``rebound collector`` (Kafka client ``client``) on ``topic`` under the load."""
    import tomllib

    from tests.support.net import free_port

    version = tomllib.loads((live.ROOT / "pyproject.toml").read_text())["project"]["version"]
    port, metrics = free_port(), free_port()
    row = Row(f"rebound collector ({client})", str(version), args.round)
    with ExitStack() as stack:
        proc = live.rebound(
            ["collector", "--port", str(port), "--metrics-port", str(metrics)],
            tmp / "rebound.log",
            REBOUND_LOG_LEVEL="WARNING",
            REBOUND_KAFKA__BOOTSTRAP_SERVERS=bootstrap,
            REBOUND_KAFKA__SPANS_TOPIC=topic,
            REBOUND_KAFKA__CLIENT=client,
            REBOUND_RECEIVER__GRPC_PORT=str(free_port()),
        )
        stack.callback(live.stop, proc)
        live.wait_until(lambda: live.metrics_text(metrics) and _http_up(port), 60)
        drive(args, templates, port, proc.pid, row)
    return row


# -- interoperability ------------------------------------------------------------------
@dataclass
class Interop:
    """What the Collector's topic held against what was sent."""

    messages: int = 0
    bad_keys: int = 0
    spans_sent: int = 0
    spans_read: int = 0
    finals_sent: int = 0
    finals_read: int = 0
    equal: bool = False

    def summary(self) -> str:
        """One line for the report."""
        verdict = "EQUAL" if self.equal else "DIFFERENT"
        return (
            f"{self.messages:,} Kafka messages from the Collector, {self.bad_keys} without"
            f" their 32-hex trace id as key; spans sent {self.spans_sent:,}, decoded back"
            f" {self.spans_read:,}; final error events from the sent spans"
            f" {self.finals_sent:,}, from the Collector's messages {self.finals_read:,}:"
            f" {verdict}"
        )


def _by_trace(spans: Iterator[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for span in spans:
        out.setdefault(span.trace_id, []).append(span)
    return out


def final_events(traces: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """Each trace's spans through a classifier core, one run at a time: final events by id.

    One run at a time so that no bound on open runs evicts differently between replays.
    """
    from rebound.classifier.core import Classifier
    from rebound.classifier.events import Emission

    core = Classifier()
    out: dict[str, dict[str, Any]] = {}
    for trace_id in sorted(traces):
        emitted = core.ingest(traces[trace_id], 0.0) + core.close_all()
        for item in emitted:
            if isinstance(item, Emission) and item.final:
                out[item.event.error_id] = item.event.model_dump()
    return out


def interop(
    args: argparse.Namespace, bootstrap: str, templates: list[live.Template], tmp: Path
) -> Interop:
    """Paced load through the Collector to a topic of its own; read back and compare."""
    from rebound.collector.otlp import decode_protobuf

    # By name: with this file's directory on mypy's path, its ``import kafka`` is bench/kafka.py.
    decode_message = importlib.import_module("rebound.kafka_classifier").decode_message

    recorder = Recorder()
    topic = _support().new_topic(bootstrap, PARTITIONS)
    with otelcol(bootstrap, topic, tmp) as (port, _):
        load = live.Load(port, recorder.wrap(templates), args.connections, args.interop_rate)
        sends = load.run(args.interop_seconds)
    ok = {s.seq for s in sends if s.status == 200}
    sent = _by_trace(
        span
        for seq in sorted(ok)
        for span in decode_protobuf(recorder.bodies[seq], MAX_VALUE_CHARS).spans
    )
    result = Interop(spans_sent=sum(map(len, sent.values())))
    records = _support().consume_all(bootstrap, topic, len(sent), timeout=180)
    read: dict[str, list[Any]] = {}
    for record in records:
        spans = decode_message(record.value, MAX_VALUE_CHARS).spans
        key = record.key or b""
        ids = {span.trace_id for span in spans}
        if not _TRACE_KEY.fullmatch(key) or ids != {key.decode()}:
            result.bad_keys += 1
        for span in spans:
            read.setdefault(span.trace_id, []).append(span)
    result.messages = len(records)
    result.spans_read = sum(map(len, read.values()))
    finals_sent, finals_read = final_events(sent), final_events(read)
    result.finals_sent, result.finals_read = len(finals_sent), len(finals_read)
    result.equal = (
        finals_sent == finals_read
        and result.bad_keys == 0
        and result.spans_read == result.spans_sent
    )
    return result


# -- report ----------------------------------------------------------------------------
def _per_span(row: Row) -> float:
    return row.cpu / row.spans if row.spans else float("nan")


def table(rows: list[Row]) -> str:
    """The results as Markdown; CPU per span against the Collector's of the same round."""
    reference = {r.round: _per_span(r) for r in rows if r.name.startswith("OpenTelemetry")}
    cells = [
        [
            str(r.round),
            r.name,
            r.version,
            f"{r.accepted:,.0f}",
            f"{r.rejected:,}",
            f"{r.cpu:.1f}",
            f"{1000 * r.cpu / r.spans:.3f}" if r.spans else "n/a",
            f"{_per_span(r) / reference[r.round]:.1f}×" if r.round in reference else "n/a",
            f"{r.rss:.0f}",
        ]
        for r in rows
    ]
    titles = ["round", "collector", "version", "accepted spans/s", "non-200", "CPU s"]
    titles += ["CPU s per 1k spans", "CPU per span vs the Collector", "peak RSS MB"]
    return live.markdown(titles, cells)


def main(argv: list[str] | None = None) -> int:
    """Build if needed, measure both, check interop, print and append the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="load per collector (20)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent senders (4)")
    parser.add_argument("--rate", type=float, default=0.0, help="offered spans/s (0: flat out)")
    parser.add_argument("--batch-spans", type=int, default=300, help="spans per request (~300)")
    parser.add_argument("--runs", type=int, default=600, help="distinct simulated runs (600)")
    parser.add_argument("--interop-seconds", type=float, default=5.0, help="interop load (5)")
    parser.add_argument("--interop-rate", type=float, default=5000.0, help="its spans/s (5000)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat everything (1)")
    parser.add_argument(
        "--clients", default="kafka-python", help="rebound collector's Kafka clients (a,b)"
    )
    parser.add_argument("--smoke", action="store_true", help="tiny and quick")
    parser.add_argument("--no-doc", action="store_true", help="do not append to the doc")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.runs, args.connections, args.interop_seconds = 1.5, 24, 2, 1.0
    try:
        build_s = build()
    except Unavailable as exc:
        print(f"SKIP: no OpenTelemetry Collector: {exc}", file=sys.stderr)
        return 0 if args.smoke else 2
    support = _support()
    if missing := support.script_missing_tools():
        print(f"SKIP: no broker: local-kafka.sh needs {', '.join(missing)}", file=sys.stderr)
        return 0 if args.smoke else 2
    load_before = live.load_average()
    templates = live.build_templates(args.runs, args.batch_spans)
    with tempfile.TemporaryDirectory() as tmp, support.script_broker(Path(tmp) / "broker") as bs:
        tmp_ = Path(tmp)
        rows = []
        for n in range(1, args.rounds + 1):
            args.round = n
            rows.append(run_otelcol(args, bs, support.new_topic(bs, PARTITIONS), templates, tmp_))
            for client in args.clients.split(","):
                topic = support.new_topic(bs, PARTITIONS)
                rows.append(run_rebound(args, bs, topic, templates, tmp_, client))
        result = interop(args, bs, templates, Path(tmp))
    spans = sum(t.spans for t in templates)
    built = f"built in {build_s:.0f} s" if build_s is not None else "cached build"
    setup = (
        f"OpenTelemetry Collector {manifest_version()} ({built}; `bench/otelcol-builder.yaml`:"
        " otlp receiver, contrib kafka exporter; sending queue off, required_acks all,"
        " lz4, linger 5ms, partition_traces_by_id, otlp_proto) and `rebound collector`,"
        f" one after the other against one local broker, each on a fresh {PARTITIONS}"
        f"-partition topic; {len(templates)} distinct batches of"
        f" {spans / len(templates):.0f} spans on average ({args.runs} simulated runs),"
        f" {args.connections} connections"
        f" {f'paced at {args.rate:,.0f} spans/s' if args.rate else 'flat out'},"
        f" {args.seconds:g} s each after {_warmup(args):g} s of warm-up"
    )
    interop_line = (
        f"Interoperability ({args.interop_seconds:g} s at {args.interop_rate:,.0f} spans/s"
        " through the Collector to a topic of its own, read back by Rebound's decoder and"
        f" classifier core): {result.summary()}"
    )
    title = "OpenTelemetry Collector side by side"
    live.publish_report(title, load_before, setup, [table(rows), interop_line], args)
    return 0 if result.equal else 1


if __name__ == "__main__":
    sys.exit(main())

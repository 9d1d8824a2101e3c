"""Speed of ``rebound serve``: OTLP/HTTP protobuf in, spans counted on /metrics.

    python bench/serve.py                       # flat out, then paced at 20,000 spans/s
    python bench/serve.py --rates 0,10000,20000 --seconds 30
    python bench/serve.py --smoke               # a few seconds, tiny load (CI)

Each scenario starts a fresh ``python -m rebound.cli serve`` subprocess and sends it
simulated runs (``bench/live.py``: batches of whole runs, re-stamped to end at send time,
fresh trace ids per send) over a few keep-alive connections for N seconds, while a thread
polls /metrics. Reported: accepted spans/s and 503s, classified spans/s (the growth of
``rebound_spans_total`` while sending) and the drain after, send → counted latency (a
batch counts as done once ``rebound_spans_total`` covers every accepted batch sent before
its 200: an upper bound, resolution the poll interval), the serve process's CPU seconds
and peak RSS from /proc. Rate 0 = as fast as the connections go (the queue fills, so its
latency is the queue's); a paced rate shows the latency below saturation.
"""

from __future__ import annotations

import argparse
import bisect
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import live
from live import Send


@dataclass
class Poller:
    """Samples ``rebound_spans_total`` every ``every`` seconds: (time after reply, total)."""

    port: int
    every: float
    samples: list[tuple[float, float]]
    halt: threading.Event

    def run(self) -> None:
        while not self.halt.is_set():
            total = live.metric_sum(live.metrics_text(self.port), "rebound_spans_total")
            self.samples.append((time.time(), total))
            self.halt.wait(self.every)


def latencies(sends: list[Send], samples: list[tuple[float, float]], base: float) -> list[float]:
    """Per accepted send: its start → the first sample counting it (see the module doc)."""
    accepted = sorted((s for s in sends if s.status == 200), key=lambda s: s.started)
    starts = [s.started for s in accepted]
    prefix = [0]
    for send in accepted:
        prefix.append(prefix[-1] + send.spans)
    times, totals = [t for t, _ in samples], [v for _, v in samples]
    out = []
    for send in accepted:
        needed = base + prefix[bisect.bisect_right(starts, send.ended)]
        i = bisect.bisect_left(totals, needed)
        if i < len(times):
            out.append(max(0.0, times[i] - send.started))
    return out


def scenario(
    args: argparse.Namespace, rate: float, templates: list[live.Template]
) -> dict[str, Any]:
    """One fresh serve process under one load; its row."""
    port, metrics_port = _free_port(), _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = live.rebound(
            ["serve", "--port", str(port), "--metrics-port", str(metrics_port), "--grpc-port", "0"],
            Path(tmp) / "serve.log",
            REBOUND_LOG_LEVEL="WARNING",
        )
        try:
            live.wait_until(lambda: live.metrics_text(metrics_port), 60)
            return _measure(args, rate, templates, proc.pid, port, metrics_port)
        finally:
            live.stop(proc)


def _measure(
    args: argparse.Namespace,
    rate: float,
    templates: list[live.Template],
    pid: int,
    port: int,
    metrics_port: int,
) -> dict[str, Any]:
    load = live.Load(port, templates, args.connections, rate)
    warm = load.run(1.0 if not args.smoke else 0.3, first_seq=1)
    warm_spans = sum(s.spans for s in warm if s.status == 200)

    def spans_now() -> float:
        return live.metric_sum(live.metrics_text(metrics_port), "rebound_spans_total")

    live.wait_until(lambda: spans_now() >= warm_spans, 120)
    base, cpu0 = spans_now(), live.cpu_seconds(pid)
    poller = Poller(metrics_port, args.poll, [], threading.Event())
    thread = threading.Thread(target=poller.run, daemon=True)
    thread.start()
    started = time.time()
    sends = load.run(args.seconds, first_seq=1_000_000)
    ended = time.time()
    accepted = sum(s.spans for s in sends if s.status == 200)
    try:
        live.wait_until(lambda: poller.samples and poller.samples[-1][1] >= base + accepted, 300)
    finally:
        poller.halt.set()
        thread.join()
    drained = next(t for t, v in poller.samples if v >= base + accepted)
    at_end = max((v for t, v in poller.samples if t <= ended), default=base)
    lat = latencies(sends, poller.samples, base)
    cpu = live.cpu_seconds(pid) - cpu0
    scrape = time.perf_counter()
    live.metrics_text(metrics_port)
    scrape = time.perf_counter() - scrape
    return {
        "rate": rate,
        "batches": len(sends),
        "accepted": accepted / (ended - started),
        "rejected": sum(1 for s in sends if s.status != 200),
        "classified": (at_end - base) / (ended - started),
        "drain": max(0.0, drained - ended),
        "p50": live.percentile(lat, 0.5),
        "p99": live.percentile(lat, 0.99),
        "max": max(lat, default=float("nan")),
        "cpu": cpu,
        "cpu_us": cpu / max(accepted, 1) * 1e6,
        "rss": live.peak_rss_mb(pid),
        "scrape_ms": scrape * 1000,
    }


def _free_port() -> int:
    from tests.support.net import free_port

    return free_port()


_COLUMNS = (
    ("rate", "offered spans/s", lambda v: f"{v:,.0f}" if v else "flat out"),
    ("batches", "batches", "{:,}".format),
    ("accepted", "accepted spans/s", "{:,.0f}".format),
    ("rejected", "503s", "{:,}".format),
    ("classified", "classified spans/s", "{:,.0f}".format),
    ("drain", "drain after s", "{:.2f}".format),
    ("p50", "send→counted p50 s", "{:.3f}".format),
    ("p99", "p99 s", "{:.3f}".format),
    ("max", "max s", "{:.3f}".format),
    ("cpu", "serve CPU s", "{:.1f}".format),
    ("cpu_us", "CPU µs/span", "{:.0f}".format),
    ("rss", "peak RSS MB", "{:.0f}".format),
    ("scrape_ms", "/metrics ms (idle)", "{:.0f}".format),
)


def table(rows: list[dict[str, Any]]) -> str:
    """The results as Markdown."""
    return live.column_table(_COLUMNS, rows)


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table, append it to docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="load per scenario (20)")
    parser.add_argument("--rates", default="0,20000", help="offered spans/s, 0 = flat out")
    parser.add_argument("--connections", type=int, default=4, help="concurrent senders (4)")
    parser.add_argument("--batch-spans", type=int, default=300, help="spans per request (~300)")
    parser.add_argument("--runs", type=int, default=600, help="distinct simulated runs (600)")
    parser.add_argument("--poll", type=float, default=0.2, help="/metrics poll interval (0.2)")
    parser.add_argument("--smoke", action="store_true", help="tiny and quick, for CI")
    parser.add_argument("--no-doc", action="store_true", help="do not append to the doc")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.runs, args.rates, args.connections = 1.5, 24, "2000", 2
    load_before = live.load_average()
    templates = live.build_templates(args.runs, args.batch_spans)
    rows = [scenario(args, float(r), templates) for r in args.rates.split(",")]
    spans = sum(t.spans for t in templates)
    setup = (
        f"{len(templates)} distinct batches of {spans / len(templates):.0f} spans on average"
        f" ({args.runs} simulated runs), {args.connections} connections,"
        f" {args.seconds:g} s per scenario, /metrics polled every {args.poll:g} s;"
        f" bench process (load generator) CPU {time.process_time():.1f} s"
    )
    live.publish_report("`rebound serve`", load_before, setup, [table(rows)], args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

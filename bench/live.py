"""Shared by the live-path benchmarks (``bench/serve.py``, ``bench/kafka.py``).

Load: simulated runs pre-encoded as OTLP protobuf batches of whole runs; at send time each
batch is re-stamped in place (times shifted so its last span ends now, the first 8 bytes
of every trace id set to the send's sequence number), so every send is new traffic and a
trace id names the send it came in. Also: subprocesses, /proc readings, /metrics sums,
and the report header and doc appending shared with ``bench/core.py``'s style.
"""

from __future__ import annotations

import http.client
import os
import re
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_FIXED64 = struct.Struct("<Q")
_SEQ = struct.Struct(">Q")


# -- the load --------------------------------------------------------------------------
@dataclass
class Template:
    """One pre-encoded batch and where its trace ids and times sit in the bytes."""

    body: bytes
    spans: int = 0
    times: list[tuple[int, int]] = field(default_factory=list)  # (offset, ns before run end)
    trace_ids: list[int] = field(default_factory=list)  # offsets of every 16-byte trace id

    def stamp(self, seq: int, now_ns: int) -> bytes:
        """The batch as sent now (every run ending now), its trace ids carrying ``seq``."""
        buf = bytearray(self.body)
        pack = _FIXED64.pack_into
        for offset, before_end in self.times:
            pack(buf, offset, now_ns - before_end)
        seq_pack = _SEQ.pack_into
        for offset in self.trace_ids:
            seq_pack(buf, offset, seq)
        return bytes(buf)


def send_seq(trace_id_hex: str) -> int:
    """The sequence number a stamped trace id carries."""
    return int(trace_id_hex[:16], 16)


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(buf: bytes, pos: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value start, value end) of one message's fields."""
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, stop = _varint(buf, pos)
        elif wire == 1:
            stop = pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            stop = pos + length
        elif wire == 5:
            stop = pos + 4
        else:
            raise ValueError(f"unexpected wire type {wire}")
        yield number, wire, pos, stop
        pos = stop


def _scan_span(
    buf: bytes, start: int, end: int, tpl: Template, times: list[tuple[int, int]]
) -> None:
    for number, wire, lo, hi in _fields(buf, start, end):
        if number == 1 and wire == 2 and hi - lo == 16:  # trace_id
            tpl.trace_ids.append(lo)
        elif number in (7, 8) and wire == 1:  # start/end_time_unix_nano
            times.append((lo, _FIXED64.unpack_from(buf, lo)[0]))
        elif number == 11 and wire == 2:  # events: time_unix_nano is field 1
            for e_number, e_wire, e_lo, _ in _fields(buf, lo, hi):
                if e_number == 1 and e_wire == 1:
                    times.append((e_lo, _FIXED64.unpack_from(buf, e_lo)[0]))
        elif number == 13 and wire == 2:  # links: their trace ids are ours too
            for l_number, l_wire, l_lo, l_hi in _fields(buf, lo, hi):
                if l_number == 1 and l_wire == 2 and l_hi - l_lo == 16:
                    tpl.trace_ids.append(l_lo)


def template(runs: list[bytes]) -> Template:
    """Index encoded ``ExportTraceServiceRequest``s, one per run, as one batch."""
    tpl = Template(b"".join(runs))
    base = 0
    for run in runs:
        times: list[tuple[int, int]] = []
        for rs_no, _, rs_lo, rs_hi in _fields(tpl.body, base, base + len(run)):
            if rs_no != 1:
                continue
            for ss_no, _, ss_lo, ss_hi in _fields(tpl.body, rs_lo, rs_hi):
                if ss_no != 2:
                    continue
                for sp_no, _, sp_lo, sp_hi in _fields(tpl.body, ss_lo, ss_hi):
                    if sp_no == 2:
                        tpl.spans += 1
                        _scan_span(tpl.body, sp_lo, sp_hi, tpl, times)
        run_end = max(value for _, value in times)
        tpl.times += [(offset, run_end - value) for offset, value in times]
        base += len(run)
    return tpl


def build_templates(runs: int, batch_spans: int, seed: int = 7) -> list[Template]:
    """``runs`` simulated runs as batches of whole runs, about ``batch_spans`` spans each.

    Concatenated serialised requests are one request whose resource spans are appended.
    """
    from rebound.demo.jsonl import export_requests
    from rebound.demo.simulator import generate_runs

    templates, parts, spans = [], [], 0
    for request in export_requests(generate_runs(seed, runs)):
        parts.append(request.SerializeToString())
        spans += sum(len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans)
        if spans >= batch_spans:
            templates.append(template(parts))
            parts, spans = [], 0
    if parts:
        templates.append(template(parts))
    return templates


@dataclass
class Send:
    """One POST: when it started and ended, its spans, and the HTTP status."""

    seq: int
    spans: int
    started: float
    ended: float
    status: int


@dataclass
class Load:
    """Concurrent senders of stamped templates; ``rate`` (spans/s) paces them, 0 = flat out."""

    port: int
    templates: list[Template]
    connections: int = 4
    rate: float = 0.0
    sends: list[Send] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 0
    _scheduled_spans: int = 0
    _start: float = 0.0
    _end: float = 0.0

    def run(self, seconds: float, first_seq: int = 1) -> list[Send]:
        """Send for ``seconds``; returns this round's sends."""
        self._next, self._scheduled_spans = first_seq, 0
        self.sends = []
        self._start = time.monotonic()
        self._end = self._start + seconds
        threads = [threading.Thread(target=self._worker) for _ in range(self.connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return self.sends

    def _claim(self) -> tuple[int, Template, float] | None:
        with self._lock:
            seq = self._next
            self._next += 1
            tpl = self.templates[seq % len(self.templates)]
            due = self._start + (self._scheduled_spans / self.rate if self.rate else 0.0)
            self._scheduled_spans += tpl.spans
        return (seq, tpl, due) if due < self._end else None

    def _worker(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/x-protobuf"}
        try:
            while (claim := self._claim()) is not None and time.monotonic() < self._end:
                seq, tpl, due = claim
                if (wait := due - time.monotonic()) > 0:
                    time.sleep(wait)
                started = time.time()
                body = tpl.stamp(seq, time.time_ns())
                try:
                    conn.request("POST", "/v1/traces", body, headers)
                    reply = conn.getresponse()
                    reply.read()
                    status = reply.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    status = 0
                with self._lock:
                    self.sends.append(Send(seq, tpl.spans, started, time.time(), status))
                if status != 200:
                    time.sleep(0.05)  # a 503 says: come back later
        finally:
            conn.close()


# -- processes and their numbers -------------------------------------------------------
def env(**extra: str) -> dict[str, str]:
    """This checkout's code whatever the installed package points at, plus ``extra``."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def rebound(args: list[str], log: Path, **extra_env: str) -> subprocess.Popen[bytes]:
    """``python -m rebound.cli ARGS`` in the background, output to ``log``."""
    out = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "rebound.cli", *args],
        env=env(**extra_env),
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )


def stop(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM (they drain), then SIGKILL after ``timeout``."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of ``pid`` so far (all its threads)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size of ``pid`` (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def metrics_text(port: int, timeout: float = 5.0) -> str:
    """The /metrics exposition of a process on 127.0.0.1."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout) as resp:
        return str(resp.read().decode())


def metric_sum(text: str, name: str) -> float:
    """Sum of every sample of ``name`` (all label sets) in an exposition."""
    pattern = re.compile(rf"^{re.escape(name)}(?:\{{[^}}]*\}})? (\S+)$", re.M)
    return sum(float(v) for v in pattern.findall(text))


def wait_until(check: object, timeout: float, every: float = 0.1) -> None:
    """Poll ``check()`` until truthy (exceptions count as not yet); raise on timeout."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(every)
    raise TimeoutError(f"not ready within {timeout}s (last error: {last!r})")


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def load_average() -> str:
    """The 1/5/15-minute load averages."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


# -- reporting -------------------------------------------------------------------------
# Columns several reports share: ``(key, title, format)`` as ``column_table`` takes them.
ROUND_COLUMN = ("round", "round", "{}".format)
CLIENT_COLUMN = ("client", "Kafka client", "{}".format)


def column_table(columns: Any, rows: list[dict[str, Any]]) -> str:
    """Rows as Markdown, given ``(key, title, format)`` columns."""
    cells = [[fmt(row[key]) for key, _, fmt in columns] for row in rows]
    return markdown([title for _, title, _ in columns], cells)


def markdown(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def header(title: str, command: str, extra: str = "") -> str:
    """The section heading and machine/versions/command lines, as ``bench/core.py`` writes."""
    from datetime import UTC, datetime

    if str(ROOT / "bench") not in sys.path:
        sys.path.append(str(ROOT / "bench"))
    import core  # bench/core.py: the same machine and version lines

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    import platform

    lines = (
        f"- Machine: {core._machine()}; load average before: {extra}\n"
        f"- Python {platform.python_version()}; {core._versions()}\n"
        f"- Command: `{command}`"
    )
    return f"## {title}, {stamp}, {core._revision()}\n\n{lines}"


def bench_parser(doc: str) -> Any:
    """An ``argparse`` parser with the options every live benchmark has."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=600, help="distinct simulated runs (600)")
    parser.add_argument("--smoke", action="store_true", help="tiny and quick, for CI")
    parser.add_argument("--no-doc", action="store_true", help="do not append to the doc")
    return parser


def publish_table(
    title: str, load_before: str, setup: str, columns: Any, rows: list[dict[str, Any]], args: Any
) -> None:
    """The report of one run (header, ``setup`` and the table) published as ``publish`` does."""
    publish_report(title, load_before, setup, [column_table(columns, rows)], args)


def publish_report(
    title: str, load_before: str, setup: str, sections: list[str], args: Any
) -> None:
    """Header, ``setup`` with the load average after, then ``sections``; as ``publish`` does."""
    head = [header(title, "python " + " ".join(sys.argv), load_before)]
    publish("\n\n".join([*head, f"{setup}; load average after: {load_average()}", *sections]), args)


def publish(report: str, args: Any) -> None:
    """Print a report; append it to docs/benchmarks.md unless ``--no-doc`` or ``--smoke``."""
    print(report)
    if not args.no_doc and not args.smoke:
        append_doc(report)


def append_doc(report: str) -> None:
    """Append a report to docs/benchmarks.md."""
    doc = ROOT / "docs" / "benchmarks.md"
    with doc.open("a") as out:
        out.write("\n" + report + "\n")

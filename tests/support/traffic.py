"""Traffic the demo does not send: malformed OTLP requests and bursts of fatal errors."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult

from tests.support.agentrun import SECOND, RunBuilder


def send_malformed(endpoint: str) -> int:
    """POST a body that is not OTLP protobuf to ``/v1/traces``; the HTTP status answered."""
    request = urllib.request.Request(
        f"{endpoint}/v1/traces",
        data=b"\x0a\xff\xff\xff\xff\x0fnot a trace request",
        headers={"Content-Type": "application/x-protobuf"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def fatal_dns_runs(model: str, count: int, first: int = 0) -> list[ReadableSpan]:
    """``count`` failed runs of ``model``, each ending on a DNS error it never got past."""
    spans: list[ReadableSpan] = []
    t0 = time.time_ns() - 10 * SECOND  # runs end about now, as live agents' would
    for n in range(first, first + count):
        host = f"mirror-{n}.pkgs.example.net"
        run = RunBuilder(model=model, agent="burst-agent", version="2.0.0", t0=t0)
        run.tool("git status --short", " M src/app.py")
        run.tool(
            f"curl -fsS https://{host}/wheel.tar.gz", f"curl: (6) Could not resolve host: {host}", 6
        )
        run.finish("failed")
        spans.extend(run.exporter.get_finished_spans())
    return spans


def unexplained_run(script: str) -> list[ReadableSpan]:
    """One run whose tool step fails with an exit code and nothing the rules recognise."""
    run = RunBuilder(model="gpt-4.1", t0=time.time_ns() - 5 * SECOND)
    run.tool(f"./{script}", "starting ...", 3)
    run.finish("failed")
    return list(run.exporter.get_finished_spans())


def export(endpoint: str, spans: list[ReadableSpan]) -> None:
    """Send ``spans`` with the SDK's OTLP/HTTP exporter, as an agent would."""
    exporter = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", timeout=10)
    try:
        result = exporter.export(spans)
    finally:
        exporter.shutdown()  # type: ignore[no-untyped-call]
    if result != SpanExportResult.SUCCESS:
        raise AssertionError(f"OTLP export to {endpoint} failed")

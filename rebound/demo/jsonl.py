"""Simulated runs as OTLP requests and OTLP JSON Lines (what ``rebound replay`` reads)."""

from __future__ import annotations

import base64
import gzip
import io
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from rebound.demo.generator import SimRun, iter_runs
from rebound.demo.sender import SpanEmitter

# Fixed times make a written file reproducible: 2026-01-01T00:00:00Z, one run every 20 s.
EPOCH_NS = 1_767_225_600 * 1_000_000_000
RUN_SPACING_NS = 20 * 1_000_000_000

_ID_FIELDS = ("traceId", "spanId", "parentSpanId")


def export_requests(
    runs: Iterable[SimRun], epoch_ns: int = EPOCH_NS
) -> Iterator[ExportTraceServiceRequest]:
    """One ``ExportTraceServiceRequest`` per run, built by the SDK and its OTLP encoder."""
    exporter = InMemorySpanExporter()
    emitter = SpanEmitter(lambda: SimpleSpanProcessor(exporter))
    try:
        for run in runs:
            emitter.emit(run, epoch_ns + run.index * RUN_SPACING_NS)
            yield encode_spans(exporter.get_finished_spans())
            exporter.clear()
    finally:
        emitter.shutdown()


def to_otlp_json(request: ExportTraceServiceRequest) -> dict[str, Any]:
    """OTLP/JSON encoding: camelCase names, integer enums, ids as lowercase hex (not base64)."""
    document: dict[str, Any] = MessageToDict(request, use_integers_for_enums=True)
    for resource_spans in document.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                _hex_ids(span)
                for link in span.get("links", []):
                    _hex_ids(link)
    return document


def write_jsonl(path: str | Path, seed: int = 7, n: int = 100) -> int:
    """Write ``n`` runs of ``seed`` as OTLP JSON Lines (gzipped if ``path`` ends in .gz).

    Returns the number of lines written.
    """
    written = 0
    with _open(Path(path)) as out:
        for request in export_requests(islice(iter_runs(seed), n)):
            out.write(orjson.dumps(to_otlp_json(request)) + b"\n")
            written += 1
    return written


def _hex_ids(item: dict[str, Any]) -> None:
    for key in _ID_FIELDS:
        if key in item:
            item[key] = base64.b64decode(item[key]).hex()


def _open(path: Path) -> io.BufferedIOBase:
    if path.suffix == ".gz":
        return gzip.open(path, "wb")
    return path.open("wb")

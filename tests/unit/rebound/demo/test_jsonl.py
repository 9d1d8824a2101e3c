"""The JSON Lines writer produces OTLP/JSON that protobuf's own parser accepts."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path
from typing import Any

from google.protobuf.json_format import ParseDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from rebound.demo.simulator import generate_runs, write_jsonl

HEX16 = re.compile(r"^[0-9a-f]{16}$")


def _spans(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        span
        for resource_spans in document["resourceSpans"]
        for scope_spans in resource_spans["scopeSpans"]
        for span in scope_spans["spans"]
    ]


def _parse(document: dict[str, Any]) -> ExportTraceServiceRequest:
    """Protobuf's JSON parser wants base64 ids; OTLP/JSON has hex: convert, then parse."""
    for span in _spans(document):
        for key in ("traceId", "spanId", "parentSpanId"):
            if key in span:
                span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
    request = ExportTraceServiceRequest()
    ParseDict(document, request)
    return request


def test_one_otlp_json_request_per_run(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    assert write_jsonl(path, seed=5, n=4) == 4
    lines = path.read_bytes().splitlines()
    expected = generate_runs(5, 4)
    assert len(lines) == 4
    for line, run in zip(lines, expected, strict=True):
        document = json.loads(line)
        spans = _spans(document)
        assert len(spans) == len(run.spans)
        assert {s["traceId"] for s in spans} == {f"{run.trace_id:032x}"}
        assert all(HEX16.match(s["spanId"]) for s in spans)
        assert all(HEX16.match(s["parentSpanId"]) for s in spans if "parentSpanId" in s)
        assert all(isinstance(s["kind"], int) for s in spans)
        request = _parse(document)
        parsed = [s for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans]
        assert {s.trace_id.hex() for s in parsed} == {f"{run.trace_id:032x}"}
        assert sum(s.name.startswith("invoke_agent") for s in parsed) == 1


def test_gzip_when_the_name_ends_in_gz_and_output_is_reproducible(tmp_path: Path) -> None:
    plain, packed = tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"
    write_jsonl(plain, seed=9, n=3)
    write_jsonl(packed, seed=9, n=3)
    assert gzip.decompress(packed.read_bytes()) == plain.read_bytes()

"""The CLIs' own OTLP/gRPC requests (tests/fixtures/clients/grpc) replayed to ``rebound serve``.

Each fixture holds the ExportLogsServiceRequest / ExportTraceServiceRequest bytes one CLI
sent with its gRPC exporter, in order, with the compression it used (Gemini CLI gzips).
A grpcio client sends them the same way to a real ``rebound serve``: every call must be
accepted whole, and every failing call must become one error event with the command,
model, type and status the HTTP fixtures are held to (``tests/support/clients.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceResponse,
)

from rebound.collector.otlp_logs_proto import decode_logs_protobuf
from tests.support.clients import (
    check_cli,
    final_events,
    grpc_calls,
    grpc_fixture_files,
    serving,
    session_run_ids,
)

pytestmark = pytest.mark.integration

LOGS = "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
TRACES = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
_COMPRESSION = {"gzip": grpc.Compression.Gzip, "identity": grpc.Compression.NoCompression}


def _name(path: Path) -> str:
    return path.name.removesuffix(".jsonl.gz")


def test_grpc_fixtures_are_present() -> None:
    names = {_name(p) for p in grpc_fixture_files()}
    scenarios = ["recover", "fatal", "flag", "ok"]
    clis = ["claude", "codex", "gemini"]
    assert names == {f"{c}-grpc-scenario-{s}" for c in clis for s in scenarios}
    for path in grpc_fixture_files():
        assert any(call.method == LOGS for call in grpc_calls(path)), path.name


def _export(channel: grpc.Channel, path: Path) -> None:
    """Send a fixture's calls as the CLI did; each must be taken whole (no partial success)."""
    for call in grpc_calls(path):
        export = channel.unary_unary(call.method)  # raw bytes, as recorded
        reply = export(call.body, timeout=10, compression=_COMPRESSION[call.compression])
        if call.method == LOGS:
            logs = ExportLogsServiceResponse.FromString(reply)
            assert not logs.HasField("partial_success"), (path.name, logs)
        else:
            assert call.method == TRACES, call.method
            spans = ExportTraceServiceResponse.FromString(reply)
            assert not spans.HasField("partial_success"), (path.name, spans)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[Any]]]:
    """Every gRPC fixture sent to one ``rebound serve``; the final events of each session."""
    out = tmp_path_factory.mktemp("serve-grpc") / "events.jsonl"
    with serving(out) as (_, channel):
        for path in grpc_fixture_files():
            _export(channel, path)
    events = final_events(out)
    by_name: dict[str, list[Any]] = {}
    for path in grpc_fixture_files():
        logs = [c.body for c in grpc_calls(path) if c.method == LOGS]
        records = [r for body in logs for r in decode_logs_protobuf(body).records]
        ids = session_run_ids(records)
        assert len(ids) == 1, (path.name, ids)  # one CLI session per fixture
        by_name[_name(path)] = [e for e in events if e["run_id"] in ids]
    assert sum(len(v) for v in by_name.values()) == len(events)  # no event outside a session
    yield by_name


@pytest.mark.parametrize("path", grpc_fixture_files(), ids=_name)
def test_grpc_serve_classifies_each_failing_call(served: dict[str, list[Any]], path: Path) -> None:
    check_cli(_name(path), served[_name(path)])

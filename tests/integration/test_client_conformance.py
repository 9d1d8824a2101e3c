"""The real clients' captures (tests/fixtures/clients) through serve and through replay.

Serve gets them the ways the clients send: OTLP/HTTP JSON (plain, gzip, chunked) and
protobuf on /v1/traces and /v1/logs, and OTLP/gRPC; every failing call must become one
error event with the right command, model, type and status, and nothing else an event.
"""

from __future__ import annotations

import gzip
import http.client
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from rebound.collector.otlp import spans_by_trace
from rebound.collector.otlp_json import decode_json
from rebound.collector.otlp_logs import is_logs_json
from rebound.collector.otlp_logs_json import decode_logs_json
from rebound.collector.otlp_logs_proto import encode_logs_request
from rebound.collector.otlp_proto import encode_trace_request
from rebound.replay import replay
from rebound.settings import load_settings
from tests.support.clients import (
    check_cli,
    check_framework,
    final_events,
    fixture_files,
    lines,
    serving,
    session_run_ids,
)

pytestmark = pytest.mark.integration


def _check(path: Path, events: list[dict[str, Any]]) -> None:
    name = path.name.removesuffix(".jsonl.gz")
    if path.parent.name == "cli":
        check_cli(name, events)
    else:
        check_framework(name, events)


def test_fixtures_are_present() -> None:
    names = {p.name for p in fixture_files()}
    assert len([n for n in names if n.startswith(("claude", "codex", "gemini"))]) == 24
    assert len([n for n in names if n.startswith(("openai", "pydantic"))]) == 6


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name.removesuffix(".jsonl.gz"))
def test_replay_classifies_each_failing_call(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = replay([path], load_settings(), out)
    assert not result.rejected, result.rejected
    _check(path, final_events(out))


def _post(port: int, path: str, body: bytes, content_type: str, how: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": content_type}
    if how == "gzip":
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    if how == "chunked":
        chunks = iter([body[: len(body) // 2], body[len(body) // 2 :]])
        conn.request("POST", path, body=chunks, headers=headers, encode_chunked=True)
    else:
        conn.request("POST", path, body=body, headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def _protobuf(line: bytes) -> list[bytes]:
    """A fixture line as protobuf requests (one per trace for spans), built by our encoders."""
    if is_logs_json(line):
        return [encode_logs_request(decode_logs_json(line).records)]
    return [
        encode_trace_request(group) for group in spans_by_trace(decode_json(line).spans).values()
    ]


def _send(port: int, channel: grpc.Channel, line: bytes, how: str) -> None:
    logs = is_logs_json(line)
    if how == "grpc":
        service = "logs.v1.LogsService" if logs else "trace.v1.TraceService"
        export = channel.unary_unary(f"/opentelemetry.proto.collector.{service}/Export")
        for body in _protobuf(line):
            export(body, timeout=10)
        return
    path = "/v1/logs" if logs else "/v1/traces"
    if how == "protobuf":
        for body in _protobuf(line):
            assert _post(port, path, body, "application/x-protobuf", "plain") == 200
    else:
        assert _post(port, path, line, "application/json", how) == 200


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Path, list[Any]]]:
    """Every fixture sent to one ``rebound serve``; the final events of each fixture."""
    out = tmp_path_factory.mktemp("serve") / "events.jsonl"
    ways = ["plain", "gzip", "protobuf", "chunked", "grpc"]
    runs: dict[Path, set[str]] = {}
    with serving(out) as (service, channel):
        for i, path in enumerate(fixture_files()):
            for line in lines(path):
                _send(service.receiver.port, channel, line, ways[i % len(ways)])
            runs[path] = set()
    events = final_events(out)
    by_path: dict[Path, list[Any]] = defaultdict(list)
    for path in runs:
        ids = _run_ids(path)
        by_path[path] = [e for e in events if e["run_id"] in ids]
    assert sum(len(v) for v in by_path.values()) == len(events)  # no event outside a fixture
    yield by_path


def _run_ids(path: Path) -> set[str]:
    """The run ids a fixture's events carry (the trace ids; a CLI session's own id)."""
    ids: set[str] = set()
    for line in lines(path):
        if is_logs_json(line):
            ids |= session_run_ids(decode_logs_json(line).records)
        else:
            ids |= {s.trace_id for s in decode_json(line).spans}
    return ids


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name.removesuffix(".jsonl.gz"))
def test_serve_classifies_each_failing_call(served: dict[Path, list[Any]], path: Path) -> None:
    _check(path, served[path])

"""``run_demo`` sends every run through the OpenTelemetry SDK to an OTLP/HTTP endpoint."""

from __future__ import annotations

import gzip
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from rebound.demo.sender import traces_url
from rebound.demo.simulator import DemoStats, generate_runs, run_demo

STATUS_ERROR = 2


class _Collector(ThreadingHTTPServer):
    """Keeps every POSTed OTLP body, answers like a receiver that accepted it all."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.posts: list[tuple[str, bytes]] = []

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def requests(self) -> list[ExportTraceServiceRequest]:
        with self.lock:
            return [ExportTraceServiceRequest.FromString(body) for _, body in self.posts]


class _Handler(BaseHTTPRequestHandler):
    server: _Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        with self.server.lock:
            self.server.posts.append((self.path, body))
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[_Collector]:
    server = _Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _attributes(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in items:
        kind = kv.value.WhichOneof("value")
        out[kv.key] = getattr(kv.value, kind) if kind else None
    return out


def _received(collector: _Collector) -> dict[str, list[tuple[dict[str, Any], Any]]]:
    """Spans by hex trace id, each with its resource attributes."""
    traces: dict[str, list[tuple[dict[str, Any], Any]]] = {}
    for request in collector.requests():
        for resource_spans in request.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    traces.setdefault(span.trace_id.hex(), []).append((resource, span))
    return traces


def test_every_run_arrives_with_its_spans(collector: _Collector) -> None:
    stats = run_demo(endpoint=collector.endpoint, runs=8, rate=math.inf, seed=3)
    expected = generate_runs(3, 8)

    assert {path for path, _ in collector.posts} == {"/v1/traces"}
    traces = _received(collector)
    assert set(traces) == {f"{run.trace_id:032x}" for run in expected}
    assert stats.runs == 8 and stats.spans == sum(len(t) for t in traces.values())
    for run in expected:
        spans = traces[f"{run.trace_id:032x}"]
        assert len(spans) == len(run.spans)
        _check_run(run.model, run.outcome, run.agent, run.agent_version, spans)


def _check_run(model: str, outcome: str, agent: str, version: str, spans: list[Any]) -> None:
    (root,) = [s for _, s in spans if not s.parent_span_id]
    assert root.name == f"invoke_agent {agent}"
    root_attributes = _attributes(root.attributes)
    assert root_attributes["gen_ai.request.model"] == model
    assert root_attributes["rebound.run.outcome"] == outcome
    assert (root.status.code == STATUS_ERROR) == (outcome == "failed")
    assert all(r["service.name"] == agent and r["service.version"] == version for r, _ in spans)
    chats = [s for _, s in spans if s.name == f"chat {model}"]
    tools = [s for _, s in spans if s.name == "execute_tool bash"]
    assert chats and tools and len(chats) + len(tools) + 1 == len(spans)
    assert all(_attributes(s.attributes)["gen_ai.provider.name"] for s in chats)
    for tool in tools:
        attributes = _attributes(tool.attributes)
        assert attributes["gen_ai.tool.name"] == "bash"
        assert '"command"' in attributes["gen_ai.tool.call.arguments"]
        exit_code = attributes["process.exit.code"]
        assert (tool.status.code == STATUS_ERROR) == (exit_code != 0)
        assert tool.parent_span_id == root.span_id
        assert root.start_time_unix_nano <= tool.start_time_unix_nano < tool.end_time_unix_nano


def test_injected_errors_are_counted_per_model(collector: _Collector) -> None:
    stats = run_demo(endpoint=collector.endpoint, runs=30, rate=math.inf, seed=4)
    expected = generate_runs(4, 30)
    per_model: dict[str, int] = {}
    for run in expected:
        per_model[run.model] = per_model.get(run.model, 0) + len(run.errors)
    assert stats.errors_by_model == per_model
    assert stats.failed_runs == sum(run.outcome == "failed" for run in expected)
    assert str(stats).startswith(f"sent 30 runs ({stats.failed_runs} failed)")


def test_a_set_stop_event_sends_nothing(collector: _Collector) -> None:
    stop = threading.Event()
    stop.set()
    assert run_demo(endpoint=collector.endpoint, rate=math.inf, stop=stop) == DemoStats()
    assert collector.posts == []


def test_duration_bounds_the_runs_sent_at_a_given_rate(collector: _Collector) -> None:
    # Runs are due at 0, 0.05, ... 0.2 s: at most five (the one due at the deadline may
    # still go), the first always does; the point is that the duration stops the demo.
    stats = run_demo(endpoint=collector.endpoint, rate=20.0, duration=0.2, seed=5)
    assert 1 <= stats.runs <= 5
    assert len(_received(collector)) == stats.runs


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate"):
        run_demo(rate=0.0, runs=1)


@pytest.mark.parametrize(
    "endpoint",
    ["http://127.0.0.1:4318", "http://127.0.0.1:4318/", "http://127.0.0.1:4318/v1/traces"],
)
def test_traces_url_appends_the_signal_path_once(endpoint: str) -> None:
    assert traces_url(endpoint) == "http://127.0.0.1:4318/v1/traces"


def test_time_scale_compresses_each_run(collector: _Collector) -> None:
    run_demo(endpoint=collector.endpoint, runs=2, rate=math.inf, seed=3, time_scale=0.1)
    sent = {f"{r.trace_id:032x}": r for r in generate_runs(3, 2)}
    for trace_id, spans in _received(collector).items():
        root = next(s for _, s in spans if not s.parent_span_id)
        took = root.end_time_unix_nano - root.start_time_unix_nano
        assert took == pytest.approx(0.1 * sent[trace_id].duration_ns, rel=1e-6)

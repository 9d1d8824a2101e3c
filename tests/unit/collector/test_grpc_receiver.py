"""OTLP/gRPC: the real SDK gRPC exporter in, OTLP status codes out."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import SpanExportResult

from rebound.collector.otlp_grpc import SERVICE, OtlpGrpcReceiver
from tests.support.stopping import stopped_after
from tests.unit.collector.otlp_samples import record_agent_run
from tests.unit.collector.test_http_receiver import RecordingSink


@pytest.fixture
def started() -> Iterator[list[OtlpGrpcReceiver]]:
    yield from stopped_after([])


def _start(started: list[OtlpGrpcReceiver], sink: RecordingSink, **kw: int) -> OtlpGrpcReceiver:
    receiver = OtlpGrpcReceiver("127.0.0.1", 0, sink, **kw)
    receiver.start()
    started.append(receiver)
    return receiver


def _raw_export(port: int, body: bytes) -> grpc.RpcError | bytes:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_unary(f"/{SERVICE}/Export")
        try:
            return call(body, timeout=10)  # type: ignore[no-any-return]
        except grpc.RpcError as err:
            return err


def test_sdk_grpc_exporter_delivers_spans(started: list[OtlpGrpcReceiver]) -> None:
    sink = RecordingSink()
    receiver = _start(started, sink)
    spans = record_agent_run()
    exporter = OTLPSpanExporter(endpoint=f"127.0.0.1:{receiver.port}", insecure=True, timeout=10)
    assert exporter.export(spans) == SpanExportResult.SUCCESS
    exporter.shutdown()
    assert sum(len(b) for b in sink.batches) == len(spans)


def test_bad_protobuf_is_invalid_argument(started: list[OtlpGrpcReceiver]) -> None:
    receiver = _start(started, RecordingSink())
    err = _raw_export(receiver.port, b"\x0a\xff\xff\xff")
    assert isinstance(err, grpc.RpcError)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "invalid" in (err.details() or "")


def test_full_sink_is_unavailable_so_clients_retry(started: list[OtlpGrpcReceiver]) -> None:
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    receiver = _start(started, RecordingSink(refuse=1))
    body = encode_spans(record_agent_run()).SerializeToString()
    err = _raw_export(receiver.port, body)
    assert isinstance(err, grpc.RpcError) and err.code() == grpc.StatusCode.UNAVAILABLE
    assert isinstance(_raw_export(receiver.port, body), bytes)  # the retry is taken

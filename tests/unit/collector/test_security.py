"""The bearer-token check and TLS on the receivers, by hand and with fuzzed headers."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebound.collector.http import OtlpHttpReceiver
from rebound.collector.intake import CountingStats
from rebound.collector.otlp_grpc import SERVICE, OtlpGrpcReceiver
from rebound.collector.security import BearerCheck, server_tls
from tests.support.certs import Certs, make_certs
from tests.support.stopping import stopped_after
from tests.unit.collector.otlp_samples import record_agent_run, request_bytes
from tests.unit.collector.test_http_receiver import RecordingSink

TOKEN = "s3cr3t-token-for-tests"
PROTOBUF = {"Content-Type": "application/x-protobuf"}


@given(st.text(max_size=80))
@settings(max_examples=300)
def test_only_the_token_is_allowed(header: str) -> None:
    check = BearerCheck(TOKEN)
    expected = header.strip().partition(" ")[0].lower() == "bearer" and (
        header.strip().partition(" ")[2].strip() == TOKEN
    )
    assert check.allows(header) is expected


def test_the_forms_of_the_header() -> None:
    check = BearerCheck(TOKEN)
    assert check.allows(f"Bearer {TOKEN}") and check.allows(f"bearer  {TOKEN} ")
    for header in (None, "", TOKEN, f"Basic {TOKEN}", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x"):
        assert not check.allows(header)
    assert TOKEN not in repr(check)
    with pytest.raises(ValueError):
        BearerCheck(" padded ")


@pytest.fixture
def certs(tmp_path: Path) -> Certs:
    return make_certs(tmp_path)


@pytest.fixture
def receivers() -> Iterator[list[OtlpHttpReceiver]]:
    yield from stopped_after([])


def _start(
    started: list[OtlpHttpReceiver], tls: ssl.SSLContext | None = None
) -> tuple[OtlpHttpReceiver, RecordingSink, CountingStats]:
    sink, stats = RecordingSink(), CountingStats()
    receiver = OtlpHttpReceiver(
        "127.0.0.1",
        0,
        sink,
        stats=stats,
        auth=BearerCheck(TOKEN),
        tls=tls,
        connection_timeout_seconds=2,
    )
    receiver.start()
    started.append(receiver)
    return receiver, sink, stats


def _call(
    port: int, path: str, headers: dict[str, str], body: bytes = b"", method: str = "POST"
) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_every_post_route_asks_for_the_token(receivers: list[OtlpHttpReceiver]) -> None:
    receiver, sink, stats = _start(receivers)
    body = request_bytes(record_agent_run())
    for path in ("/v1/traces", "/v1/logs", "/v1/metrics", "/anything"):
        assert _call(receiver.port, path, PROTOBUF, body) == 401  # before the route is known
    auth = {**PROTOBUF, "Authorization": f"Bearer {TOKEN}"}
    assert _call(receiver.port, "/v1/traces", auth, body) == 200
    assert _call(receiver.port, "/healthz", {}, method="GET") == 200  # probes need no token
    assert len(sink.spans) == 4 and stats.rejected["unauthenticated"] == 4


def test_refused_before_the_body_is_sent(receivers: list[OtlpHttpReceiver]) -> None:
    receiver, sink, _ = _start(receivers)
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            b"Content-Length: 100000000\r\nExpect: 100-continue\r\n\r\n"
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 401")
    assert not sink.spans


def test_a_silent_tls_client_does_not_hold_up_others(
    receivers: list[OtlpHttpReceiver], certs: Certs
) -> None:
    """The handshake runs in the connection's thread: one that never speaks blocks no one."""
    receiver, sink, _ = _start(receivers, server_tls(certs.cert, certs.key))
    silent = [socket.create_connection(("127.0.0.1", receiver.port)) for _ in range(3)]
    try:
        context = ssl.create_default_context(cafile=str(certs.ca))
        connection = http.client.HTTPSConnection(
            "127.0.0.1", receiver.port, context=context, timeout=5
        )
        started = time.monotonic()
        connection.request(
            "POST",
            "/v1/traces",
            body=request_bytes(record_agent_run()),
            headers={**PROTOBUF, "Authorization": f"Bearer {TOKEN}"},
        )
        assert connection.getresponse().status == 200
        assert time.monotonic() - started < 2
        connection.close()
    finally:
        for sock in silent:
            sock.close()
    assert len(sink.spans) == 4


def test_grpc_every_method_asks_for_the_token() -> None:
    stats = CountingStats()
    receiver = OtlpGrpcReceiver(
        "127.0.0.1", 0, RecordingSink(), stats=stats, auth=BearerCheck(TOKEN)
    )
    receiver.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{receiver.port}") as channel:
            for method in (
                f"/{SERVICE}/Export",
                "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
            ):
                call = channel.unary_unary(method)
                with pytest.raises(grpc.RpcError) as refused:
                    call(b"", timeout=10, metadata=[("authorization", "Bearer nope")])
                assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
            ok = channel.unary_unary(f"/{SERVICE}/Export")
            ok(b"", timeout=10, metadata=[("authorization", f"Bearer {TOKEN}")])
    finally:
        receiver.stop()
    assert stats.rejected["unauthenticated"] == 2

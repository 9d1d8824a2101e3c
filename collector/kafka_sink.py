"""Spans to the ``otlp_spans`` topic: one message per trace, keyed by trace id.

``offer`` returns only once Kafka has acknowledged every message (acks=all), so the
receiver answers 200 for spans that are durably in the topic, and 503 (the OTLP client
retries) when the broker is down, slow, or too many requests are already waiting.

A producer that keeps failing is replaced: kafka-python's idempotent producer goes on
refusing a partition whose batch expired during a broker outage, even once the broker is
back, so without a new client the collector would answer 503 for good.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable

import orjson

from rebound.collector.kafka_clients import new_producer
from rebound.collector.kafka_config import KafkaSettings
from rebound.collector.kafka_delivery import ProducerClient, produce_and_wait
from rebound.collector.log_keys import records_by_session
from rebound.collector.logs import LogRecord
from rebound.collector.otlp import encode_trace_request, spans_by_trace
from rebound.collector.otlp_logs_proto import encode_logs_request
from rebound.collector.spans import Span

log = logging.getLogger(__name__)


def encode_trace(spans: list[Span], encoding: str) -> bytes:
    """One trace as a Kafka message value, ``otlp_proto`` (as the OTel Collector writes)."""
    return recode(encode_trace_request(spans), encoding)


def recode(data: bytes, encoding: str) -> bytes:
    """An encoded trace request as the configured message encoding."""
    if encoding == "otlp_proto":
        return data
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    message = ExportTraceServiceRequest.FromString(data)
    return orjson.dumps(MessageToDict(message))


def encode_logs(records: list[LogRecord], encoding: str) -> bytes:
    """One session's log records as a Kafka message value (``ExportLogsServiceRequest``)."""
    data = encode_logs_request(records)
    if encoding == "otlp_proto":
        return data
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    return orjson.dumps(MessageToDict(ExportLogsServiceRequest.FromString(data)))


class KafkaSpanSink:
    """A ``TraceSink`` that produces each trace of a batch to Kafka and waits for the acks."""

    max_message_bytes = 512 * 1024
    """Below Kafka's default 1 MiB message limit; larger traces are decoded and their long
    values cut first (``intake.TraceIntake``)."""

    renew_after_seconds = 5.0
    """How long a producer may fail without a success before a new one replaces it."""

    def __init__(
        self,
        settings: KafkaSettings,
        producer: ProducerClient | None = None,
        on_delivered: Callable[[int], None] | None = None,
        on_failed: Callable[[int], None] | None = None,
        renew: Callable[[], ProducerClient] | None = None,
    ) -> None:
        self.settings = settings
        if producer is None and renew is None:
            renew = functools.partial(new_producer, settings, "collector")
        if producer is None:
            assert renew is not None
            producer = renew()
        self.producer = producer
        self._renew = renew
        self._renewing = threading.Lock()
        self._failing_since: float | None = None
        self.renewed = 0
        self._slots = threading.BoundedSemaphore(settings.max_in_flight_requests)
        self._on_delivered = on_delivered
        self._on_failed = on_failed
        self.healthy = True

    def offer(self, spans: list[Span]) -> bool:
        """Produce and wait for acks; False (→ 503) when saturated or Kafka fails."""
        encoding = self.settings.encoding
        return self._offer(
            lambda: [
                (trace_id, encode_trace(group, encoding))
                for trace_id, group in spans_by_trace(spans).items()
            ],
            len(spans),
        )

    def offer_traces(self, traces: dict[str, bytes], spans: int) -> bool:
        """As ``offer``, for a request already split by trace on the wire (``otlp_wire``)."""
        encoding = self.settings.encoding
        return self._offer(
            lambda: [(trace_id, recode(data, encoding)) for trace_id, data in traces.items()],
            spans,
        )

    def offer_logs(self, records: list[LogRecord]) -> bool:
        """One ``otlp_logs`` message per session, keyed by its id; acks awaited as ``offer``."""
        encoding = self.settings.encoding
        return self._offer(
            lambda: [
                (key, encode_logs(group, encoding))
                for key, group in records_by_session(records).items()
            ],
            len(records),
            self.settings.logs_topic,
        )

    def _offer(
        self,
        messages: Callable[[], list[tuple[str | None, bytes]]],
        spans: int,
        topic: str | None = None,
    ) -> bool:
        if not self._slots.acquire(blocking=False):
            return False
        try:
            return self._produce(messages(), spans, topic)
        finally:
            self._slots.release()

    def _produce(
        self, messages: list[tuple[str | None, bytes]], spans: int, topic: str | None
    ) -> bool:
        keyed = [(None if key is None else key.encode(), value) for key, value in messages]
        producer = self.producer
        failed = produce_and_wait(producer, self.settings, keyed, topic)
        if failed is not None:
            self.healthy = False
            log.warning("Kafka did not take %d spans (answered 503): %s", spans, failed)
            if self._on_failed is not None:
                self._on_failed(spans)
            self._renew_if_stuck(producer)
            return False
        self.healthy = True
        self._failing_since = None
        if self._on_delivered is not None:
            self._on_delivered(spans)
        return True

    def _renew_if_stuck(self, failed: ProducerClient) -> None:
        """Replace ``failed`` by a new producer once it has failed for ``renew_after_seconds``
        with no success between (one thread renews; the others go on answering 503)."""
        now = time.monotonic()
        if self._renew is None or not self._renewing.acquire(blocking=False):
            return
        try:
            if self.producer is not failed:
                return  # another request renewed it already
            if self._failing_since is None:
                self._failing_since = now
                return
            if now - self._failing_since < self.renew_after_seconds:
                return
            self._failing_since = now  # the next attempt, if this one fails, waits again
            try:
                self.producer = self._renew()
            except Exception as exc:  # the broker may still be away: try again later
                log.warning("could not make a new Kafka producer: %s", exc)
                return
            self.renewed += 1
            log.warning("replaced a Kafka producer that kept failing")
        finally:
            self._renewing.release()
        with contextlib.suppress(Exception):  # what it still held was answered 503
            failed.close(timeout=0)

    def close(self, timeout: float = 10.0) -> None:
        """Flush and close the producer; what was never acknowledged was answered 503."""
        try:
            self.producer.flush(timeout=timeout)
            self.producer.close(timeout=timeout)
        except Exception as exc:  # a flush timeout: those requests were answered 503
            log.warning("closing with unacknowledged messages (their requests got 503): %s", exc)
            with contextlib.suppress(Exception):  # kafka-python's close flushes (and raises)
                self.producer.close(timeout=0)

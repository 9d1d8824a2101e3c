"""confluent-kafka (librdkafka) behind kafka-python's surface, for ``kafka.client = confluent``.

Same settings, same partitioning (murmur2 on the key, as kafka-python and Kafka's Java
client), same types and errors to the caller. Delivery reports are served by a poller
thread: every ``send`` returns a future that fails with ``KafkaError`` when its delivery
report does, and ``flush`` raises when any report since the previous flush was a failure.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import confluent_kafka
from kafka.errors import KafkaError, KafkaTimeoutError
from kafka.producer.future import RecordMetadata
from kafka.structs import OffsetAndMetadata, TopicPartition

from rebound.collector.kafka_config import KafkaSettings

log = logging.getLogger(__name__)

_SSL_KEYS: Final = {
    "ssl_cafile": "ssl.ca.location",
    "ssl_certfile": "ssl.certificate.location",
    "ssl_keyfile": "ssl.key.location",
}
_POLL_SECONDS: Final = 0.05


def common_config(settings: KafkaSettings, role: str) -> dict[str, Any]:
    """librdkafka properties every client of ours shares (servers, security, client id)."""
    conf: dict[str, Any] = {
        "bootstrap.servers": settings.bootstrap_servers,
        "security.protocol": settings.security_protocol,
        "client.id": f"{settings.client_id}-{role}",
        "reconnect.backoff.max.ms": 2_000,
    }
    if settings.sasl_mechanism:
        conf["sasl.mechanism"] = settings.sasl_mechanism
        conf["sasl.username"] = settings.sasl_username
        if settings.sasl_password is not None:
            conf["sasl.password"] = settings.sasl_password.get_secret_value()
    for key, prop in _SSL_KEYS.items():
        if getattr(settings, key):
            conf[prop] = getattr(settings, key)
    return conf


def producer_config(settings: KafkaSettings, role: str) -> dict[str, Any]:
    """The librdkafka equivalent of ``KafkaSettings.producer``."""
    return {
        **common_config(settings, role),
        "acks": "all",
        "enable.idempotence": True,
        "compression.type": settings.compression_type or "none",
        "linger.ms": settings.linger_ms,
        "batch.size": settings.batch_bytes,
        "request.timeout.ms": 5_000,
        "message.timeout.ms": max(30_000, int(settings.ack_timeout_seconds * 3000)),
        "retry.backoff.ms": 200,
        # kafka-python's and the Java client's partitioner: a key lands on the same
        # partition whichever client wrote it (librdkafka's default hashes with CRC32).
        "partitioner": "murmur2_random",
    }


def consumer_config(settings: KafkaSettings, role: str) -> dict[str, Any]:
    """The librdkafka equivalent of ``KafkaSettings.consumer``."""
    return {
        **common_config(settings, role),
        "group.id": settings.group_id,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": settings.session_timeout_ms,
        "heartbeat.interval.ms": settings.heartbeat_interval_ms,
        # The assignors kafka-python offers too, so members of either client share a group.
        "partition.assignment.strategy": "range,roundrobin",
    }


def _metadata(msg: Any) -> RecordMetadata:
    topic, partition = msg.topic(), msg.partition()
    key, value = msg.key(), msg.value()
    return RecordMetadata(
        topic,
        partition,
        TopicPartition(topic, partition),
        msg.offset(),
        msg.timestamp()[1],
        None,
        len(key) if key is not None else -1,
        len(value) if value is not None else -1,
        -1,
    )


def _error(err: Any) -> KafkaError:
    return KafkaError(f"{err.name()}: {err.str()}")


class _Delivery:
    """A ``send``'s outcome with the parts of kafka-python's ``Future`` callers use.

    ``get(timeout)``, ``is_done``, ``succeeded()``, ``failed()``, ``value``, ``exception``,
    ``add_callback`` and ``add_errback``. Cheaper than a ``concurrent.futures.Future`` (no
    lock per message): waiters share the producer's condition, which reports notify.
    """

    __slots__ = ("callbacks", "exception", "is_done", "producer", "value")

    def __init__(self, producer: ConfluentProducer) -> None:
        self.producer = producer
        self.is_done = False
        self.exception: KafkaError | None = None
        self.value: RecordMetadata | None = None
        self.callbacks: list[tuple[bool, Callable[..., Any], tuple[Any, ...]]] | None = None

    def report(self, err: Any, msg: Any) -> None:
        """The delivery report callback (served by the producer's poller)."""
        if err is None:
            self.value = _metadata(msg)
        else:
            self.exception = _error(err)
            self.producer.failures.append(str(self.exception))
        with self.producer.reported:
            self.is_done = True
            self.producer.reported.notify_all()
        for on_error, fn, args in self.callbacks or ():
            self._call(on_error, fn, args)

    def _call(self, on_error: bool, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if on_error and self.exception is not None:
            fn(*args, self.exception)
        elif not on_error and self.exception is None:
            fn(*args, self.value)

    def _add(self, on_error: bool, fn: Callable[..., Any], args: tuple[Any, ...]) -> _Delivery:
        with self.producer.reported:
            if not self.is_done:
                self.callbacks = [*(self.callbacks or ()), (on_error, fn, args)]
                return self
        self._call(on_error, fn, args)
        return self

    def add_callback(self, fn: Callable[..., Any], *args: Any) -> _Delivery:
        """Call ``fn(*args, metadata)`` once delivered."""
        return self._add(False, fn, args)

    def add_errback(self, fn: Callable[..., Any], *args: Any) -> _Delivery:
        """Call ``fn(*args, error)`` once delivery failed."""
        return self._add(True, fn, args)

    def succeeded(self) -> bool:
        """Delivered and acknowledged."""
        return self.is_done and self.exception is None

    def failed(self) -> bool:
        """Delivery failed for good."""
        return self.is_done and self.exception is not None

    def get(self, timeout: float | None = None) -> Any:
        """The record's metadata; ``KafkaError`` when delivery failed or took too long."""
        if not self.is_done:
            with self.producer.reported:
                if not self.producer.reported.wait_for(lambda: self.is_done, timeout):
                    raise KafkaTimeoutError(f"no delivery report within {timeout} s")
        if self.exception is not None:
            raise self.exception
        return self.value


class ConfluentProducer:
    """A librdkafka producer with kafka-python's ``send``/``flush``/``close``."""

    def __init__(
        self,
        settings: KafkaSettings,
        role: str,
        config: dict[str, Any] | None = None,
    ) -> None:
        self._producer = confluent_kafka.Producer(
            config or producer_config(settings, role), logger=log
        )
        self._max_block = settings.ack_timeout_seconds
        self._lock = threading.Lock()  # held while delivery reports are being served
        self.failures: list[str] = []  # delivery errors since the last flush
        self.reported = threading.Condition()
        self._closed = threading.Event()
        self._poller = threading.Thread(target=self._serve, name=f"rdkafka-{role}", daemon=True)
        self._poller.start()

    def _serve(self) -> None:
        while not self._closed.is_set():
            with self._lock:
                self._producer.poll(_POLL_SECONDS)

    def send(
        self, topic: str, value: bytes | None = None, key: bytes | None = None, headers: Any = None
    ) -> _Delivery:
        """Queue one message; waits up to ``ack_timeout_seconds`` for room in the queue."""
        delivery = _Delivery(self)
        deadline = time.monotonic() + self._max_block
        while True:
            try:
                self._producer.produce(
                    topic, value, key, headers=headers or None, on_delivery=delivery.report
                )
                return delivery
            except BufferError:
                if time.monotonic() >= deadline:
                    raise KafkaTimeoutError(
                        f"producer queue full for {self._max_block} s"
                    ) from None
                self._closed.wait(_POLL_SECONDS)
            except confluent_kafka.KafkaException as exc:
                raise _error(exc.args[0]) from None

    def flush(self, timeout: float | None = None) -> None:
        """Wait for every delivery report; raise if one failed since the previous flush."""
        left = self._producer.flush(-1 if timeout is None else timeout)
        with self._lock:  # a report the poller is serving right now is counted too
            failures, self.failures = self.failures, []
        if left:
            raise KafkaTimeoutError(f"{left} messages not delivered within {timeout} s")
        if failures:
            raise KafkaError(f"{len(failures)} deliveries failed, first: {failures[0]}")

    def close(self, timeout: float | None = None) -> None:
        """Flush (bounded; failures are logged, not raised) and stop the poller."""
        if self._closed.is_set():
            return
        try:
            self.flush(10.0 if timeout is None else timeout)
        except KafkaError as exc:
            log.warning("closing the producer: %s", exc)
        finally:
            self._closed.set()
            self._poller.join()


@dataclass(slots=True)
class Record:
    """One consumed message, with the fields of kafka-python's ``ConsumerRecord`` we read."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


def _ours(parts: list[Any]) -> list[TopicPartition]:
    return [TopicPartition(p.topic, p.partition) for p in parts]


class ConfluentConsumer:
    """A librdkafka group member with the kafka-python calls the classifier makes."""

    def __init__(
        self, settings: KafkaSettings, role: str, config: dict[str, Any] | None = None
    ) -> None:
        self._consumer = confluent_kafka.Consumer(
            config or consumer_config(settings, role), logger=log
        )
        self._batch = settings.max_poll_records

    def subscribe(self, topics: list[str], listener: Any = None) -> None:
        """Join the group; ``listener`` gets kafka-python ``TopicPartition`` lists."""
        if listener is None:
            self._consumer.subscribe(topics)
            return

        def assigned(_: Any, parts: list[Any]) -> None:
            listener.on_partitions_assigned(_ours(parts))

        def revoked(_: Any, parts: list[Any]) -> None:
            listener.on_partitions_revoked(_ours(parts))

        def lost(_: Any, parts: list[Any]) -> None:
            getattr(listener, "on_partitions_lost", listener.on_partitions_revoked)(_ours(parts))

        self._consumer.subscribe(topics, on_assign=assigned, on_revoke=revoked, on_lost=lost)

    def poll(self, timeout_ms: int = 0) -> dict[TopicPartition, list[Record]]:
        """One batch (up to ``max_poll_records``) grouped by partition, offsets in order."""
        out: dict[TopicPartition, list[Record]] = {}
        for msg in self._messages(timeout_ms / 1000):
            err = msg.error()
            if err is not None:
                log.warning("consumer: %s", _error(err))
                continue
            topic, partition = msg.topic() or "", msg.partition() or 0
            records = out.setdefault(TopicPartition(topic, partition), [])
            raw = msg.headers() or []  # a list of pairs from a consumer
            pairs = raw.items() if isinstance(raw, dict) else raw
            headers = [(k, _as_bytes(v) or b"") for k, v in pairs]
            offset = msg.offset()
            records.append(
                Record(
                    topic,
                    partition,
                    -1 if offset is None else offset,
                    _as_bytes(msg.key()),
                    _as_bytes(msg.value()),
                    headers,
                )
            )
        return out

    def _messages(self, timeout: float) -> list[Any]:
        # What is already fetched, at once; else the first message to arrive and whatever
        # came with it. (``consume`` alone would wait out its timeout for a full batch.)
        messages = self._consumer.consume(self._batch, 0)
        if messages:
            return messages
        first = self._consumer.poll(timeout)
        if first is None:
            return []
        return [first, *self._consumer.consume(self._batch - 1, 0)] if self._batch > 1 else [first]

    def committed(self, partition: TopicPartition, metadata: bool = False) -> Any:
        """The committed offset (with its metadata) of one partition, or None."""
        want = [confluent_kafka.TopicPartition(partition.topic, partition.partition)]
        (got,) = self._consumer.committed(want, timeout=30)
        if got.offset < 0:
            return None
        # librdkafka hands the metadata back with the C string's terminating NUL
        return OffsetAndMetadata(got.offset, (got.metadata or "").rstrip("\x00"), -1)

    def commit(self, offsets: dict[Any, Any]) -> None:
        """Commit and wait; ``KafkaError`` when the broker refuses."""
        try:
            self._consumer.commit(offsets=_theirs(offsets), asynchronous=False)
        except confluent_kafka.KafkaException as exc:
            raise _error(exc.args[0]) from None

    def commit_async(self, offsets: dict[Any, Any]) -> None:
        """Commit without waiting for the broker."""
        try:
            self._consumer.commit(offsets=_theirs(offsets), asynchronous=True)
        except confluent_kafka.KafkaException as exc:
            raise _error(exc.args[0]) from None

    def seek(self, partition: TopicPartition, offset: int) -> None:
        """Fetch ``partition`` from ``offset`` next."""
        self._seek(partition, offset)

    def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        """Fetch ``partitions`` from their first offset next."""
        for tp in partitions:
            self._seek(tp, confluent_kafka.OFFSET_BEGINNING)

    def _seek(self, partition: TopicPartition, offset: int) -> None:
        try:
            self._consumer.seek(
                confluent_kafka.TopicPartition(partition.topic, partition.partition, offset)
            )
        except confluent_kafka.KafkaException as exc:
            err = exc.args[0]
            # A partition just assigned has no fetcher yet until its committed offset is
            # known, and librdkafka refuses to seek it: it will start there (or, with no
            # commit, at the beginning: auto.offset.reset), so asking for that is done.
            if err.code() != confluent_kafka.KafkaError._STATE or offset != self._start(partition):
                raise _error(err) from None

    def _start(self, partition: TopicPartition) -> int:
        committed = self.committed(partition)
        return confluent_kafka.OFFSET_BEGINNING if committed is None else int(committed.offset)

    def pause(self, *partitions: TopicPartition) -> None:
        """Stop fetching ``partitions``; ``ValueError`` for one not assigned."""
        self._flow(self._consumer.pause, partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        """Fetch ``partitions`` again; ``ValueError`` for one not assigned."""
        self._flow(self._consumer.resume, partitions)

    @staticmethod
    def _flow(change: Callable[[list[Any]], None], partitions: tuple[TopicPartition, ...]) -> None:
        try:
            change([confluent_kafka.TopicPartition(tp.topic, tp.partition) for tp in partitions])
        except confluent_kafka.KafkaException as exc:
            raise ValueError(str(_error(exc.args[0]))) from None

    def close(self) -> None:
        """Leave the group."""
        self._consumer.close()


def _theirs(offsets: dict[Any, Any]) -> list[confluent_kafka.TopicPartition]:
    return [
        confluent_kafka.TopicPartition(tp.topic, tp.partition, om.offset, metadata=om.metadata)
        for tp, om in offsets.items()
    ]


def _as_bytes(value: str | bytes | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value

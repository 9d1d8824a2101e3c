"""The driver's Kafka source: a consumer-group member's partitions, commits and dead letters.

Each partition is a lane of the driver (its own core: a trace's spans all land on one
partition). Offsets are committed only after every event and dead letter produced so far
is acknowledged, and only up to the oldest offset an open run still needs; the commit
metadata (:mod:`rebound.commit_mark`) tells the next owner what was already delivered.
When a delivery fails nothing is committed: the partitions are paused, and after a
jittered, growing back-off the kept records are sent again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, Protocol

from rebound.collector.errors import BadPayload
from rebound.collector.kafka_config import KafkaSettings
from rebound.collector.kafka_delivery import CheckedProducer, DeliveryFailed
from rebound.commit_mark import CommitMark, next_commit
from rebound.driver import Arrival, Driver, Payload
from rebound.exporters.prometheus import Metrics

log = logging.getLogger(__name__)

Decoder = Callable[[bytes | None, str], Payload]
"""A message value and its topic → what it decoded to (spans, or log records)."""
"""Bytes of one message to what it holds; raises ``BadPayload`` for what cannot be read."""

BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0
FLUSH_TIMEOUT_SECONDS = 30.0
REVOKE_FLUSH_SECONDS = 2.0
"""A rebalance callback blocks the group's heartbeats: it waits for acks only briefly."""


class ConsumerClient(Protocol):
    """The calls Rebound makes of a Kafka consumer (kafka-python's ``KafkaConsumer`` fits)."""

    def subscribe(self, topics: list[str], listener: Any = ...) -> None: ...

    def poll(self, timeout_ms: int = ...) -> dict[Any, list[Any]]: ...

    def committed(self, partition: Any, metadata: bool = ...) -> Any: ...

    def commit(self, offsets: Any = ...) -> None: ...

    def commit_async(self, offsets: Any = ...) -> Any: ...

    def seek(self, partition: Any, offset: int) -> None: ...

    def seek_to_beginning(self, *partitions: Any) -> None: ...

    def pause(self, *partitions: Any) -> None: ...

    def resume(self, *partitions: Any) -> None: ...

    def close(self) -> None: ...


def _offset_and_metadata(offset: int, metadata: str) -> Any:
    from kafka.structs import OffsetAndMetadata

    return OffsetAndMetadata(offset, metadata, -1)


def _rebalance_listener(source: KafkaSource) -> Any:
    """kafka-python's listener type, forwarding the group's callbacks to ``source``."""
    from kafka import ConsumerRebalanceListener

    class Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
        def on_partitions_revoked(self, revoked: Any) -> None:
            source.revoked(list(revoked))

        def on_partitions_assigned(self, assigned: Any) -> None:
            source.assigned(list(assigned))

        def on_partitions_lost(self, lost: Any) -> None:
            source.revoked(list(lost), commit=False)

    return Rebalance()


class KafkaSource:
    """Polls the spans topic for the driver; commits, dead-letters and backs off."""

    def __init__(
        self,
        kafka: KafkaSettings,
        consumer: ConsumerClient,
        producer: CheckedProducer,
        metrics: Metrics,
        decode: Decoder,
        stop: threading.Event | None = None,
        offsets: Callable[[int, str], Any] = _offset_and_metadata,
        listener: Callable[[KafkaSource], Any] = _rebalance_listener,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kafka, self.consumer, self.producer = kafka, consumer, producer
        self.metrics, self.decode, self._offsets = metrics, decode, offsets
        self._listener = listener
        self.stop = stop or threading.Event()
        self._monotonic = monotonic
        self._driver: Driver | None = None
        self._pending: set[Hashable] = set()
        self._last_commit = monotonic()
        self._failures = 0
        self._retry_at: float | None = None
        self.commits = 0

    @property
    def driver(self) -> Driver:
        """The driver this source feeds (see :meth:`bind`)."""
        assert self._driver is not None, "the source is used by Driver.run"
        return self._driver

    # -- the driver's Source -------------------------------------------------------
    def batches(self) -> Iterator[Sequence[Arrival]]:
        """Records as they are polled, until ``stop`` is set."""
        topics = [self.kafka.spans_topic, self.kafka.logs_topic]
        self.consumer.subscribe(topics, listener=self._listener(self))
        while not self.stop.is_set():
            polled = self.consumer.poll(timeout_ms=200)
            if self._pending:
                adopted = self._adopt(sorted(self._pending, key=str))
                # rewound to their commits: what this poll got of them comes again
                polled = {tp: records for tp, records in polled.items() if tp not in adopted}
            yield [
                self._arrival(tp, record)
                for tp, records in polled.items()
                if tp in self._owned()
                for record in records
            ]

    def bind(self, driver: Driver) -> None:
        """The driver whose lanes are this member's partitions."""
        self._driver = driver

    def _owned(self) -> dict[Hashable, Any]:
        return self.driver.lanes

    def _arrival(self, tp: Hashable, record: Any) -> Arrival:
        try:
            payload: Payload | BadPayload = self.decode(record.value, getattr(tp, "topic", ""))
        except BadPayload as exc:
            payload = exc
        return Arrival(tp, payload, record.offset, record)

    def reject(self, driver: Driver, arrival: Arrival, error: BadPayload) -> None:
        """Send the message as it came to the dead-letter topic, saying why."""
        record, where = arrival.raw, arrival.lane
        log.warning("%s@%s to the DLQ: %s", where, arrival.position, error)
        headers = [
            ("rebound.reason", error.reason.encode()),
            ("rebound.detail", error.detail[:512].encode()),
            ("rebound.source", f"{where}@{arrival.position}".encode()),
        ]
        self.producer.send(self.kafka.dlq_topic, record.key, record.value or b"", headers)
        self.metrics.dlq.labels(error.reason).inc()

    def settle(self, driver: Driver) -> None:
        """Commit when due; after a failed delivery, retry once the back-off has passed."""
        due = self._last_commit + self.kafka.commit_interval_seconds
        if self._monotonic() >= (self._retry_at if self._retry_at is not None else due):
            self.commit(list(driver.lanes))

    def finish(self, driver: Driver) -> None:
        """Stop: let the model tier finish, commit what is owned, close the clients.

        Open runs stay open: the next owner rebuilds them from the committed offset.
        """
        try:
            driver.outputs.close()
            self.commit(list(driver.lanes))
        finally:
            self.consumer.close()
            self.producer.close(timeout=10)

    # -- commits -------------------------------------------------------------------
    def commit(self, partitions: list[Hashable], sync: bool = True) -> bool:
        """Flush every record; if all were acknowledged, commit ``partitions``' marks.

        After a failed delivery the kept records are sent again first.
        """
        self._last_commit = self._monotonic()
        if self._retry_at is not None:
            self._retry_at = None
            self.producer.retry()
        offsets = self._marks(partitions)
        try:
            self.producer.flush(FLUSH_TIMEOUT_SECONDS if sync else REVOKE_FLUSH_SECONDS)
        except DeliveryFailed as exc:
            self._delivery_failed(exc)
            return False
        if self._failures:
            log.info("deliveries recovered after %d failed attempts", self._failures)
            self._failures = 0
            self._flow(list(self.driver.lanes), resume=True)
        if not offsets:
            return True
        try:
            if sync:
                self.consumer.commit(offsets)
            else:  # from a rebalance callback, which must not block the consumer's loop
                self.consumer.commit_async(offsets)
        except Exception as exc:  # a rebalance or the broker: the next commit covers it
            log.warning("offset commit failed for %s: %s", sorted(map(str, offsets)), exc)
            return False
        self.commits += 1
        return True

    def _marks(self, partitions: list[Hashable]) -> dict[Hashable, Any]:
        out = {}
        for tp in partitions:
            lane = self.driver.lanes.get(tp)
            if lane is None or lane.last_position is None:
                continue  # nothing read since it was adopted: the last commit stands
            offset, mark = next_commit(lane.mark, lane.core.runs.values(), lane.last_position)
            out[tp] = self._offsets(offset, mark.encode(offset))
        return out

    def _delivery_failed(self, exc: DeliveryFailed) -> None:
        self._failures += 1
        wait = BACKOFF_FIRST_SECONDS * 2 ** min(self._failures - 1, 16)
        wait = min(BACKOFF_MAX_SECONDS, wait * random.uniform(0.8, 1.2))  # jitter, not secrecy
        self._retry_at = self._monotonic() + wait
        self._flow(list(self.driver.lanes), resume=False)
        log.warning(
            "delivery failed (attempt %d), nothing committed; input paused, retry in %.1fs: %s",
            self._failures,
            wait,
            exc,
        )

    def _flow(self, partitions: list[Hashable], resume: bool) -> None:
        """Pause or resume fetching; a partition a rebalance just took is skipped."""
        change = self.consumer.resume if resume else self.consumer.pause
        for tp in partitions:
            try:
                change(tp)
            except (KeyError, ValueError) as exc:  # no longer assigned
                log.debug("cannot %s %s: %s", "resume" if resume else "pause", tp, exc)

    # -- group membership ----------------------------------------------------------
    def assigned(self, partitions: list[Hashable]) -> None:
        """Note new partitions; they are adopted after the poll, outside the callback."""
        self._pending.update(partitions)

    def _adopt(self, partitions: list[Hashable]) -> set[Hashable]:
        """A lane per new partition, read from its committed offset (returned: the partitions).

        The lane starts from what the previous owner delivered (the commit's mark), so
        fetching must restart at that commit too. A partition this member kept through an
        eager rebalance had its runs dropped at the revoke, but kafka-python keeps its
        fetch position: without the seek, the input of the runs open then would be skipped.
        Reading committed offsets blocks, which kafka-python does not allow inside its
        rebalance callbacks: so this runs from the poll loop.
        """
        self._pending.clear()
        for tp in partitions:
            committed = self.consumer.committed(tp, metadata=True)
            mark = CommitMark()
            if committed is None:
                self.consumer.seek_to_beginning(tp)  # nothing committed: all of it is new
            else:
                self.consumer.seek(tp, committed.offset)
                try:
                    mark = CommitMark.decode(committed.metadata, committed.offset)
                except ValueError as exc:
                    log.warning("%s: %s; counting its input as new", tp, exc)
            self.driver.open_lane(tp, mark)
        if self._failures:
            self._flow(partitions, resume=False)
        log.info("assigned %s", sorted(map(str, partitions)))
        return set(partitions)

    def revoked(self, partitions: list[Hashable], commit: bool = True) -> None:
        """Partitions going elsewhere: commit what they need (if delivered), drop their runs."""
        owned = [tp for tp in partitions if tp in self.driver.lanes]
        if commit and owned:
            self.commit(owned, sync=False)
        for tp in owned:
            self.driver.drop_lane(tp)
        self._pending.difference_update(partitions)
        log.info("revoked %s", sorted(map(str, owned)))

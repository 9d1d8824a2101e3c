"""An in-memory Kafka for unit tests: topics, a group's committed offsets, fake clients.

Only what Rebound uses: partitioned topics, offsets with metadata, group members whose
assignment the test changes (the rebalance callbacks run inside the next ``poll``, as in
kafka-python), and a producer whose deliveries can fail (broker down, record too large).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from kafka.structs import OffsetAndMetadata, TopicPartition


@dataclass
class Message:
    """A stored record."""

    key: bytes | None
    value: bytes
    offset: int
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class FakeBroker:
    """Topics of partitions, and the committed offsets of consumer groups."""

    def __init__(self) -> None:
        self.topics: dict[str, list[list[Message]]] = {}
        self.committed: dict[TopicPartition, OffsetAndMetadata] = {}
        self.commit_log: list[dict[TopicPartition, OffsetAndMetadata]] = []
        self.up = True  # partition leaders take records
        self.coordinator_up = True  # the group coordinator takes commits
        self.max_bytes: int | None = None  # records larger than this are refused

    def topic(self, name: str, partitions: int = 1) -> str:
        self.topics.setdefault(name, [[] for _ in range(partitions)])
        return name

    def append(
        self, topic: str, partition: int, key: bytes | None, value: bytes, headers: Any = ()
    ) -> int:
        log = self.topics.setdefault(topic, [[]])[partition]
        log.append(Message(key, value, len(log), list(headers)))
        return len(log) - 1

    def produce(self, topic: str, key: bytes | None, value: bytes, headers: Any = ()) -> int:
        """Append to the partition the key hashes to, as a keyed producer would."""
        parts = self.topics.setdefault(topic, [[]])
        partition = zlib.crc32(key or b"") % len(parts)
        return self.append(topic, partition, key, value, headers)

    def values(self, topic: str) -> list[bytes]:
        return [m.value for part in self.topics.get(topic, []) for m in part]

    def messages(self, topic: str) -> list[Message]:
        return [m for part in self.topics.get(topic, []) for m in part]


class FakeFuture:
    """A ``send()`` future: done or not, failed or not."""

    def __init__(self) -> None:
        self.is_done = False
        self.exception: BaseException | None = None

    def get(self, timeout: float | None = None) -> None:
        if self.exception is not None:
            raise self.exception
        if not self.is_done:
            raise KafkaTimeoutError("not done")


class FakeProducer:
    """Records wait until ``flush`` (or ``get``); the broker's state decides their fate."""

    def __init__(self, broker: FakeBroker, max_request_size: int = 1_048_576) -> None:
        self.broker, self.max_request_size = broker, max_request_size
        self._queued: list[tuple[FakeFuture, str, bytes | None, bytes, list[Any]]] = []
        self.closed = False

    def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: Any = None,
    ) -> FakeFuture:
        assert value is not None
        if len(value) > self.max_request_size:
            raise MessageSizeTooLargeError(f"{len(value)} bytes")
        future = FakeFuture()
        self._queued.append((future, topic, key, value, list(headers or [])))
        return future

    def flush(self, timeout: float | None = None) -> None:
        queued, self._queued = self._queued, []
        for future, topic, key, value, headers in queued:
            future.is_done = True
            if not self.broker.up:
                future.exception = KafkaTimeoutError("delivery timeout expired")
            elif self.broker.max_bytes is not None and len(value) > self.broker.max_bytes:
                future.exception = MessageSizeTooLargeError("record too large for the topic")
            else:
                self.broker.produce(topic, key, value, headers)

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


class FakeConsumer:
    """One group member; ``assign`` stages a rebalance that the next ``poll`` performs.

    ``eager``: as kafka-python 3 does with the eager protocol, a rebalance revokes every
    partition and assigns every new one, but a partition the member keeps keeps its fetch
    position. Otherwise only the partitions that move are revoked or assigned.
    """

    def __init__(
        self, broker: FakeBroker, max_poll_records: int = 500, eager: bool = False
    ) -> None:
        self.broker, self.max_poll_records, self.eager = broker, max_poll_records, eager
        self.listener: Any = None
        self.topics: list[str] = []
        self.assignment: list[TopicPartition] = []
        self.positions: dict[TopicPartition, int] = {}
        self.paused: set[TopicPartition] = set()
        self._next: list[TopicPartition] | None = None
        self.closed = False
        self.polls = 0

    def subscribe(self, topics: list[str], listener: Any = None) -> None:
        self.topics, self.listener = list(topics), listener

    def assign(self, partitions: Iterable[TopicPartition]) -> None:
        """Stage a new assignment (a rebalance), performed inside the next poll."""
        self._next = list(partitions)

    def poll(self, timeout_ms: int = 0) -> dict[TopicPartition, list[Message]]:
        self.polls += 1
        if self._next is not None:
            self._rebalance(self._next)
            self._next = None
        out: dict[TopicPartition, list[Message]] = {}
        budget = self.max_poll_records
        for tp in self.assignment:
            if tp in self.paused or budget <= 0:
                continue
            log = self.broker.topics[tp.topic][tp.partition]
            start = self.positions[tp]
            batch = log[start : start + budget]
            if batch:
                out[tp] = batch
                self.positions[tp] = start + len(batch)
                budget -= len(batch)
        return out

    def _rebalance(self, new: list[TopicPartition]) -> None:
        moved_in = [tp for tp in new if tp not in self.assignment]
        revoked = self.assignment if self.eager else [tp for tp in self.assignment if tp not in new]
        added = new if self.eager else moved_in
        if revoked and self.listener is not None:
            self.listener.on_partitions_revoked(set(revoked))
        self.assignment = list(new)
        self.paused &= set(new)
        for tp in moved_in:
            committed = self.broker.committed.get(tp)
            self.positions[tp] = committed.offset if committed is not None else 0
        if added and self.listener is not None:
            self.listener.on_partitions_assigned(set(added))

    def committed(self, partition: TopicPartition, metadata: bool = False) -> Any:
        found = self.broker.committed.get(partition)
        if found is None or metadata:
            return found
        return found.offset

    def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata] | None = None) -> None:
        assert offsets is not None
        if not self.broker.coordinator_up:
            raise KafkaTimeoutError("coordinator unavailable")
        self.broker.committed.update(offsets)
        self.broker.commit_log.append(dict(offsets))

    def commit_async(self, offsets: dict[TopicPartition, OffsetAndMetadata] | None = None) -> None:
        self.commit(offsets)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        assert partition in self.assignment, f"{partition} is not assigned"
        self.positions[partition] = offset

    def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        for tp in partitions:
            self.seek(tp, 0)

    def pause(self, *partitions: TopicPartition) -> None:
        self.paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.paused.difference_update(partitions)

    def close(self) -> None:
        self.closed = True

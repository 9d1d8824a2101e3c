"""A real Kafka broker for integration tests, and small helpers to use it with kafka-python.

The broker comes from the first of: ``KAFKA_BOOTSTRAP_SERVERS`` (one already running),
testcontainers when a Docker engine answers, or ``deploy/kafka/local-kafka.sh`` (Maven Central
jars run by the local Java). When none can be had, :class:`KafkaUnavailable` says why.
"""

from __future__ import annotations

import importlib
import os
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from tests.support.certs import Certs, make_certs
from tests.support.net import free_port

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "kafka" / "local-kafka.sh"
CONTAINER_IMAGE = "confluentinc/cp-kafka:7.6.0"
START_TIMEOUT_S = 120


class KafkaUnavailable(Exception):
    """No broker can be had on this machine; the message says why."""


def no_broker(reason: str) -> NoReturn:
    """Skip a broker test, or fail it when ``CI`` is set: CI starts a broker, so none is a bug."""
    import pytest

    if os.environ.get("CI"):
        pytest.fail(f"CI is set but no Kafka broker could be had: {reason}")
    pytest.skip(reason)


def docker_answers(timeout: float = 2.0) -> bool:
    """Whether a Docker engine answers a ping within ``timeout`` seconds."""
    try:
        # Imported by name: the docker SDK ships no type hints (and needs none here).
        docker: Any = importlib.import_module("docker")
        client = docker.from_env(timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # no SDK, no socket, no daemon: all mean "no Docker"
        return False


def script_missing_tools() -> list[str]:
    """The tools ``local-kafka.sh`` needs that are not on PATH (empty when it can run)."""
    return [tool for tool in ("bash", "java", "mvn") if shutil.which(tool) is None]


@contextmanager
def container_broker() -> Iterator[str]:
    """A KRaft broker in a testcontainers container, removed on exit."""
    try:
        from testcontainers.community.kafka import KafkaContainer
    except ImportError:  # testcontainers < 4.13 has it at the old path
        from testcontainers.kafka import KafkaContainer

    container = (
        KafkaContainer(CONTAINER_IMAGE)
        .with_kraft()
        .with_env("KAFKA_NUM_PARTITIONS", "4")
        .with_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true")
    )
    container.start(timeout=START_TIMEOUT_S)
    try:
        yield str(container.get_bootstrap_server())
    finally:
        container.stop()


@dataclass(frozen=True)
class SecureListener:
    """The broker's SASL_SSL listener: SCRAM-SHA-256/512 over TLS with a test-made certificate."""

    bootstrap: str
    certs: Certs
    user: str
    password: str

    def settings(self, mechanism: str | None = "SCRAM-SHA-512") -> dict[str, Any]:
        """``KafkaSettings`` fields that reach the broker through this listener."""
        return {
            "bootstrap_servers": self.bootstrap,
            "security_protocol": "SASL_SSL" if mechanism else "SSL",
            "sasl_mechanism": mechanism,
            "sasl_username": self.user,
            "sasl_password": self.password,
            "ssl_cafile": str(self.certs.ca),
        }


def new_secure_listener(work_dir: Path) -> SecureListener:
    """A free port, a new CA and server certificate, and a SCRAM user with a random password."""
    return SecureListener(
        f"127.0.0.1:{free_port()}",
        make_certs(work_dir / "certs"),
        "rebound-test",
        secrets.token_urlsafe(18),
    )


class Broker:
    """A ``local-kafka.sh`` broker on free ports that a test starts and stops (outages)."""

    def __init__(self, data: Path) -> None:
        self.port, self.controller = free_port(), free_port()
        while self.controller == self.port:
            self.controller = free_port()
        self.args = [
            "bash",
            str(SCRIPT),
            "--port",
            str(self.port),
            "--controller-port",
            str(self.controller),
            "--data",
            str(data),
            "--timeout",
            str(START_TIMEOUT_S),
        ]

    def run(self, action: str) -> None:
        """``start`` or ``stop`` it; the script's error output when it fails."""
        done = subprocess.run([*self.args, action], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def own_broker(data: Path) -> Iterator[Broker]:
    """A started broker of the test's own, which it may stop and start (an outage); stopped
    on exit."""
    if missing := script_missing_tools():
        no_broker(f"needs its own broker from deploy/kafka/local-kafka.sh: missing {missing}")
    broker = Broker(data)
    broker.run("start")
    try:
        yield broker
    finally:
        broker.run("stop")


@contextmanager
def script_broker(data_dir: Path, secure: SecureListener | None = None) -> Iterator[str]:
    """A broker run by ``local-kafka.sh`` on free ports with its own data dir; stopped on exit.

    With ``secure``, it also listens SASL_SSL there (SCRAM user made at format time).
    """
    broker = Broker(data_dir)
    env = dict(os.environ)
    extra: list[str] = []
    if secure is not None:
        extra = [
            "--secure-port",
            secure.bootstrap.rsplit(":", 1)[1],
            "--tls-cert",
            str(secure.certs.cert),
            "--tls-key",
            str(secure.certs.key),
            "--scram-user",
            secure.user,
        ]
        env["KAFKA_SCRAM_PASSWORD"] = secure.password
    try:
        started = subprocess.run(
            [*broker.args, *extra, "start"],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S + 300,
            env=env,
        )
        if started.returncode != 0:
            raise RuntimeError(
                f"local-kafka.sh start failed ({started.returncode}):\n{started.stderr[-4000:]}"
            )
        yield broker.bootstrap
    finally:
        # Also after a failed or timed-out start: the broker may be up without its script.
        stop = [*broker.args, "stop"]
        subprocess.run(stop, capture_output=True, text=True, timeout=120, check=False)


@contextmanager
def kafka_broker(work_dir: Path, secure: SecureListener | None = None) -> Iterator[str]:
    """The bootstrap address of a reachable broker, kept up for the ``with`` block.

    ``secure`` is set up only on a broker this process starts (``local-kafka.sh``).
    """
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if external:
        yield external
    elif docker_answers():
        with container_broker() as bootstrap:
            yield bootstrap
    elif missing := script_missing_tools():
        raise KafkaUnavailable(
            "no Kafka broker: KAFKA_BOOTSTRAP_SERVERS is unset, no Docker engine answers, and "
            f"deploy/kafka/local-kafka.sh cannot run without {', '.join(missing)}"
        )
    else:
        with script_broker(work_dir / "broker", secure) as bootstrap:
            yield bootstrap


def _admin(bootstrap: str) -> Any:
    from kafka import KafkaAdminClient

    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id="rebound-tests")


def new_topic(bootstrap: str, partitions: int = 4) -> str:
    """Create a uniquely named topic and wait until every partition has a leader."""
    from kafka.admin import NewTopic

    name = f"test-{uuid.uuid4().hex}"
    admin = _admin(bootstrap)
    try:
        admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
        admin.wait_for_topics([name], timeout_ms=30_000)
    finally:
        admin.close()
    return name


def new_group() -> str:
    """A consumer group id no other test uses."""
    return f"test-group-{uuid.uuid4().hex}"


def consume_all(
    bootstrap: str, topic: str, expected: int, timeout: float = 60.0, group: str | None = None
) -> list[Any]:
    """Read ``topic`` from the start with a consumer group until ``expected`` records arrived.

    Returns the kafka-python ``ConsumerRecord`` objects in arrival order; raises
    ``AssertionError`` naming the shortfall when fewer arrive within ``timeout`` seconds.
    """
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group or new_group(),
        auto_offset_reset="earliest",
        enable_auto_commit=True,
        # Short session and heartbeat so that joining the group takes about a second.
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
    finally:
        consumer.close()
    if len(records) < expected:
        raise AssertionError(
            f"only {len(records)} of {expected} records arrived on {topic} within {timeout}s"
        )
    return records


def fresh_settings(bootstrap: str, spans_partitions: int = 4) -> Any:
    """``KafkaSettings`` with fresh topics and consumer group, and short group timings."""
    from rebound.collector.kafka_config import KafkaSettings

    return KafkaSettings(
        bootstrap_servers=bootstrap,
        spans_topic=new_topic(bootstrap, spans_partitions),
        logs_topic=new_topic(bootstrap, 4),
        errors_topic=new_topic(bootstrap, 4),
        dlq_topic=new_topic(bootstrap, 1),
        group_id=new_group(),
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        commit_interval_seconds=0.2,
    )

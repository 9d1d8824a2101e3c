"""Sends simulated runs through the real OpenTelemetry SDK: one TracerProvider per agent."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import Status, StatusCode

from rebound.demo.generator import SimRun, SimSpan

SCOPE = "rebound.demo"


class _PresetIds(IdGenerator):
    """Hands the SDK the ids the simulator chose, so what is sent matches ``generate_runs``."""

    def __init__(self) -> None:
        self.trace_id = 0
        self.span_id = 0

    def generate_trace_id(self) -> int:
        return self.trace_id

    def generate_span_id(self) -> int:
        return self.span_id

    def is_trace_id_random(self) -> bool:
        return True


@dataclass(slots=True)
class _Agent:
    provider: TracerProvider
    tracer: trace.Tracer
    ids: _PresetIds


class SpanEmitter:
    """Replays runs as SDK spans: one TracerProvider per (agent, version) resource."""

    def __init__(
        self, processor_factory: Callable[[], SpanProcessor], time_scale: float = 1.0
    ) -> None:
        self._processor_factory = processor_factory
        self._scale = time_scale
        self._agents: dict[tuple[str, str], _Agent] = {}
        self._lock = threading.Lock()

    def emit(self, run: SimRun, start_ns: int) -> None:
        """Create and end every span of ``run``, its simulated times shifted to ``start_ns``."""
        with self._lock:
            agent = self._agent(run.agent, run.agent_version)
            agent.ids.trace_id = run.trace_id
            root_sim, *children = run.spans
            root = self._start(agent, root_sim, None, start_ns, self._scale)
            parent = trace.set_span_in_context(root)
            for sim in children:
                span = self._start(agent, sim, parent, start_ns, self._scale)
                self._finish(span, sim, start_ns, self._scale)
            self._finish(root, root_sim, start_ns, self._scale)

    def shutdown(self) -> None:
        """Flush and close every provider (and with it its exporter). Idempotent."""
        with self._lock:
            agents, self._agents = list(self._agents.values()), {}
        for agent in agents:
            agent.provider.shutdown()

    def _agent(self, name: str, version: str) -> _Agent:
        agent = self._agents.get((name, version))
        if agent is None:
            ids = _PresetIds()
            resource = Resource.create(
                {
                    "service.name": name,
                    "service.version": version,
                    # Fixed, not the SDK's per-process uuid4, so written files are reproducible.
                    "service.instance.id": str(
                        uuid.uuid5(uuid.NAMESPACE_URL, f"{SCOPE}/{name}/{version}")
                    ),
                }
            )
            provider = TracerProvider(resource=resource, id_generator=ids, shutdown_on_exit=False)
            provider.add_span_processor(self._processor_factory())
            agent = _Agent(provider, provider.get_tracer(SCOPE, version), ids)
            self._agents[(name, version)] = agent
        return agent

    @staticmethod
    def _start(
        agent: _Agent, sim: SimSpan, parent: Context | None, start_ns: int, scale: float
    ) -> trace.Span:
        agent.ids.span_id = sim.span_id
        return agent.tracer.start_span(
            sim.name,
            context=parent,
            kind=sim.kind,
            attributes=sim.attributes,
            start_time=start_ns + int(sim.start_ns * scale),
        )

    @staticmethod
    def _finish(span: trace.Span, sim: SimSpan, start_ns: int, scale: float) -> None:
        for event in sim.events:
            at = start_ns + int(event.offset_ns * scale)
            span.add_event(event.name, event.attributes, timestamp=at)
        span.set_attributes(sim.end_attributes)
        if sim.error is not None:
            span.set_status(Status(StatusCode.ERROR, sim.error))
        span.end(end_time=start_ns + int(sim.end_ns * scale))


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces URL for a base endpoint (``/v1/traces`` appended unless present)."""
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1/traces") else f"{base}/v1/traces"


def batch_processor(url: str) -> SpanProcessor:
    """A BatchSpanProcessor with an OTLP/HTTP exporter to ``url``."""
    # A short delay so the receiver sees runs within a second; a queue deep enough for bursts.
    return BatchSpanProcessor(
        OTLPSpanExporter(endpoint=url),
        max_queue_size=16384,
        schedule_delay_millis=500,
        max_export_batch_size=1024,
    )

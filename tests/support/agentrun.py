"""Build agent runs with the real OpenTelemetry SDK, in any of the three span conventions."""

from __future__ import annotations

import json
from typing import Any

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import Status, StatusCode

from rebound.collector.otlp_proto import decode_protobuf
from rebound.collector.spans import Span

SECOND = 1_000_000_000


class RunBuilder:
    """One agent run: a root agent span, a model call before each tool step, tool spans."""

    def __init__(
        self,
        model: str = "gpt-test",
        convention: str = "genai",
        agent: str = "test-agent",
        version: str = "1.0.0",
        t0: int = 1_700_000_000 * SECOND,
        llm_before_tools: bool = True,
        ids: IdGenerator | None = None,
    ) -> None:
        self.model, self.convention, self.agent = model, convention, agent
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider(
            resource=Resource.create({"service.name": agent, "service.version": version}),
            id_generator=ids,
        )
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = self.provider.get_tracer("rebound-tests")
        self.t = t0
        self.llm_before_tools = llm_before_tools
        self.root = self.tracer.start_span("invoke_agent", start_time=self.t)
        self.ctx = trace.set_span_in_context(self.root)
        self.t += SECOND

    def _child(self, name: str, attrs: dict[str, Any], seconds: float, error: bool) -> None:
        span = self.tracer.start_span(name, context=self.ctx, start_time=self.t, attributes=attrs)
        if error:
            span.set_status(Status(StatusCode.ERROR, "failed"))
        self.t += int(seconds * SECOND)
        span.end(end_time=self.t)
        self.t += SECOND // 10

    def llm(self, exception: tuple[str, str] | None = None) -> RunBuilder:
        """A model call; ``exception`` = (type, message) makes it fail with an exception event."""
        attrs = self._llm_attrs()
        span = self.tracer.start_span(
            f"chat {self.model}", context=self.ctx, start_time=self.t, attributes=attrs
        )
        if exception is not None:
            span.add_event(
                "exception",
                {"exception.type": exception[0], "exception.message": exception[1]},
                timestamp=self.t,
            )
            span.set_status(Status(StatusCode.ERROR, exception[1]))
        self.t += 2 * SECOND
        span.end(end_time=self.t)
        self.t += SECOND // 10
        return self

    def _llm_attrs(self) -> dict[str, Any]:
        if self.convention == "openinference":
            return {"openinference.span.kind": "LLM", "llm.model_name": self.model}
        if self.convention == "openllmetry":
            return {
                "llm.request.type": "chat",
                "gen_ai.request.model": self.model,
                "gen_ai.response.model": self.model,
            }
        return {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": self.model,
            "gen_ai.response.model": self.model,
            "gen_ai.provider.name": "test",
        }

    def tool(
        self,
        command: str,
        output: str = "",
        exit_code: int | None = 0,
        tool: str = "bash",
        seconds: float = 1.0,
        status_error: bool | None = None,
    ) -> RunBuilder:
        """A tool step; status ERROR follows a non-zero exit unless ``status_error`` says."""
        if self.llm_before_tools:
            self.llm()
        attrs = self._tool_attrs(tool, command, output, exit_code)
        error = (exit_code not in (0, None)) if status_error is None else status_error
        self._child(f"execute_tool {tool}", attrs, seconds, error)
        return self

    def _tool_attrs(self, tool: str, command: str, output: str, code: int | None) -> dict[str, Any]:
        args = json.dumps({"command": command})
        attrs: dict[str, Any]
        if self.convention == "openinference":
            attrs = {
                "openinference.span.kind": "TOOL",
                "tool.name": tool,
                "tool.parameters": args,
                "input.value": args,
                "output.value": output,
            }
            key = "rebound.tool.exit_code"
        elif self.convention == "openllmetry":
            attrs = {
                "traceloop.span.kind": "tool",
                "traceloop.entity.name": tool,
                "traceloop.entity.input": json.dumps({"args": [], "kwargs": {"command": command}}),
                "traceloop.entity.output": json.dumps(output),
            }
            key = "rebound.tool.exit_code"
        else:
            attrs = {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": tool,
                "gen_ai.tool.call.arguments": args,
                "gen_ai.tool.call.result": output,
            }
            key = "process.exit.code"
        if code is not None:
            attrs[key] = code
        return attrs

    def finish(self, outcome: str | None = None, status_error: bool | None = None) -> list[Span]:
        """End the root span (with ``rebound.run.outcome``) and return the decoded spans."""
        attrs = self._agent_attrs()
        if outcome is not None:
            attrs["rebound.run.outcome"] = outcome
        self.root.set_attributes(attrs)
        if status_error if status_error is not None else outcome in ("failed", "aborted"):
            self.root.set_status(Status(StatusCode.ERROR, "task failed"))
        self.root.end(end_time=self.t + SECOND)
        return self.spans()

    def _agent_attrs(self) -> dict[str, Any]:
        if self.convention == "openinference":
            return {
                "openinference.span.kind": "AGENT",
                "agent.name": self.agent,
                "llm.model_name": self.model,
                "rebound.task.id": "task-1",
            }
        if self.convention == "openllmetry":
            return {
                "traceloop.span.kind": "agent",
                "traceloop.entity.name": self.agent,
                "rebound.task.id": "task-1",
            }
        return {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": self.agent,
            "gen_ai.request.model": self.model,
            "rebound.task.id": "task-1",
        }

    def protobuf(self) -> bytes:
        """All finished spans as one OTLP ExportTraceServiceRequest."""
        return bytes(encode_spans(self.exporter.get_finished_spans()).SerializeToString())

    def spans(self) -> list[Span]:
        """All finished spans, through the real OTLP encoder and Rebound's decoder."""
        decoded = decode_protobuf(self.protobuf())
        assert not decoded.rejected, decoded.rejected
        return decoded.spans

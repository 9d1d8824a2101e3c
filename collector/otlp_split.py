"""Split an OTLP trace request into one request per trace, keeping every field."""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


def split_by_trace(request: Any) -> dict[str, Any]:
    """``{trace id hex: ExportTraceServiceRequest}`` with resource and scope copied as they are."""
    out: dict[str, Any] = {}
    for r_index, resource_spans in enumerate(request.resource_spans):
        for s_index, scope_spans in enumerate(resource_spans.scope_spans):
            targets: dict[str, Any] = {}
            for span in scope_spans.spans:
                trace_id = span.trace_id.hex()
                target = targets.get(trace_id)
                if target is None:
                    target = targets[trace_id] = _scope_in(
                        out, trace_id, (r_index, s_index), resource_spans, scope_spans
                    )
                target.spans.add().CopyFrom(span)
    return out


def _scope_in(
    out: dict[str, Any],
    trace_id: str,
    where: tuple[int, int],
    resource_spans: Any,
    scope_spans: Any,
) -> Any:
    request = out.get(trace_id)
    if request is None:
        request = out[trace_id] = ExportTraceServiceRequest()
    target_rs = request.resource_spans.add()
    target_rs.resource.CopyFrom(resource_spans.resource)
    target_rs.schema_url = resource_spans.schema_url
    target_ss = target_rs.scope_spans.add()
    target_ss.scope.CopyFrom(scope_spans.scope)
    target_ss.schema_url = scope_spans.schema_url
    return target_ss

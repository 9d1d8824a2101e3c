"""The neutral span record every transport decodes into."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Attributes = dict[str, Any]

STATUS_UNSET = 0
STATUS_OK = 1
STATUS_ERROR = 2


@dataclass(slots=True)
class SpanEvent:
    """A span event (e.g. ``exception``) with its attributes."""

    name: str
    time_ns: int
    attributes: Attributes


@dataclass(slots=True)
class Span:
    """One decoded OTLP span, ids as lowercase hex, attribute values as Python values.

    ``resource`` is shared by all spans of one ``ResourceSpans`` block: never mutate it.
    """

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: int
    start_ns: int
    end_ns: int
    attributes: Attributes
    status_code: int = STATUS_UNSET
    status_message: str = ""
    events: list[SpanEvent] = field(default_factory=list)
    resource: Attributes = field(default_factory=dict)

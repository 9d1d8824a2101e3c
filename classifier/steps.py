"""A step: one tool execution or model call, normalised from any span convention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StepKind = Literal["tool", "llm", "agent", "other"]


@dataclass(slots=True)
class Step:
    """The convention-free view of one span that detection and recovery work on.

    ``exit_code`` is None when the source recorded none (neither as an attribute nor
    in the output text). ``failed_signal`` is True when the span itself says it failed
    (status ERROR, an exception event, ``success: false``); ``error_text`` holds what
    it said (status message, ``error.type``, exception type/message/stacktrace).
    """

    trace_id: str
    span_id: str
    parent_span_id: str | None
    kind: StepKind
    name: str
    start_ns: int
    end_ns: int
    tool: str | None = None
    command: str | None = None
    output: str = ""
    exit_code: int | None = None
    failed_signal: bool = False
    error_text: str = ""
    model: str | None = None
    agent: str | None = None
    index: int = -1

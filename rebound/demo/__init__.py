"""``rebound demo``: a simulator of agent runs that sends realistic OTLP traces.

Entry points live in ``rebound.demo.simulator`` (``run_demo``, ``generate_runs``,
``write_jsonl``); they are re-exported here.
"""

from rebound.demo.generator import InjectedError, SimRun, SimSpan, make_run
from rebound.demo.jsonl import export_requests, to_otlp_json
from rebound.demo.sender import SpanEmitter, traces_url
from rebound.demo.simulator import (
    DEFAULT_ENDPOINT,
    DemoStats,
    generate_runs,
    iter_runs,
    run_demo,
    write_jsonl,
)

__all__ = [
    "DEFAULT_ENDPOINT",
    "DemoStats",
    "InjectedError",
    "SimRun",
    "SimSpan",
    "SpanEmitter",
    "export_requests",
    "generate_runs",
    "iter_runs",
    "make_run",
    "run_demo",
    "to_otlp_json",
    "traces_url",
    "write_jsonl",
]

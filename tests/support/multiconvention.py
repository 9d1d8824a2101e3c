"""One reproducible OTLP JSON Lines file in every input convention Rebound reads.

In time order: runs built with the OpenTelemetry SDK in the GenAI, OpenInference and
OpenLLMetry span conventions (fixed ids and times), simulated demo runs (GenAI, seeded),
then every client conformance fixture (real Claude Code, Codex CLI and Gemini CLI log and
trace requests; openai-agents and pydantic-ai traces). The same call writes the same bytes,
so a replay of it can be compared with a digest across code changes and across back-ends.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace.id_generator import IdGenerator

from rebound.demo.jsonl import export_requests, to_otlp_json
from rebound.demo.simulator import generate_runs
from tests.support.agentrun import SECOND, RunBuilder
from tests.support.clients import FIXTURES

CONVENTIONS = ("genai", "openinference", "openllmetry")
_T0 = 1_700_000_000 * SECOND


class CountingIds(IdGenerator):
    """Trace and span ids from a counter: the same run gets the same ids every time."""

    def __init__(self, base: int) -> None:
        self._next = base << 32

    def generate_span_id(self) -> int:
        self._next += 1
        return self._next & (2**64 - 1)

    def generate_trace_id(self) -> int:
        self._next += 1
        return (self._next << 64) | 0xABCD

    def is_trace_id_random(self) -> bool:
        return False


def _recovers(run: RunBuilder) -> None:
    run.tool("cat /app/config.yml", "cat: /app/config.yml: No such file or directory", 1)
    run.tool("ls /app", "config.yaml\nmain.py\ntests", 0)
    run.tool("cat /app/config.yaml", "port: 8080", 0)
    run.tool("python -m pytest tests", "FAILED tests/test_main.py::test_port - AssertionError", 1)
    run.tool("sed -i 's/8000/8080/' main.py", "", 0)
    run.tool("python -m pytest tests", "3 passed in 0.12s", 0)


def _gives_up(run: RunBuilder) -> None:
    run.tool("cargo build --release", "bash: cargo: command not found", 127)
    run.tool("which rustc", "", 1)
    run.llm(exception=("RateLimitError", "Error code: 429 - rate limit exceeded"))
    run.tool("git push origin main", "fatal: could not read Username for 'https://github.com'", 128)


def _builder_runs() -> Iterator[bytes]:
    for number, (convention, model, steps, outcome) in enumerate(
        (convention, model, steps, outcome)
        for convention in CONVENTIONS
        for model in ("model-a", "model-b")
        for steps, outcome in ((_recovers, "passed"), (_gives_up, "failed"))
    ):
        run = RunBuilder(
            model=model,
            convention=convention,
            agent=f"{convention}-agent",
            t0=_T0 + number * 600 * SECOND,
            ids=CountingIds(number + 1),
        )
        steps(run)
        run.finish(outcome)
        document = to_otlp_json(encode_spans(run.exporter.get_finished_spans()))
        yield orjson.dumps(_fixed_instance(document, f"run-{number}"))


def _fixed_instance(document: dict[str, Any], instance: str) -> dict[str, Any]:
    """The SDK's random ``service.instance.id`` replaced, so the bytes are the same each time."""
    for resource_spans in document["resourceSpans"]:
        for attribute in resource_spans["resource"]["attributes"]:
            if attribute["key"] == "service.instance.id":
                attribute["value"] = {"stringValue": instance}
    return document


def _demo_runs(seed: int, runs: int) -> Iterator[bytes]:
    for request in export_requests(generate_runs(seed, runs)):
        yield orjson.dumps(to_otlp_json(request))


def _fixture_lines() -> Iterator[bytes]:
    for path in sorted(FIXTURES.glob("*/*.jsonl.gz")):
        with gzip.open(path, "rb") as stream:
            yield from (line.rstrip(b"\n") for line in stream if line.strip())


def write_multi_convention(path: Path, demo_seed: int = 3, demo_runs: int = 200) -> int:
    """Write the file to ``path``; returns its number of lines."""
    parts: tuple[Callable[[], Iterator[bytes]], ...] = (
        _builder_runs,
        lambda: _demo_runs(demo_seed, demo_runs),
        _fixture_lines,
    )
    written = 0
    with path.open("wb") as out:
        for part in parts:
            for line in part():
                out.write(line + b"\n")
                written += 1
    return written


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()

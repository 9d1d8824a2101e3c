"""The labelled fixture of ``rebound eval``: simulated runs, their truth, their events.

Regenerate with ``python -m tests.support.evalfixture``; a test proves the labels current.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from rebound.demo.simulator import generate_runs, write_jsonl
from rebound.replay import replay
from rebound.settings import Settings

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "eval"
SEED = 11
RUNS = 25


def labels(seed: int = SEED, n: int = RUNS) -> Iterator[dict[str, Any]]:
    """The ground truth of the simulated runs, one label per injected error."""
    for run in generate_runs(seed, n):
        for error in run.errors:
            yield {
                "error_id": f"{run.trace_id:032x}:{error.span_id:016x}",
                "type": error.type,
                "status": "recovered" if error.recovered else "unrecovered",
                "fatal": error.fatal,
            }


def labels_jsonl(seed: int = SEED, n: int = RUNS) -> bytes:
    """``labels`` as the bytes of a JSON Lines file."""
    return b"".join(orjson.dumps(label) + b"\n" for label in labels(seed, n))


def build(out: Path = FIXTURE) -> None:
    """Write labels.jsonl and events.jsonl (the classifier's output today) to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "labels.jsonl").write_bytes(labels_jsonl())
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp) / "runs.otlp.jsonl"
        write_jsonl(runs, SEED, RUNS)
        replay([runs], Settings(), events_out=out / "events.jsonl")


if __name__ == "__main__":
    build()

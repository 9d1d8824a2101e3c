"""The live-path benchmarks run end to end with ``--smoke`` (no timing assertions)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.kafka import script_missing_tools

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def run_bench(name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), "--smoke"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def table_rows(stdout: str) -> list[list[str]]:
    """The cells of the Markdown table's data rows (after the ``|---|`` line)."""
    lines = [line for line in stdout.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]


def test_serve_bench_smoke_prints_a_table() -> None:
    done = run_bench("serve.py")
    assert done.returncode == 0, done.stderr[-3000:]
    rows = table_rows(done.stdout)
    assert len(rows) == 1
    offered, batches, accepted = rows[0][:3]
    assert offered == "2,000"
    assert int(batches.replace(",", "")) > 0
    assert int(accepted.replace(",", "")) > 0


def test_kafka_bench_smoke_prints_a_table() -> None:
    if missing := script_missing_tools():
        pytest.skip(f"deploy/kafka/local-kafka.sh cannot run without {', '.join(missing)}")
    done = run_bench("kafka.py")
    assert done.returncode == 0, done.stderr[-3000:]
    rows = table_rows(done.stdout)
    assert len(rows) == 1
    members, accepted, _, classified = rows[0][:4]
    assert members == "1"
    assert int(accepted.replace(",", "")) > 0
    assert int(classified.replace(",", "")) > 0

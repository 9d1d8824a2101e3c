"""The live-path benchmarks run end to end with ``--smoke`` (no timing assertions)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.kafka import no_broker, script_missing_tools

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


def run_broker_bench(name: str) -> subprocess.CompletedProcess[str]:
    """A benchmark that starts its own broker: skipped where the script cannot run."""
    if missing := script_missing_tools():
        no_broker(f"deploy/kafka/local-kafka.sh cannot run without {', '.join(missing)}")
    done = run_bench(name)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


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
    done = run_broker_bench("kafka.py")
    rows = table_rows(done.stdout)
    assert len(rows) == 1
    client, members, accepted, _, classified = rows[0][:5]
    assert client == "kafka-python" and members == "1"
    assert int(accepted.replace(",", "")) > 0
    assert int(classified.replace(",", "")) > 0


def test_kafka_member_bench_smoke_prints_a_table() -> None:
    done = run_broker_bench("kafka_member.py")
    (row,) = table_rows(done.stdout)
    assert row[:2] == ["1", "kafka-python"]
    assert all(float(cell.replace(",", "").rstrip("×")) > 0 for cell in row[2:])


def test_kafka_batch_bench_smoke_prints_a_table() -> None:
    done = run_broker_bench("kafka_batch.py")
    rows = table_rows(done.stdout)
    assert [row[2] for row in rows] == ["16,384", "262,144", "1,048,576"]
    assert all(row[1] == "kafka-python" and float(row[3]) > 0 for row in rows)


def test_decode_process_bench_smoke_prints_a_table() -> None:
    done = run_bench("decode_process.py")
    assert done.returncode == 0, done.stderr[-3000:]
    (row,) = table_rows(done.stdout)
    assert row[0] == "1" and all(float(c.replace(",", "").rstrip("×")) > 0 for c in row[1:])


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )


def test_core_bench_smoke_on_a_small_file(tmp_path: Path) -> None:
    from rebound.demo.simulator import write_jsonl

    runs = tmp_path / "runs.otlp.jsonl"
    write_jsonl(runs, seed=5, n=20)
    done = _bench("bench/core.py", str(runs), "--sim-runs", "0", "--no-doc")
    assert done.returncode == 0, done.stderr[-3000:]
    assert any("runs.otlp.jsonl" in row[0] for row in table_rows(done.stdout))


def test_rules_bench_smoke_on_a_small_raw_file(tmp_path: Path) -> None:
    import gzip
    import json

    from rebound.demo.simulator import generate_runs

    raw = tmp_path / "raw_runs.jsonl.gz"
    with gzip.open(raw, "wt") as fh:
        for run in generate_runs(5, 10):
            steps = [
                {
                    "index": i,
                    "tool": "bash",
                    "command": s.attributes.get("gen_ai.tool.call.arguments"),
                    "output": s.attributes.get("gen_ai.tool.call.result"),
                    "exit_code": s.attributes.get("process.exit.code"),
                }
                for i, s in enumerate(run.spans)
                if s.attributes.get("gen_ai.operation.name") == "execute_tool"
            ]
            fh.write(json.dumps({"source": "demo/x", "steps": steps}) + "\n")
    done = _bench("bench/rules.py", str(raw), "--rounds", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "back-ends disagree on 0 of" in done.stdout
    assert "matcher hyperscan" in done.stdout or "matcher python" in done.stdout


def test_memory_bench_smoke_proves_the_bound() -> None:
    done = _bench("bench/memory.py", "--runs", "200", "--no-doc")
    assert done.returncode == 0, done.stderr[-3000:]
    (row,) = table_rows(done.stdout)
    assert row[0] == "200" and row[5] == "100" and row[6] == "100"  # open at bound, evicted


def test_memory_flood_smoke_holds_the_bound() -> None:
    done = _bench("bench/memory.py", "--flood", "2000", "--bound", "200", "--no-doc")
    assert done.returncode == 0, done.stderr[-3000:]
    rows = table_rows(done.stdout)
    assert rows[-1][:3] == ["2,000", "200", "1,800"]  # fed, open at the bound, evicted
    assert all(int(row[1].replace(",", "")) <= 200 for row in rows)


def test_report_bench_smoke_builds_a_report() -> None:
    done = _bench("bench/report.py", "--events", "2000", "--no-doc")
    assert done.returncode == 0, done.stderr[-3000:]
    (row,) = table_rows(done.stdout)
    assert row[0] == "2,000" and int(row[1].replace(",", "")) > 0
    assert int(row[-1]) > 10  # page KB: the charts are in it


def test_compiled_bench_smoke_without_a_build_measures_floor_and_pure() -> None:
    # The compiled column takes a mypyc build: test_compiled.py runs this with one.
    done = _bench("bench/compiled.py", "--smoke", "--no-doc")
    assert done.returncode == 0, done.stderr[-3000:]
    rows = table_rows(done.stdout)
    assert [row[1] for row in rows] == ["decode floor", "pure"]
    assert all(float(row[4].replace(",", "")) > 0 for row in rows)  # spans/s

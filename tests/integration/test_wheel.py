"""The built wheel is one self-contained ``rebound`` package that runs without the checkout."""

from __future__ import annotations

import zipfile
from pathlib import Path

import orjson
import pytest

from tests.support.net import free_port
from tests.support.wheel import build_wheel, install_in_venv, run, top_level_names

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed (non-editable); dependencies from this Python."""
    work = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(work)
    assert top_level_names(wheel) == {"rebound"}
    names = zipfile.ZipFile(wheel).namelist()
    assert "rebound/dashboards/json/overview.json" in names
    assert "rebound/classifier/signatures.py" in names
    assert not [n for n in names if n.endswith(".so")]  # no compiled module unless asked
    return install_in_venv(work, wheel)


def test_only_rebound_is_importable(venv: Path, tmp_path: Path) -> None:
    python = str(venv / "bin" / "python")
    where = run([python, "-c", "import rebound.classifier.core as m; print(m.__file__)"], tmp_path)
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(venv)), where.stdout
    for stage in ("collector", "classifier", "exporters", "dashboards"):
        done = run([python, "-c", f"import {stage}"], tmp_path)
        assert done.returncode != 0 and "ModuleNotFoundError" in done.stderr, stage


def test_version_and_python_dash_m(venv: Path, tmp_path: Path) -> None:
    script = run([str(venv / "bin" / "rebound"), "--version"], tmp_path)
    assert script.returncode == 0 and script.stdout.startswith("rebound "), script
    assert script.stdout.rstrip().endswith("(pure core)"), script.stdout
    module = run([str(venv / "bin" / "python"), "-m", "rebound", "--version"], tmp_path)
    assert module.stdout == script.stdout


def test_demo_file_replays_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    rebound = str(venv / "bin" / "rebound")
    wrote = run([rebound, "demo", "--write-jsonl", "runs.jsonl", "--runs", "30"], tmp_path)
    assert wrote.returncode == 0, wrote.stderr[-3000:]
    replayed = run([rebound, "replay", "runs.jsonl", "--events-out", "events.jsonl"], tmp_path)
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    events = [orjson.loads(line) for line in (tmp_path / "events.jsonl").read_bytes().splitlines()]
    assert events and all(e["type"] for e in events)


def test_report_builds_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    rebound = str(venv / "bin" / "rebound")
    wrote = run([rebound, "demo", "--write-jsonl", "runs.otlp.jsonl", "--runs", "30"], tmp_path)
    assert wrote.returncode == 0, wrote.stderr[-3000:]
    replayed = run(
        [rebound, "replay", "runs.otlp.jsonl", "--events-out", "ev.jsonl", "--runs-out", "r.jsonl"],
        tmp_path,
    )
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    made = run([rebound, "report", "ev.jsonl", "--runs", "r.jsonl", "--out", "r.html"], tmp_path)
    assert made.returncode == 0, made.stderr[-3000:]
    assert 'id="chart-models"' in (tmp_path / "r.html").read_text("utf-8")


def test_readme_first_command_runs_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    args = [str(venv / "bin" / "rebound"), "serve", "--demo", "--duration", "8",
            "--port", str(free_port()), "--metrics-port", str(free_port())]  # fmt: skip
    served = run(args, tmp_path, timeout=120)
    assert served.returncode == 0, served.stderr[-3000:]
    assert "spans classified" in served.stdout and "model" in served.stdout, served.stdout

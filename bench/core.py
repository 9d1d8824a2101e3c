"""Speed of the core path: ``rebound replay`` on one core, per input file.

    python bench/core.py /work/shared/corpus/runs.otlp.jsonl.gz       # corpus + ~1M simulated spans
    python bench/core.py runs.otlp.jsonl.gz --sim-runs 0              # the given file only
    python bench/core.py runs.otlp.jsonl.gz --no-doc                  # print, don't append

Every figure comes from a fresh process, so caches start cold as they do for the command:
the replay's wall and CPU seconds and spans/s, the start-up before it (imports and the
signature database), peak RSS, and the whole ``rebound replay FILE --events-out FILE``
command timed from outside. Then the top functions of a cProfile of the first input.
The table is printed and appended, with the machine and versions, to docs/benchmarks.md.
The simulated file (``rebound.demo.simulator.write_jsonl``) is generated once and reused.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
_CLI = "import sys; from rebound.cli import main; sys.exit(main(sys.argv[1:]))"


# -- inside a fresh process ----------------------------------------------------------
def _child(path: str, profile: bool) -> dict[str, Any]:
    """Replay ``path`` here; what it took (or, with ``profile``, its top functions)."""
    started = time.perf_counter()
    from rebound.backend import core_backend
    from rebound.classifier.detect import Detector
    from rebound.replay import replay
    from rebound.settings import load_settings

    settings = load_settings()
    Detector()  # the signature database: from the disk cache, or compiled and cached
    ready = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        events = os.path.join(tmp, "events.jsonl")
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(replay, [path], settings, events)
            return {"top": _top_functions(profiler, 10)}
        cpu, wall = time.process_time(), time.perf_counter()
        result = replay([path], settings, events)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        digest = hashlib.sha256(Path(events).read_bytes()).hexdigest()
    return {
        "spans": result.spans,
        "lines": result.lines,
        "events": result.events_written,
        "wall": wall,
        "cpu": cpu,
        "startup": ready - started,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "backend": core_backend(),
        "events_sha256": digest,
    }


def _top_functions(profiler: cProfile.Profile, n: int) -> list[list[Any]]:
    stats = pstats.Stats(profiler)
    rows = []
    for (file, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(file).name}:{line}({name})" if line else name
        rows.append([where, calls, own, cumulative])
    return sorted(rows, key=lambda r: r[2], reverse=True)[:n]


# -- driving the measurements ----------------------------------------------------------
def _env() -> dict[str, str]:
    # This checkout's code, whatever the installed package points at.
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _in_child(path: Path, profile: bool = False) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", str(path)] + (["--profile"] if profile else [])
    done = subprocess.run(argv, env=_env(), check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _command_seconds(path: Path) -> float:
    """Wall time of ``rebound replay PATH --events-out FILE``, start-up included."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [sys.executable, "-c", _CLI, "replay", str(path), "--events-out", f"{tmp}/e.jsonl"]
        started = time.perf_counter()
        subprocess.run(argv, env=_env(), check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started


def _simulated(path: Path, seed: int, runs: int) -> Path:
    if path.exists():
        return path
    from rebound.demo.simulator import write_jsonl

    print(f"generating {runs} simulated runs (seed {seed}) into {path} …", file=sys.stderr)
    partial = path.with_name(path.name + ".partial.gz")
    write_jsonl(partial, seed, runs)
    partial.replace(path)
    return path


def _row(label: str, path: Path) -> dict[str, Any]:
    row = _in_child(path)
    row["input"] = label
    row["command"] = _command_seconds(path)
    return row


# -- reporting -------------------------------------------------------------------------
_COLUMNS = (
    ("input", "input", "{}"),
    ("spans", "spans", "{:,}"),
    ("wall", "replay wall s", "{:.2f}"),
    ("cpu", "replay CPU s", "{:.2f}"),
    ("rate", "spans/s (CPU)", "{:,.0f}"),
    ("startup", "start-up s", "{:.2f}"),
    ("command", "`rebound replay` wall s", "{:.2f}"),
    ("cmd_rate", "spans/s (command)", "{:,.0f}"),
    ("rss_mb", "peak RSS MB", "{:.0f}"),
)


def _markdown(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _results_table(rows: list[dict[str, Any]]) -> str:
    cells = []
    for row in rows:
        row = {**row, "rate": row["spans"] / row["cpu"], "cmd_rate": row["spans"] / row["command"]}
        cells.append([fmt.format(row[key]) for key, _, fmt in _COLUMNS])
    return _markdown([title for _, title, _ in _COLUMNS], cells)


def _profile_table(top: list[list[Any]]) -> str:
    rows = [[f"`{w}`", f"{calls:,}", f"{own:.3f}", f"{cum:.3f}"] for w, calls, own, cum in top]
    return _markdown(["function", "calls", "own s", "cumulative s"], rows)


def _versions() -> str:
    names = ("orjson", "hyperscan", "pydantic", "pydantic-core")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (absent)")
    return ", ".join(found)


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def _revision() -> str:
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


def _report(rows: list[dict[str, Any]], top: list[list[Any]], command: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n\n".join(
        [
            f"## {stamp}, {_revision()}",
            f"- Machine: {_machine()}\n- Python {platform.python_version()}; {_versions()}"
            f"\n- Command: `{command}`",
            _results_table(rows),
            f"Top 10 functions by own time (cProfile, {rows[0]['input']}):",
            _profile_table(top),
        ]
    )


def main() -> None:
    """Measure, print the table, append it to docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="OTLP JSON Lines file (the corpus)")
    parser.add_argument("--sim-runs", type=int, default=30_000, help="simulated runs (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sim-file", help="where the simulated file is kept (default: tmp)")
    parser.add_argument("--no-doc", action="store_true", help="do not append to the doc")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.path, args.profile)))
        return
    rows = [_row(Path(args.path).name, Path(args.path))]
    if args.sim_runs > 0:
        default = Path(tempfile.gettempdir()) / f"rebound-sim-{args.seed}-{args.sim_runs}.jsonl.gz"
        sim = _simulated(Path(args.sim_file or default), args.seed, args.sim_runs)
        rows.append(_row(f"simulated ({args.sim_runs:,} runs)", sim))
    top = _in_child(Path(args.path), profile=True)["top"]
    report = _report(rows, top, "python " + " ".join(sys.argv))
    print(report)
    if not args.no_doc:
        _append(report)


def _append(report: str) -> None:
    if not DOC.exists():
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(
            "# Benchmarks\n\nAppended by `python bench/core.py` (newest last): the core path"
            " of `rebound replay`,\none core, each figure from a fresh process.\n"
        )
    with DOC.open("a") as doc:
        doc.write("\n" + report + "\n")


if __name__ == "__main__":
    main()

"""``rebound replay`` with the pure-Python core and with its mypyc build, next to the decode floor.

    python bench/compiled.py /work/shared/corpus/runs.otlp.jsonl.gz          # 2 rounds
    python bench/compiled.py runs.otlp.jsonl.gz --rounds 3 --no-doc
    python bench/compiled.py --smoke [--compiled-python PY]                 # seconds (CI)

The compiled build (``REBOUND_MYPYC=1``, the wheel installed in a venv as
``tests/support/wheel.py`` does) is made once into ``--build`` and made again only when
the sources of ``rebound.backend.COMPILED_MODULES`` change; ``--compiled-python`` uses an
existing install instead. Every figure comes from a fresh process, one core, CPU seconds
(``time.process_time``): the decode floor (gunzip, orjson, one attribute dict per span
and per log record: what any decoder must do), then the replay of the same file (the
child of ``bench/core.py``) with each back-end, their order alternating between rounds.
The "floor" column is a replay's CPU over the floor's; both replays must write the same events.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import live  # bench/live.py: the header, tables and doc appending of the other benchmarks

ROOT = live.ROOT
DEFAULT_PATH = "/work/shared/corpus/runs.otlp.jsonl.gz"
DEFAULT_BUILD = Path(tempfile.gettempdir()) / "rebound-mypyc"


# -- inside a fresh process ----------------------------------------------------------
def _attributes(item: dict[str, Any]) -> dict[str, Any]:
    return {kv["key"]: next(iter(kv["value"].values()), None) for kv in item.get("attributes", ())}


def floor_child(path: str) -> dict[str, Any]:
    """Decode ``path`` as bare as it gets; its spans and CPU seconds."""
    import orjson

    started, spans = time.process_time(), 0
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as stream:
        for line in stream:
            if not line.strip():
                continue
            document = orjson.loads(line)
            for group in document.get("resourceSpans", ()):
                _attributes(group.get("resource", {}))
                for scope in group.get("scopeSpans", ()):
                    for span in scope.get("spans", ()):
                        _attributes(span)
                        for event in span.get("events", ()):
                            _attributes(event)
                        spans += 1
            for group in document.get("resourceLogs", ()):
                _attributes(group.get("resource", {}))
                for scope in group.get("scopeLogs", ()):
                    for record in scope.get("logRecords", ()):
                        _attributes(record)
    return {"spans": spans, "cpu": time.process_time() - started}


# -- the compiled build --------------------------------------------------------------
def _sources_key() -> str:
    from rebound.backend import COMPILED_MODULES

    digest = hashlib.sha256()
    for name in COMPILED_MODULES:
        digest.update((ROOT / (name.replace(".", "/") + ".py")).read_bytes())
    digest.update((ROOT / "setup.py").read_bytes())
    return digest.hexdigest()


def compiled_python(build: Path) -> Path:
    """The python of a venv with this checkout's compiled wheel, built when out of date."""
    from tests.support.wheel import build_wheel, install_in_venv

    key, stamp = _sources_key(), build / "sources.sha256"
    python = build / "venv" / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text() == key:
        return python
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    print(f"building the compiled core into {build} (a few minutes) …", file=sys.stderr)
    started = time.perf_counter()
    install_in_venv(build, build_wheel(build, compiled=True, timeout=1800))
    print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    stamp.write_text(key)
    return python


# -- driving -------------------------------------------------------------------------
def _child(python: Path | str, args: list[str], pure_checkout: bool) -> dict[str, Any]:
    env = live.env()
    if not pure_checkout:
        del env["PYTHONPATH"]  # the installed package only
    with tempfile.TemporaryDirectory() as cwd:  # not the checkout: its sources would shadow
        done = subprocess.run(
            [str(python), *args], env=env, cwd=cwd, check=True, capture_output=True, text=True
        )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def replay_row(python: Path | str, path: Path, pure_checkout: bool) -> dict[str, Any]:
    """One replay of ``path`` in a fresh process of ``python``."""
    row = _child(python, [str(ROOT / "bench" / "core.py"), "--child", str(path)], pure_checkout)
    return {**row, "build": row["backend"], "rate": row["spans"] / row["cpu"]}


def measure(path: Path, rounds: int, compiled: Path | None) -> list[dict[str, Any]]:
    """``rounds`` rounds of floor, pure and compiled replays (order alternating)."""
    rows = []
    for n in range(1, rounds + 1):
        floor = _child(sys.executable, [__file__, "--child-floor", str(path)], True)
        floor.update(build="decode floor", rate=floor["spans"] / floor["cpu"], round=n)
        backends: list[tuple[Path | str, bool]] = [(sys.executable, True)]
        if compiled is not None:
            backends.append((compiled, False))
        if n % 2 == 0:
            backends.reverse()
        replays = [replay_row(python, path, pure) for python, pure in backends]
        for row in replays:
            row.update(round=n, ratio=row["cpu"] / floor["cpu"])
        rows += [floor, *sorted(replays, key=lambda r: r["build"] != "pure")]
    return rows


def _check(rows: list[dict[str, Any]], compiled: bool) -> None:
    replays = [r for r in rows if r["build"] != "decode floor"]
    builds = {r["build"] for r in replays}
    expected = {"pure", "compiled"} if compiled else {"pure"}
    if builds != expected:
        sys.exit(f"measured back-ends {sorted(builds)}, expected {sorted(expected)}")
    if len({r["events_sha256"] for r in replays}) != 1:
        sys.exit("the back-ends wrote different events: " + str([r["build"] for r in replays]))


def _summary(rows: list[dict[str, Any]]) -> str:
    cpu: dict[str, list[float]] = {}
    for row in rows:
        cpu.setdefault(row["build"], []).append(row["cpu"])
    parts = [f"{rows[1]['events']:,} error records, the same bytes from each back-end"]
    if "compiled" in cpu:
        speedups = [p / c for p, c in zip(cpu["pure"], cpu["compiled"], strict=True)]
        parts.append("compiled over pure: " + ", ".join(f"{s:.2f}×" for s in speedups))
    return "; ".join(parts)


_COLUMNS = (
    ("round", "round", str),
    ("build", "build", str),
    ("spans", "spans", "{:,}".format),
    ("cpu", "CPU s", "{:.2f}".format),
    ("rate", "spans/s (CPU)", "{:,.0f}".format),
    ("ratio", "× floor", lambda v: f"{v:.1f}×" if v else "1×"),
)


def main() -> None:
    """Measure, print the table, append it to docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default=DEFAULT_PATH, help="OTLP JSON Lines file")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--build", type=Path, default=DEFAULT_BUILD, help="compiled venv here")
    parser.add_argument("--compiled-python", help="a python with the compiled core installed")
    parser.add_argument("--smoke", action="store_true", help="20 demo runs, one round (CI)")
    parser.add_argument("--no-doc", action="store_true", help="do not append to the doc")
    parser.add_argument("--child-floor", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_floor:
        print(json.dumps(floor_child(args.child_floor)))
        return
    load_before = live.load_average()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.path)
        if args.smoke:
            from rebound.demo.simulator import write_jsonl

            path = Path(tmp) / "runs.otlp.jsonl"
            write_jsonl(path, seed=5, n=20)
            args.rounds = 1
        compiled: Path | None = None
        if args.compiled_python:
            compiled = Path(args.compiled_python)
        elif not args.smoke:
            compiled = compiled_python(args.build)
        rows = measure(path, args.rounds, compiled)
    _check(rows, compiled is not None)
    for row in rows:
        row.setdefault("ratio", 0.0)
    source = "20 demo runs (smoke)" if args.smoke else Path(args.path).name
    setup = f"Input {source}; {_summary(rows)}"
    live.publish_table("Replay, pure and compiled core", load_before, setup, _COLUMNS, rows, args)


if __name__ == "__main__":
    main()

"""The optional mypyc build (``REBOUND_MYPYC=1``) installs, says so, and replays to the same bytes.

One wheel is compiled from a copy of the checkout (a minute or two) and installed into a
venv beside this Python's packages, as ``test_wheel.py`` does for the pure wheel.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from rebound.backend import COMPILED_MODULES, core_backend
from rebound.cli import main
from tests.integration.test_bench_smoke import table_rows
from tests.support.multiconvention import write_multi_convention
from tests.support.skips import skip_outside_reach
from tests.support.wheel import ROOT, build_wheel, install_in_venv, run, top_level_names

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1500)]


def _need_a_c_toolchain() -> None:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        skip_outside_reach(f"no C compiler ({compiler}) on this machine")
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        skip_outside_reach("this Python was installed without its C headers (Python.h)")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("compiled")


@pytest.fixture(scope="module")
def venv(work: Path) -> Path:
    """A venv with the compiled wheel installed; dependencies from this Python."""
    _need_a_c_toolchain()
    wheel = build_wheel(work, compiled=True, timeout=1200)
    assert top_level_names(wheel) == {"rebound"}  # mypyc's shared library too
    names = zipfile.ZipFile(wheel).namelist()
    for module in COMPILED_MODULES:
        stem = module.replace(".", "/") + "."
        assert any(n.startswith(stem) and n.endswith(".so") for n in names), module
    return install_in_venv(work, wheel)


def test_the_compiled_install_says_so_and_the_checkout_is_pure(venv: Path, tmp_path: Path) -> None:
    shown = run([str(venv / "bin" / "rebound"), "--version"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.rstrip().endswith("(compiled core)"), shown.stdout
    assert core_backend() == "pure"  # this process runs the checkout's sources


def test_every_module_imports_beside_the_compiled_ones(venv: Path, tmp_path: Path) -> None:
    # An interpreted class cannot inherit from a compiled one: such a module fails to import.
    script = (
        "import importlib, pkgutil, rebound\n"
        "for info in pkgutil.walk_packages(rebound.__path__, 'rebound.'):\n"
        "    importlib.import_module(info.name)\n"
        "print('ok')\n"
    )
    done = run([str(venv / "bin" / "python"), "-c", script], tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]


def test_compiled_replay_writes_the_pure_replays_bytes(venv: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs.otlp.jsonl"
    write_multi_convention(runs)
    pure, compiled = tmp_path / "pure.jsonl", tmp_path / "compiled.jsonl"
    rebound = str(venv / "bin" / "rebound")
    assert run([rebound, "--version"], tmp_path).stdout.rstrip().endswith("(compiled core)")
    assert core_backend() == "pure"
    assert main(["replay", str(runs), "--events-out", str(pure), "--no-progress"]) == 0
    args = ["replay", str(runs), "--events-out", str(compiled), "--no-progress"]
    done = run([rebound, *args], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert pure.stat().st_size > 100_000  # hundreds of records, every convention's
    assert compiled.read_bytes() == pure.read_bytes()


def test_bench_smoke_measures_both_back_ends(venv: Path, tmp_path: Path) -> None:
    bench = [sys.executable, str(ROOT / "bench" / "compiled.py"), "--smoke", "--no-doc"]
    done = run([*bench, "--compiled-python", str(venv / "bin" / "python")], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [row[1] for row in table_rows(done.stdout)] == ["decode floor", "pure", "compiled"]
    assert "the same bytes from each back-end" in done.stdout


def test_an_editable_compiled_install_is_refused(tmp_path: Path) -> None:
    # What the build needs to get that far: setup.py reads backend.py's module list.
    for name in ("setup.py", "pyproject.toml", "README.md", "rebound/backend.py"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    hook = "from setuptools import build_meta; build_meta.build_editable('dist')"
    env = {**os.environ, "REBOUND_MYPYC": "1"}
    done = run([sys.executable, "-c", hook], tmp_path, env=env)
    assert done.returncode != 0
    assert "REBOUND_MYPYC=1 is for a non-editable install" in done.stderr, done.stderr[-3000:]
    assert not list(tmp_path.rglob("*.so")) and not list(tmp_path.rglob("*.c"))

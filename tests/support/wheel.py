"""Build this checkout's wheel from a copy of it and install it into a fresh venv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_NOT_SOURCES = (".git", "build", "*.egg-info", "__pycache__", ".mypy_cache", ".ruff_cache", "*.so")


def run(
    args: list[str], cwd: Path, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` in ``cwd``, output captured as text; ``env`` defaults to this process's
    without ``PYTHONPATH``, so a venv runs its installed package, not a checkout."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def build_wheel(work: Path, compiled: bool = False, timeout: float = 300) -> Path:
    """The wheel of a copy of the checkout, built in ``work``; ``compiled``: with mypyc."""
    env = {k: v for k, v in os.environ.items() if k not in ("REBOUND_MYPYC", "PYTHONPATH")}
    if compiled:
        env["REBOUND_MYPYC"] = "1"
    source = work / "src"  # setuptools writes build/ beside the sources: keep it out of ours
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(*_NOT_SOURCES))
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(work / "dist"), str(source)],
        cwd=work, timeout=timeout, env=env,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = (work / "dist").glob("*.whl")
    return wheel


def top_level_names(wheel: Path) -> set[str]:
    """The names a wheel installs at the top of site-packages (its .dist-info left out)."""
    names = {n.split("/")[0] for n in zipfile.ZipFile(wheel).namelist()}
    return {n for n in names if not n.endswith(".dist-info")}


def install_in_venv(work: Path, wheel: Path) -> Path:
    """A venv in ``work`` with ``wheel`` installed (non-editable); dependencies from this Python."""
    env_dir = work / "venv"
    made = run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)], cwd=work)
    assert made.returncode == 0, made.stderr
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-index"]
    installed = run([*pip, str(wheel)], cwd=work)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return env_dir

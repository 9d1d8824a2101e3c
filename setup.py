"""Optional compiled build: ``REBOUND_MYPYC=1`` compiles the core's hot modules with mypyc.

Everything else (metadata, packages, data) is in pyproject.toml. Without the variable the
build is pure Python, as ``pip install -e .`` always is; see README "Compiled core".
"""

from __future__ import annotations

import inspect
import os
import runpy
import sys

from setuptools import setup

# The rebound/ symlinks give the paths, so that mypyc names the modules rebound.classifier.x.
_MODULES: tuple[str, ...] = runpy.run_path("rebound/backend.py")["COMPILED_MODULES"]
COMPILED = [name.replace(".", "/") + ".py" for name in _MODULES]


# Commands that compile; metadata and sdist runs skip mypyc's minute of code generation.
_BUILDS = {"build", "build_ext", "bdist_wheel", "install", "editable_wheel", "develop"}


def _extensions() -> list[object]:
    if os.environ.get("REBOUND_MYPYC", "") in ("", "0") or not _BUILDS & set(sys.argv):
        return []
    if {"editable_wheel", "develop"} & set(sys.argv):
        sys.exit(
            "REBOUND_MYPYC=1 is for a non-editable install: compiled modules beside the "
            "sources would run instead of the code being edited"
        )
    try:
        from mypyc.build import mypycify
    except ImportError:
        mypycify = None
    # group_name (mypy 1.17) keeps mypyc's shared library inside the rebound package.
    if mypycify is None or "group_name" not in inspect.signature(mypycify).parameters:
        sys.exit(
            "REBOUND_MYPYC=1 needs mypy 1.17 or newer (with mypyc) in the build environment: "
            "pip install 'mypy>=1.17', then REBOUND_MYPYC=1 pip install --no-build-isolation ."
        )
    return list(mypycify(COMPILED, group_name="rebound._core", opt_level="3"))


setup(ext_modules=_extensions())

"""Which build of the core runs: the pure-Python modules or their optional mypyc compilation.

``COMPILED_MODULES`` is the one list of what ``REBOUND_MYPYC=1`` compiles (setup.py reads
it): the profile's hot path of ``rebound replay`` and the live services, from the OTLP JSON
decoder to the classifier core. Anything subclassing a class defined here must be in the
list too (an interpreted class cannot inherit from a compiled one). This module imports
nothing of Rebound, so setup.py can run it before the package is built.
"""

from __future__ import annotations

from importlib.machinery import ExtensionFileLoader
from importlib.util import find_spec
from typing import Literal

COMPILED_MODULES = (
    "rebound.classifier.cli_fields",
    "rebound.classifier.cli_sessions",
    "rebound.classifier.commands",
    "rebound.classifier.core",
    "rebound.classifier.detect",
    "rebound.classifier.effects",
    "rebound.classifier.horizon",
    "rebound.classifier.intent",
    "rebound.classifier.matcher",
    "rebound.classifier.normalise",
    "rebound.classifier.records",
    "rebound.classifier.recovery",
    "rebound.classifier.redact",
    "rebound.classifier.run",
    "rebound.classifier.shell",
    "rebound.classifier.steps",
    "rebound.classifier.taxonomy",
    "rebound.classifier.text",
    "rebound.collector.decoded",
    "rebound.collector.logs",
    "rebound.collector.otlp_json",
    "rebound.collector.otlp_logs_json",
    "rebound.collector.spans",
    "rebound.collector.values",
)

Backend = Literal["compiled", "pure", "mixed"]


def compiled_modules() -> list[str]:
    """Those of ``COMPILED_MODULES`` that this installation loads from a compiled extension."""
    compiled = []
    for name in COMPILED_MODULES:
        spec = find_spec(name)
        if spec is not None and isinstance(spec.loader, ExtensionFileLoader):
            compiled.append(name)
    return compiled


def core_backend() -> Backend:
    """``compiled`` (mypyc build), ``pure`` (Python sources) or ``mixed`` (a broken build)."""
    count = len(compiled_modules())
    if count == len(COMPILED_MODULES):
        return "compiled"
    return "pure" if count == 0 else "mixed"

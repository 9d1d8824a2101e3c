"""Error scenarios an AI coding agent hits in a shell, with the recovery that follows.

Every output is written the way the real tool prints it (GNU coreutils, bash, pip,
apt, pytest, CPython 3.11, curl, git, gcc, go, tsc, provider SDKs), against one
imaginary polyglot repository in ``/workspace/ledger``. The data lives in
``rebound.demo.catalog``, one module per area; taxonomy ids are those of
``spec/taxonomy.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

from rebound.demo.catalog import (
    build,
    cli,
    dependency,
    filesystem,
    model_api,
    network,
    resources,
    runtime,
    services,
    testing,
)
from rebound.demo.catalog.routine import CHECKS, EXPLORE, PROBES
from rebound.demo.steps import ModelError, Scenario, ToolStep

SCENARIOS: tuple[Scenario, ...] = (
    *cli.SCENARIOS,
    *network.SCENARIOS,
    *dependency.SCENARIOS,
    *filesystem.SCENARIOS,
    *runtime.SCENARIOS,
    *build.SCENARIOS,
    *testing.SCENARIOS,
    *services.SCENARIOS,
    *resources.SCENARIOS,
    *model_api.SCENARIOS,
)

BY_NAME: Mapping[str, Scenario] = {s.name: s for s in SCENARIOS}

__all__ = [
    "BY_NAME",
    "CHECKS",
    "EXPLORE",
    "PROBES",
    "SCENARIOS",
    "ModelError",
    "Scenario",
    "ToolStep",
]

"""Resource limit errors: commands that outlive their time budget."""

from __future__ import annotations

from rebound.demo.catalog.text import pytest_progress
from rebound.demo.steps import Scenario, ToolStep, lines

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "full_suite_timeout",
        "resource_limits",
        "command_timeout",
        ToolStep(
            "timeout 300 python -m pytest tests/ -q",
            "......................................................................... [ 38%]\n"
            "..............................",
            124,
            300.0,
        ),
        recovery=(
            ToolStep(
                "python -m pytest tests/ -q -x -m 'not slow'",
                lines(
                    pytest_progress("." * 72, 61),
                    pytest_progress("." * 46),
                    "118 passed, 72 deselected in 41.80s",
                ),
                0,
                43.0,
            ),
        ),
    ),
)

"""Settings of the classifier core (one section of the application settings)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ClassifierSettings(BaseModel):
    """How runs are assembled, closed and bounded."""

    model_config = ConfigDict(extra="forbid")

    grace_seconds: float = Field(5.0, ge=0, description="wait after the root span for stragglers")
    idle_timeout_seconds: float = Field(
        300.0, gt=0, description="close a run with no new span for this long (outcome unknown)"
    )
    max_open_runs: int = Field(100_000, ge=1, description="beyond this the oldest run is closed")
    max_output_chars: int = Field(16_384, ge=256, description="head+tail of an output kept")
    max_steps_per_run: int = Field(
        20_000, ge=10, description="steps kept per run; more are counted"
    )
    closed_runs_remembered: int = Field(
        100_000, ge=0, description="closed run ids kept to recognise late spans"
    )
    stuck_repeats: int = Field(3, ge=2, description="same failure this many times in a row = stuck")
    recovery_horizon_steps: int | None = Field(
        100, ge=1, description="an error no later step fixed within this many steps: unrecovered"
    )
    recovery_horizon_minutes: float | None = Field(
        30.0, gt=0, description="an error open this long (receive time): unrecovered"
    )
    cli_output_wait_seconds: float = Field(
        10.0, ge=0, description="how long a CLI tool call may wait for its output (Gemini CLI)"
    )

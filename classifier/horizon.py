"""The recovery horizon: when an open error stops waiting for a recovery.

A coding-agent session can last hours and sends no end. Without a horizon its errors would
stay open until the session goes idle, and dashboards would show nothing resolved. An error
that no later step has fixed within ``recovery_horizon_steps`` steps or
``recovery_horizon_minutes`` minutes resolves as unrecovered right away; a fix after the
horizon does not reopen it.
"""

from __future__ import annotations

from rebound.classifier.config import ClassifierSettings
from rebound.classifier.records import Resolution
from rebound.classifier.recovery import NOT_REACHED

PAST_HORIZON = Resolution("unrecovered", False, None, None, NOT_REACHED)


def horizon_seconds(settings: ClassifierSettings) -> float | None:
    """The time part of the horizon in seconds; None when it is off."""
    minutes = settings.recovery_horizon_minutes
    return None if minutes is None else minutes * 60.0


def past_horizon(settings: ClassifierSettings, steps_after: int, seconds_open: float) -> bool:
    """Whether an error with this many later steps, open this long, is past the horizon."""
    steps = settings.recovery_horizon_steps
    seconds = horizon_seconds(settings)
    return (steps is not None and steps_after >= steps) or (
        seconds is not None and seconds_open >= seconds
    )


def keep_horizon(final: Resolution, horizon: Resolution | None) -> Resolution:
    """The final resolution of an error, keeping a horizon's verdict over a later fix.

    A run that ends ``passed`` still recovers an error it moved on from: that is what the
    outcome says, not a fix found too late.
    """
    if horizon is not None and final.status == "recovered" and final.recovery_index is not None:
        return horizon
    return final

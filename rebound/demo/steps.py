"""The shapes of simulated steps: a shell command, a failing model call, an error scenario."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ToolStep:
    """One shell command as the agent ran it: the exact output and exit code."""

    command: str
    output: str = ""
    exit_code: int = 0
    seconds: float = 0.3  # typical wall time; the simulator jitters it


@dataclass(frozen=True, slots=True)
class ModelError:
    """A model call that raised a provider exception; ``{model}`` is filled in."""

    exception_type: str
    message: str
    client_call: str  # the SDK call named in the stack trace
    retry_after: float  # typical seconds the agent waits before retrying


@dataclass(frozen=True, slots=True)
class Scenario:
    """A failing step, the steps leading to it, and the steps that fix it (if any).

    ``blocking`` is the chance that leaving the error unfixed fails the run.
    ``providers`` restricts model-API scenarios to the providers that raise them.
    """

    name: str
    category: str
    type: str
    failure: ToolStep | ModelError
    setup: tuple[ToolStep, ...] = ()
    recovery: tuple[ToolStep, ...] = ()
    blocking: float = 0.85
    providers: frozenset[str] = frozenset()

    @property
    def recoverable(self) -> bool:
        """True when the scenario knows a fix (a model call is fixed by retrying)."""
        return bool(self.recovery) or isinstance(self.failure, ModelError)


def lines(*parts: str) -> str:
    """Join output lines: keeps long outputs readable in source."""
    return "\n".join(parts)

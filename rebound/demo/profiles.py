"""Who runs in the demo: models, agent releases, tasks, and how each fares per error category."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Chance that an agent fixes an error of each category, before model and release factors.
CATEGORY_RECOVERY: Mapping[str, float] = {
    "cli_invocation": 0.875,
    "network": 0.62,
    "dependency_environment": 0.92,
    "filesystem": 0.93,
    "code_runtime": 0.84,
    "build_compile": 0.91,
    "test_verification": 0.88,
    "service_process": 0.88,
    "resource_limits": 0.7,
    "model_api": 0.96,
}

_BASE_MIX: Mapping[str, float] = {
    "cli_invocation": 0.2,
    "network": 0.1,
    "dependency_environment": 0.18,
    "filesystem": 0.12,
    "code_runtime": 0.1,
    "build_compile": 0.09,
    "test_verification": 0.11,
    "service_process": 0.06,
    "resource_limits": 0.02,
    "model_api": 0.05,
}


def _mix(**overrides: float) -> Mapping[str, float]:
    return {**_BASE_MIX, **overrides}


@dataclass(frozen=True, slots=True)
class ModelProfile:
    """How one model behaves: error rate, error mix, recovery skill, speed."""

    name: str
    provider: str
    errors_per_run: float
    recovery: float  # multiplies CATEGORY_RECOVERY
    category_weights: Mapping[str, float]
    latency_seconds: float  # typical model-call time
    tool_call_prefix: str


@dataclass(frozen=True, slots=True)
class AgentRelease:
    """One version of one agent, the models it runs with, and its share of runs."""

    agent: str
    version: str
    recovery: float  # multiplies the model's recovery
    models: tuple[str, ...]
    weight: float


MODELS: Mapping[str, ModelProfile] = {
    m.name: m
    for m in (
        ModelProfile(
            "claude-sonnet-4", "anthropic", 2.4, 1.03, _mix(cli_invocation=0.16), 5.5, "toolu_01"
        ),
        ModelProfile("gpt-4.1", "openai", 2.8, 1.0, _mix(), 4.0, "call_"),
        ModelProfile(
            "gemini-2.5-pro",
            "gcp.gemini",
            3.0,
            0.97,
            _mix(model_api=0.1, network=0.12),
            7.0,
            "call_",
        ),
        ModelProfile(
            "qwen3-coder",
            "dashscope",
            3.6,
            0.9,
            _mix(cli_invocation=0.28, build_compile=0.13, code_runtime=0.13),
            3.0,
            "call_",
        ),
    )
}

# 1.5.0 shipped a shorter system prompt that drops the "read the error, then retry" advice.
RELEASES: tuple[AgentRelease, ...] = (
    AgentRelease("swe-pilot", "1.4.0", 1.0, tuple(MODELS), 0.45),
    AgentRelease("swe-pilot", "1.5.0", 0.84, tuple(MODELS), 0.35),
    AgentRelease("shellhand", "0.9.2", 0.97, ("qwen3-coder", "gpt-4.1"), 0.2),
)

TASKS: tuple[str, ...] = (
    "ledger-iso-week-parsing",
    "ledger-monthly-report-export",
    "ledger-rates-import",
    "ledger-money-rounding",
    "ledger-api-health-endpoint",
    "ledger-redis-cache",
    "ledger-postgres-migration",
    "ledger-native-csv-scanner",
    "ledger-web-pagination",
    "ledger-go-daemon-config",
    "ledger-golden-reports",
    "ledger-customer-sync",
    "ledger-search-index",
    "ledger-ci-lint",
    "ledger-dev-setup",
    "ledger-account-tree",
)

"""Alert thresholds: the one source of truth for ``deploy/prometheus/alerts.yml``.

Change a default here (or pass your own ``Thresholds`` to ``alerts.alert_rules``) and run
``rebound dashboards build``; the generated rules quote the values in their descriptions.
Recording-rule names carry the default windows (``rate10m``, ``rate6h``...) and stay stable:
``Windows`` changes the ranges behind them, which tests shrink to seconds to exercise the
alerts against a live Prometheus; production keeps the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Types whose errors agents rarely recover from and that point at infrastructure (network,
# crashes, full disks, provider outages) rather than at one model's behaviour.
UNRECOVERABLE_TYPES = (
    "dns_resolution_failure",
    "connection_refused_unreachable",
    "connection_timeout",
    "tls_certificate_error",
    "http_server_error",
    "proxy_or_firewall_blocked",
    "download_failed",
    "process_crash_segfault",
    "process_killed",
    "out_of_memory",
    "disk_full",
    "container_runtime_unavailable",
    "llm_provider_error",
)


@dataclass(frozen=True)
class Windows:
    """The time windows of the recording rules and alerts, as PromQL durations."""

    now: str = "10m"  # spikes, stalls and lag "right now"
    spike_baseline: str = "6h"  # what a spike is compared with, ending ``now`` ago
    hour: str = "1h"  # recovery rate now (ReboundRecoveryRateDrop); span throughput
    day: str = "1d"  # recovery baselines
    new_version: str = "6h"  # a version first seen this recently is "new" (regression)
    busy_lookback: str = "3h"  # a stall pages only after a busy ``hour`` within this


@dataclass(frozen=True)
class FatalSpike:
    """Fatal errors of one model in 10m against its own previous 6h."""

    factor: float = 3.0  # current rate above factor x baseline rate
    min_errors: int = 5  # fatal errors in the 10m window
    for_: str = "5m"


@dataclass(frozen=True)
class UnrecoverableSpike:
    """Errors of one low-recovery type, summed over models, in 10m against the previous 6h."""

    factor: float = 3.0
    min_errors: int = 10  # errors of that type in 10m, all models together
    min_models: int = 2  # models hit in 10m; set 1 when the fleet runs one model
    types: tuple[str, ...] = UNRECOVERABLE_TYPES
    for_: str = "5m"


@dataclass(frozen=True)
class RecoveryDrop:
    """Recovery rate of one model over 1h against its previous day."""

    min_drop: float = 0.15  # absolute drop of the recovery rate (0.15 = 15 points)
    min_errors: int = 20  # errors resolved in the last hour
    min_baseline_errors: int = 100  # errors resolved in the baseline day
    for_: str = "15m"


@dataclass(frozen=True)
class VersionRegression:
    """A model or agent version first seen in the last 6h against what ran the day before."""

    min_drop: float = 0.15
    min_errors: int = 30  # errors of the new version resolved in 6h
    min_baseline_errors: int = 100
    for_: str = "30m"


@dataclass(frozen=True)
class PipelineStall:
    """No spans for 10m while runs are open after a busy hour, or labelling lag growing."""

    min_spans_per_hour: int = (
        600  # some hour of the last 3h had this many; quieter setups never page
    )
    max_lag_p95_seconds: float = 30.0  # p95 span end -> error labelled, over 10m
    min_lag_samples: int = 10  # errors labelled in those 10m
    for_: str = "10m"


@dataclass(frozen=True)
class Thresholds:
    """All alert parameters; ``z`` sets the confidence of the significance tests (1.96 = 95%)."""

    fatal_spike: FatalSpike = field(default_factory=FatalSpike)
    unrecoverable_spike: UnrecoverableSpike = field(default_factory=UnrecoverableSpike)
    recovery_drop: RecoveryDrop = field(default_factory=RecoveryDrop)
    version_regression: VersionRegression = field(default_factory=VersionRegression)
    pipeline_stall: PipelineStall = field(default_factory=PipelineStall)
    windows: Windows = field(default_factory=Windows)
    z: float = 1.96
    runbook_url: str = "docs/runbook.md"  # point at your rendered runbook, e.g. on GitHub

"""The ``rebound`` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import orjson
from pydantic import ValidationError

from rebound.backend import core_backend
from rebound.settings import Settings, load_settings

log = logging.getLogger("rebound")


def _version() -> str:
    try:
        return version("agent-rebound")
    except PackageNotFoundError:
        return "unknown"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="FILE", help="TOML settings file (flags and REBOUND_* env win)"
    )
    parser.add_argument("--log-level", dest="log_level", help="DEBUG, INFO, WARNING, ERROR")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="rebound",
        description="Live error-and-recovery monitoring for AI coding agents, "
        "from OpenTelemetry spans.",
    )
    parser.add_argument(
        "--version", action="version", version=f"rebound {_version()} ({core_backend()} core)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="OTLP/HTTP in, classifier in-process, Prometheus metrics out (no Kafka)",
        description="Receive OTLP spans and logs (HTTP /v1/traces and /v1/logs, protobuf or JSON; "
        "gRPC on receiver.grpc_port), classify errors and recovery in-process, and expose "
        "Prometheus metrics on /metrics. SIGTERM drains and stops.",
    )
    _common(serve)
    _receiver_flags(serve)
    serve.add_argument("--metrics-host", dest="metrics.host", help="metrics bind address")
    serve.add_argument(
        "--metrics-port", dest="metrics.port", type=int, metavar="PORT", help="metrics port (9464)"
    )
    serve.add_argument(
        "--events-out", metavar="FILE", help="also write every error record as JSONL"
    )
    serve.add_argument(
        "--demo", action="store_true", help="feed it simulated agent runs and print a live summary"
    )
    serve.add_argument("--demo-rate", type=float, default=5.0, help="simulated runs per second (5)")
    serve.add_argument("--duration", type=float, help="stop after this many seconds")
    serve.add_argument("--report-every", type=float, default=15.0, help="seconds between summaries")

    replay = sub.add_parser(
        "replay",
        help="classify OTLP JSON Lines files, write final error records, print a summary",
        description="Read OTLP JSON Lines files (.gz allowed; trace and log lines), run the same "
        "classifier as the live "
        "service, write the final record of every error to --events-out, and print a per-model "
        "summary.",
    )
    _common(replay)
    replay.add_argument("paths", nargs="+", metavar="PATH", help="OTLP JSON Lines file(s)")
    replay.add_argument(
        "--events-out", metavar="FILE", help="JSONL of final error records ('-' = stdout)"
    )
    replay.add_argument("--summary-json", metavar="FILE", help="also write the summary as JSON")
    replay.add_argument(
        "--runs-out", metavar="FILE", help="JSONL of finished runs (for `rebound report --runs`)"
    )
    _progress_flag(replay)

    imp = sub.add_parser(
        "import",
        help="turn trajectories that were never traced into OTLP JSON Lines for replay",
        description="Read agent trajectories and CLI session transcripts (files or directory "
        "trees; FORMAT 'auto' recognises each file by name and content) and write one OTLP "
        "run per trajectory in the GenAI conventions. `rebound import --list` shows the formats.",
    )
    _common(imp)
    imp.add_argument("format", nargs="?", metavar="FORMAT", help="a format name, or auto")
    imp.add_argument("paths", nargs="*", metavar="PATH", help="files or directories")
    imp.add_argument("--out", metavar="FILE", help="OTLP JSON Lines to write (.gz allowed)")
    imp.add_argument("--list", action="store_true", help="list the formats and exit")
    _progress_flag(imp)

    coll = sub.add_parser(
        "collector",
        help="OTLP in, one otlp_spans message per trace and one otlp_logs message per session out",
        description="Receive OTLP spans and logs and produce them to Kafka (idempotent, acks=all): "
        "200 only once Kafka has them, 503 + Retry-After while it cannot take them.",
    )
    _common(coll)
    _kafka_flags(coll)
    _receiver_flags(coll)
    coll.add_argument(
        "--metrics-port", dest="metrics.port", type=int, metavar="PORT", help="metrics port (9464)"
    )

    clf = sub.add_parser(
        "classifier",
        help="consumer-group member: otlp_spans in, agent_errors and metrics out",
        description="Consume otlp_spans in a consumer group, classify errors and recovery per "
        "partition, produce events to agent_errors, malformed messages to the DLQ.",
    )
    _common(clf)
    _kafka_flags(clf)
    clf.add_argument(
        "--group-id", dest="kafka.group_id", help="consumer group (rebound-classifier)"
    )
    clf.add_argument(
        "--metrics-port", dest="metrics.port", type=int, metavar="PORT", help="metrics port (9464)"
    )

    dash = sub.add_parser(
        "dashboards",
        help="regenerate the Grafana dashboards and Prometheus rules",
        description="Grafana dashboards (grafana-foundation-sdk) and Prometheus recording/alert "
        "rules are code; this writes the committed JSON/YAML from it.",
    )
    _common(dash)
    dash_sub = dash.add_subparsers(dest="dashboards_command", required=True, metavar="ACTION")
    build = dash_sub.add_parser("build", help="write dashboards JSON and rules YAML")
    build.add_argument("--out", metavar="DIR", help="dashboards directory (dashboards/json)")
    build.add_argument("--rules-out", metavar="DIR", help="rules directory (deploy/prometheus)")

    ev = sub.add_parser(
        "eval",
        help="score error events against a labels file",
        description="Accuracy of category, type, status and fatal against labels (JSONL: "
        "error_id, type, status, fatal; lines with not_error: true are informational exits), "
        "detection recall/precision, fatal F1, informational exits flagged, status and fatal "
        "confusion, recovery rate per model (labels vs events), the worst types, and the "
        "share labelled by each tier. Events come from `rebound replay --events-out`; only "
        "events of labelled runs count.",
    )
    _common(ev)
    ev.add_argument("events", help="events JSONL (.gz allowed)")
    ev.add_argument("labels", help="labels JSONL")
    ev.add_argument(
        "--runs",
        metavar="FILE",
        help="JSONL of the labelled runs (trace_id per line), so runs with no label count too",
    )

    rep = sub.add_parser(
        "report",
        help="an offline HTML report of error events: six insights, one page",
        description="One self-contained HTML file (no network needed to view it) from error "
        "events: recovery in passed vs failed runs, model profiles, categories, the least and "
        "most recoverable types, the hardest tasks, and a model and version comparison, each "
        "with 95% intervals. Give the runs file of `rebound replay --runs-out` so runs without "
        "errors count in errors per run.",
    )
    _common(rep)
    rep.add_argument("events", nargs="+", metavar="EVENTS", help="events JSONL (.gz allowed)")
    rep.add_argument("--runs", metavar="SUMMARY", help="runs JSONL from `replay --runs-out`")
    rep.add_argument("--out", required=True, metavar="FILE", help="the HTML file to write")

    demo = sub.add_parser(
        "demo",
        help="send simulated agent runs over OTLP/HTTP with the OpenTelemetry SDK",
        description="Simulate coding-agent runs for several models (CLI, network, dependency, "
        "crash errors; passed and failed runs) and export them with the OpenTelemetry SDK.",
    )
    _common(demo)
    demo.add_argument("--endpoint", default="http://127.0.0.1:4318", help="OTLP/HTTP base URL")
    demo.add_argument(
        "--runs", type=int, help="number of runs (default: until --duration or Ctrl-C)"
    )
    demo.add_argument("--rate", type=float, default=5.0, help="runs per second (5)")
    demo.add_argument("--duration", type=float, help="seconds to run")
    demo.add_argument("--seed", type=int, default=7, help="random seed (7)")
    demo.add_argument(
        "--time-scale",
        type=float,
        default=0.05,
        help="simulated durations times this (0.05: runs replayed 20x faster than real time)",
    )
    demo.add_argument(
        "--write-jsonl", metavar="FILE", help="write runs as OTLP JSON Lines instead of sending"
    )
    return parser


def _progress_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress line on stderr (default: when stderr is a terminal)",
    )


def _kafka_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bootstrap-servers",
        dest="kafka.bootstrap_servers",
        metavar="HOST:PORT",
        help="Kafka brokers, comma-separated (127.0.0.1:9092)",
    )
    parser.add_argument(
        "--spans-topic", dest="kafka.spans_topic", metavar="TOPIC", help="(otlp_spans)"
    )
    parser.add_argument(
        "--errors-topic", dest="kafka.errors_topic", metavar="TOPIC", help="(agent_errors)"
    )
    parser.add_argument(
        "--kafka-client",
        dest="kafka.client",
        choices=["kafka-python", "confluent"],
        help="Kafka client library (kafka-python; confluent needs the confluent extra)",
    )


def _receiver_flags(parser: argparse.ArgumentParser) -> None:
    """Where the OTLP receivers listen and how they are secured (the token only from a file:
    a command line is visible to every user of the machine)."""
    parser.add_argument("--host", dest="receiver.host", help="bind address (default 127.0.0.1)")
    parser.add_argument(
        "--port", dest="receiver.http_port", type=int, metavar="PORT", help="OTLP/HTTP port (4318)"
    )
    parser.add_argument(
        "--grpc-port",
        dest="receiver.grpc_port",
        type=int,
        metavar="PORT",
        help="OTLP/gRPC port (4317)",
    )
    parser.add_argument(
        "--bearer-token-file",
        dest="receiver.bearer_token_file",
        metavar="FILE",
        help="require this token (Authorization: Bearer) on every OTLP request",
    )
    parser.add_argument("--tls-cert", dest="receiver.tls_cert_file", metavar="PEM")
    parser.add_argument("--tls-key", dest="receiver.tls_key_file", metavar="PEM")


_SETTING_KEYS = (
    "receiver.host",
    "receiver.http_port",
    "receiver.grpc_port",
    "receiver.bearer_token_file",
    "receiver.tls_cert_file",
    "receiver.tls_key_file",
    "metrics.host",
    "metrics.port",
    "log_level",
    "kafka.bootstrap_servers",
    "kafka.spans_topic",
    "kafka.errors_topic",
    "kafka.group_id",
    "kafka.client",
)


def _settings_error(exc: Exception) -> str:
    """What is wrong, without echoing the input: it may hold a token or a password."""
    if not isinstance(exc, ValidationError):
        return str(exc)
    return "; ".join(
        f"{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}"
        for error in exc.errors(include_input=False, include_url=False)
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rebound`` command."""
    args = build_parser().parse_args(argv)
    overrides: dict[str, Any] = {k: getattr(args, k, None) for k in _SETTING_KEYS}
    try:
        settings = load_settings(args.config, **overrides)
    except (ValidationError, FileNotFoundError, ValueError) as exc:
        print(f"rebound: invalid settings: {_settings_error(exc)}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    handler = {
        "serve": _serve,
        "replay": _replay,
        "demo": _demo,
        "collector": _collector,
        "classifier": _classifier,
        "dashboards": _dashboards,
        "eval": _eval,
        "report": _report,
        "import": _import,
    }[args.command]
    return handler(args, settings)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from rebound.serve import run_serve

    return run_serve(
        settings,
        events_out=args.events_out,
        duration=args.duration,
        demo=args.demo,
        demo_rate=args.demo_rate,
        report_every=args.report_every,
    )


def _replay(args: argparse.Namespace, settings: Settings) -> int:
    from rebound.exporters.summary import render_table
    from rebound.replay import replay

    progress = sys.stderr.isatty() if args.progress is None else args.progress
    try:
        result = replay(
            args.paths, settings, args.events_out, progress=progress, runs_out=args.runs_out
        )
    except OSError as exc:
        print(f"rebound replay: {exc}", file=sys.stderr)
        return 1
    out = sys.stderr if args.events_out == "-" else sys.stdout
    print(render_table(result.summary), file=out)
    rejected = ", ".join(f"{k} {v}" for k, v in sorted(result.rejected.items())) or "none"
    print(
        f"\n{result.lines:,} lines, {result.spans:,} spans, rejected: {rejected}; "
        f"{result.events_written:,} error records written",
        file=out,
    )
    if args.summary_json:
        with open(args.summary_json, "wb") as fh:
            fh.write(orjson.dumps(result.summary.as_dict(), option=orjson.OPT_INDENT_2))
    return 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from rebound.importing import AUTO, formats, import_paths

    if args.list:
        for name, importer in sorted(formats().items()):
            print(f"{name:16} {importer.description}")
        print(f"{AUTO:16} recognise each file's format by its name and content")
        return 0
    if not args.format or not args.paths or not args.out:
        print("rebound import: FORMAT, PATH... and --out are required", file=sys.stderr)
        return 2
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    try:
        result = import_paths(args.format, args.paths, args.out, progress=progress)
    except (OSError, ValueError) as exc:
        print(f"rebound import: {exc}", file=sys.stderr)
        return 2
    by_format = ", ".join(f"{k} {v}" for k, v in sorted(result.formats.items())) or "none"
    print(
        f"{result.runs:,} runs ({by_format}), {result.steps:,} tool steps from "
        f"{result.files:,} inputs; {result.synthetic_time:,} runs on a synthetic clock; "
        f"{result.skipped:,} files skipped; {result.problem_count:,} problems -> {args.out}"
    )
    for problem in result.problems:
        print(f"  {problem}", file=sys.stderr)
    if result.problem_count > len(result.problems):
        print(f"  … and {result.problem_count - len(result.problems):,} more", file=sys.stderr)
    return 1 if result.problem_count else 0


def _collector(args: argparse.Namespace, settings: Settings) -> int:
    from rebound.kafka_collector import run_collector

    return run_collector(settings)


def _classifier(args: argparse.Namespace, settings: Settings) -> int:
    from rebound.kafka_classifier import run_classifier

    return run_classifier(settings)


def _dashboards(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from rebound.dashboards.build import JSON_DIR, RULES_DIR, build_all

    out = Path(args.out) if args.out else JSON_DIR
    written = build_all(out, Path(args.rules_out) if args.rules_out else RULES_DIR)
    for path in written:
        print(path)
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from rebound.evaluate import render, run_eval

    try:
        print(render(run_eval(args.events, args.labels, args.runs)))
    except (OSError, ValueError) as exc:
        print(f"rebound eval: {exc}", file=sys.stderr)
        return 1
    return 0


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from rebound.exporters.report import NoEvents, build_report

    try:
        result = build_report(args.events, args.out, args.runs, version=_version())
    except (OSError, NoEvents) as exc:
        print(f"rebound report: {exc}", file=sys.stderr)
        return 1
    for note in result.notes:
        print(f"rebound report: warning: {note}", file=sys.stderr)
    print(f"{args.out}: {result.events:,} errors in {result.runs:,} runs")
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from rebound.demo import simulator

    if args.write_jsonl:
        simulator.write_jsonl(args.write_jsonl, seed=args.seed, n=args.runs or 100)
        return 0
    stats = simulator.run_demo(
        endpoint=args.endpoint,
        runs=args.runs,
        rate=args.rate,
        duration=args.duration,
        seed=args.seed,
        time_scale=args.time_scale,
    )
    print(stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the real clients' conformance fixtures must classify to (tests/fixtures/clients).

The expectations are written from the harnesses' scenario tables (command, real exit
code) and from what each client exposes, never from Rebound's output: a client that
sends neither output nor exit code for a failure (Claude Code; openai-agents with its
default error function) cannot be typed.

One call the harnesses count as failing is a probe under the project's detection rules
(``classifier/commands.py``: "their not found is the answer", as the annotators' guide
says of availability checks): ``foo --version`` finding ``foo`` missing is never an event.
``ls --bogus-flag`` names no path, so it asks nothing and its failure is always an event.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from rebound.classifier.cli_sessions import hex_run_id
from rebound.collector.log_keys import session_of
from rebound.collector.logs import LogRecord
from rebound.serve import Service, start_service
from rebound.settings import load_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "clients"
NOT_EXPOSED = frozenset({"nonzero_exit_unexplained", "unclassified"})
RESOLVED = frozenset({"recovered", "unrecovered"})


@dataclass(frozen=True)
class Call:
    """One failing call of a scenario: its command, its type, its status (None: either).

    ``probe``: "answer" when detection takes the failure for a probe's answer (no event).
    """

    command: str
    type: str
    status: str | None
    probe: str = ""

    def expected(self, shows_output: bool) -> bool:
        """Whether this call must be an event from a client that shows (or not) output."""
        return self.probe != "answer"


_CLI_CURL = "curl -sS --max-time 3 http://127.0.0.1:9/"
_FW_CURL = "curl -sS --max-time 5 http://127.0.0.1:9/"
CLI_SCENARIOS: dict[str, list[Call]] = {
    "scenario-recover": [Call("foo --version", "command_not_found", None, "answer")],
    "scenario-fatal": [
        Call(_CLI_CURL, "connection_refused_unreachable", "unrecovered"),
        Call(_CLI_CURL, "connection_refused_unreachable", "unrecovered"),
    ],
    "scenario-flag": [Call("ls --bogus-flag", "unknown_option_subcommand", "recovered")],
    "scenario-ok": [],
}
FRAMEWORK_SCENARIOS: dict[str, list[Call]] = {
    "scenario-recover": [
        Call("foo --version", "command_not_found", None, "answer"),
        Call('python3 -c "import nosuchmod"', "module_not_found", None),
    ],
    "scenario-fatal": [
        Call(_FW_CURL, "connection_refused_unreachable", "unrecovered"),
        Call(_FW_CURL, "connection_refused_unreachable", "unrecovered"),
    ],
    "scenario-flag": [Call("ls --bogus-flag", "unknown_option_subcommand", "recovered")],
    "scenario-ok": [],
    "scenario-timeout": [Call("sleep 30", "command_timeout", None)],
}
CLI_MODELS = {"claude": "claude-opus-4-8", "codex": "gpt-5.5", "gemini": "gemini-3.8-flash"}
CLI_AGENTS = {"claude": "claude-code", "codex": "codex_exec", "gemini": "gemini-cli"}


def fixture_files() -> list[Path]:
    """Every OTLP/JSON fixture file: one CLI session each, or one framework mode's runs."""
    return sorted([*FIXTURES.glob("cli/*.jsonl.gz"), *FIXTURES.glob("frameworks/*.jsonl.gz")])


@dataclass(frozen=True)
class GrpcCall:
    """One recorded OTLP/gRPC call: its method path, the request bytes, how they went."""

    method: str
    body: bytes
    compression: str  # "gzip" or "identity", as the client sent it
    user_agent: str


@contextmanager
def serving(events_out: Path) -> Iterator[tuple[Service, grpc.Channel]]:
    """A ``rebound serve`` on free ports writing ``events_out``, and a gRPC channel to it.

    The service is stopped (every open session flushed) when the block ends.
    """
    ports = {"receiver.http_port": 0, "receiver.grpc_port": 0, "metrics.port": 0}
    service = start_service(load_settings(**ports), events_out=events_out)
    try:
        assert service.grpc is not None
        with grpc.insecure_channel(f"127.0.0.1:{service.grpc.port}") as channel:
            yield service, channel
    finally:
        service.stop()


def session_run_ids(records: Iterable[LogRecord]) -> set[str]:
    """The run ids Rebound gives the CLI sessions of these log records (their session ids)."""
    return {hex_run_id(s) for r in records if (s := session_of(r))}


def grpc_fixture_files() -> list[Path]:
    """The CLIs' OTLP/gRPC fixtures: one session each (``<cli>-grpc-<scenario>``)."""
    return sorted(FIXTURES.glob("grpc/*.jsonl.gz"))


def grpc_calls(path: Path) -> list[GrpcCall]:
    """The gRPC calls of a fixture, in the order the client made them."""
    calls = []
    for line in lines(path):
        call = json.loads(line)
        body = base64.b64decode(call["body"])
        calls.append(GrpcCall(call["method"], body, call["compression"], call["user_agent"]))
    return calls


def lines(path: Path) -> list[bytes]:
    """The OTLP/JSON request lines of a fixture."""
    with gzip.open(path, "rb") as fh:
        return [line for line in fh.read().splitlines() if line.strip()]


def final_events(path: Path) -> list[dict[str, Any]]:
    """The last record of each error in an events JSONL file."""
    last: dict[str, dict[str, Any]] = {}
    for line in path.read_text().splitlines():
        event = json.loads(line)
        last[event["error_id"]] = event
    return list(last.values())


def check_cli(name: str, events: list[dict[str, Any]]) -> None:
    """Assert the events of one CLI fixture (``<cli>-<variant>-<scenario>``)."""
    cli, variant, scenario = name.split("-", 2)
    want = CLI_SCENARIOS[scenario]
    if not (cli == "claude" and variant == "default"):  # without a command, nothing is a probe
        want = [c for c in want if c.expected(shows_output=cli != "claude")]
    got = sorted(events, key=lambda e: e["step_index"])
    assert len(got) == len(want), (name, [e["command"] for e in got])
    assert len({e["run_id"] for e in got}) <= 1, name  # one session, one run
    for call, event in zip(want, got, strict=True):
        assert event["model"] == CLI_MODELS[cli], (name, event)
        assert event["agent"] == CLI_AGENTS[cli], (name, event)
        if call.status is not None:
            assert event["status"] == call.status, (name, event)
        assert event["status"] in RESOLVED, (name, event)
        if cli == "claude" and variant == "default":
            # no command, output or exit code: only "a shell command failed" is known
            assert event["command"] is None and event["type"] in NOT_EXPOSED, (name, event)
        elif cli == "claude":  # no output or exit code: a shell command failed, no more
            assert event["command"] == call.command and event["type"] in NOT_EXPOSED, event
        else:
            assert (event["command"], event["type"]) == (call.command, call.type), (name, event)


def check_framework(name: str, events: list[dict[str, Any]]) -> None:
    """Assert the events of one framework fixture (``<framework>-<mode>``, model = scenario)."""
    by_scenario: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_scenario[event["model"]].append(event)
    assert set(by_scenario) <= set(FRAMEWORK_SCENARIOS), (name, set(by_scenario))
    hidden = name.endswith("raise-default")  # the SDK redacts the tool's text
    for scenario, calls in FRAMEWORK_SCENARIOS.items():
        want = [c for c in calls if c.expected(shows_output=not hidden)]
        got = sorted(by_scenario.get(scenario, []), key=lambda e: e["step_index"])
        assert [e["command"] for e in got] == [c.command for c in want], (name, scenario)
        for call, event in zip(want, got, strict=True):
            assert event["status"] in RESOLVED, (name, event)
            if call.status is not None:
                assert event["status"] == call.status, (name, event)
            if hidden:
                assert event["type"] in NOT_EXPOSED, (name, event)
            else:
                assert event["type"] == call.type, (name, event)
            assert "pydantic_ai" not in event["message"], event  # the framework's traceback
            if not hidden:
                assert "Error running tool" not in event["message"], event  # its wrapper

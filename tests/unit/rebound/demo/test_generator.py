"""Simulated runs are deterministic, well-shaped traces whose labels match their spans."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict

import pytest
from opentelemetry.trace import SpanKind

from rebound.demo.generator import InjectedError, SimRun, SimSpan, generate_runs, make_run
from rebound.demo.profiles import MODELS, RELEASES


@pytest.fixture(scope="module")
def runs() -> list[SimRun]:
    return generate_runs(11, 600)


def _children(run: SimRun) -> tuple[SimSpan, ...]:
    return run.spans[1:]


def _is_tool(span: SimSpan) -> bool:
    return span.attributes["gen_ai.operation.name"] == "execute_tool"


def _recovery(errors: list[InjectedError]) -> float:
    return sum(e.recovered for e in errors) / len(errors)


def test_same_seed_gives_the_same_runs_and_run_i_does_not_depend_on_n() -> None:
    assert generate_runs(5, 12) == generate_runs(5, 12)
    assert generate_runs(5, 4) == generate_runs(5, 12)[:4]
    assert make_run(5, 3) == generate_runs(5, 4)[3]
    assert generate_runs(6, 4) != generate_runs(5, 4)


def test_root_span_describes_the_run(runs: list[SimRun]) -> None:
    for run in runs:
        root = run.spans[0]
        assert root.parent_id is None and root.kind is SpanKind.INTERNAL
        assert root.name == f"invoke_agent {run.agent}"
        assert root.attributes == {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": run.agent,
            "gen_ai.request.model": run.model,
            "gen_ai.provider.name": run.provider,
            "rebound.task.id": run.task_id,
        }
        assert root.end_attributes == {"rebound.run.outcome": run.outcome}
        assert (root.error is not None) == (run.outcome == "failed")


def test_children_hang_off_the_root_in_time_order(runs: list[SimRun]) -> None:
    for run in runs:
        root, children = run.spans[0], _children(run)
        assert all(c.parent_id == root.span_id for c in children)
        assert len({s.span_id for s in run.spans}) == len(run.spans)
        assert [c.start_ns for c in children] == sorted(c.start_ns for c in children)
        assert all(0 <= c.start_ns < c.end_ns <= root.end_ns for c in children)


def test_a_model_call_precedes_every_tool_step(runs: list[SimRun]) -> None:
    for run in runs:
        children = _children(run)
        assert not _is_tool(children[0])
        for before, span in itertools.pairwise(children):
            if _is_tool(span):
                assert before.name == f"chat {run.model}" and before.error is None
                assert before.attributes["gen_ai.response.model"] == run.model
                assert before.attributes["gen_ai.usage.input_tokens"] > 0  # type: ignore[operator]


def test_tool_spans_carry_command_output_and_exit_code(runs: list[SimRun]) -> None:
    tools = [s for run in runs for s in _children(run) if _is_tool(s)]
    for span in tools:
        assert span.name == "execute_tool bash" and span.attributes["gen_ai.tool.name"] == "bash"
        command = json.loads(str(span.attributes["gen_ai.tool.call.arguments"]))["command"]
        assert isinstance(command, str) and command
        code = span.attributes["process.exit.code"]
        assert isinstance(code, int)
        assert (span.error is not None) == (code != 0)
        assert isinstance(span.attributes["gen_ai.tool.call.result"], str)


def test_labels_point_at_failing_spans(runs: list[SimRun]) -> None:
    for run in runs:
        by_id = {s.span_id: s for s in run.spans}
        for error in run.errors:
            assert by_id[error.span_id].error is not None


def test_failed_model_calls_carry_an_exception_event(runs: list[SimRun]) -> None:
    model_errors = [e for run in runs for e in run.errors if e.category == "model_api"]
    assert model_errors
    for run in runs:
        by_id = {s.span_id: s for s in run.spans}
        for error in (e for e in run.errors if e.category == "model_api"):
            span = by_id[error.span_id]
            assert span.name == f"chat {run.model}"
            (event,) = span.events
            assert event.name == "exception"
            assert event.attributes["exception.type"] == span.attributes["error.type"]
            assert str(event.attributes["exception.message"]) == span.error


def test_outcome_follows_the_fatal_error(runs: list[SimRun]) -> None:
    for run in runs:
        fatal = [e for e in run.errors if e.fatal]
        if run.outcome == "failed":
            assert len(fatal) == 1 and not fatal[0].recovered
            # Nothing after it is an error: the run ends stuck on it.
            assert run.errors[-1] == fatal[0]
        else:
            assert run.outcome == "passed" and not fatal


def test_models_and_agent_versions_are_all_represented(runs: list[SimRun]) -> None:
    assert {r.model for r in runs} == set(MODELS)
    assert {(r.agent, r.agent_version) for r in runs} == {(r.agent, r.version) for r in RELEASES}
    assert {r.outcome for r in runs} == {"passed", "failed"}


def test_recovery_rates_differ_as_designed(runs: list[SimRun]) -> None:
    errors = [e for run in runs for e in run.errors]
    by_category: dict[str, list[InjectedError]] = defaultdict(list)
    for error in errors:
        by_category[error.category].append(error)
    assert _recovery(by_category["network"]) < 0.5 < 0.75 < _recovery(by_category["cli_invocation"])
    passed = [e for r in runs if r.outcome == "passed" for e in r.errors]
    failed = [e for r in runs if r.outcome == "failed" for e in r.errors]
    assert _recovery(failed) < 0.85 < 0.9 < _recovery(passed)
    old = [e for r in runs if r.agent_version == "1.4.0" for e in r.errors]
    new = [e for r in runs if r.agent_version == "1.5.0" for e in r.errors]
    assert _recovery(new) < _recovery(old) - 0.03

"""Routes to a goal the rules follow past the literal command: a reworded retry, a script
the agent wrote to drive a program, a helper dropped for another way, a snippet reworded."""

from __future__ import annotations

from rebound.classifier.core import Classifier
from rebound.classifier.events import Emission, ErrorEvent
from rebound.collector.spans import Span
from tests.support.agentrun import RunBuilder

TOO_LONG = "The output of your last command was too long.\nPlease try a narrower command."
KILLED = "The command ran past the time limit and was killed."


def final_events(spans: list[Span]) -> list[ErrorEvent]:
    core = Classifier()
    outputs = core.ingest(spans, now=1000.0) + core.close_all()
    events = [o.event for o in outputs if isinstance(o, Emission) and o.final]
    return sorted(events, key=lambda e: int(e.step_index))


def first_event(outcome: str, *steps: tuple[str, str] | tuple[str, str, int]) -> ErrorEvent:
    run = RunBuilder()
    for step in steps:
        run.tool(*step)
    return final_events(run.finish(outcome))[0]


def test_a_reworded_retry_that_failed_the_same_way_is_recovered_where_the_retry_is() -> None:
    run = RunBuilder()
    run.tool("./report.sh all", TOO_LONG, 0)
    run.tool("./report.sh today", TOO_LONG, 0)
    run.tool("./report.sh today --brief", "3 jobs, 0 failed")
    first, second = final_events(run.finish("passed"))
    assert first.type == second.type == "output_too_large"
    assert second.status == "recovered" and second.recovery_reason == "same_intent"
    assert first.status == "recovered"
    assert first.recovery_step_index == second.recovery_step_index


def test_no_carry_back_over_a_success_in_between() -> None:
    run = RunBuilder()
    run.tool("./report.sh all", TOO_LONG, 0)
    run.tool("touch notes.txt", "")
    run.tool("./report.sh today", TOO_LONG, 0)
    run.tool("./report.sh today --brief", "3 jobs, 0 failed")
    first, second = final_events(run.finish("passed"))
    assert second.status == "recovered"
    assert first.status == "unrecovered" and first.recovery_reason == "not_reached"


DRIVER = """cat <<'EOF' > drive.py
import subprocess
for move in ("north", "east"):
    subprocess.run(f"printf '{move}\\\\n' | ./game.sh", shell=True, check=True)
EOF"""


def test_a_program_that_hung_is_recovered_by_a_script_written_to_drive_it() -> None:
    ev = first_event(
        "passed",
        ("./game.sh", KILLED, 124),
        (DRIVER, ""),
        ("python3 drive.py", "You moved north\nYou moved east"),
    )
    assert ev.type == "command_timeout"
    assert ev.status == "recovered" and ev.recovery_reason == "same_effect"
    assert ev.recovery_action == "python3 drive.py"


def test_a_script_that_only_names_the_program_does_not_drive_it() -> None:
    ev = first_event(
        "passed",
        ("./game.sh", KILLED, 124),
        ("cat <<'EOF' > notes.py\nprint('game.sh needs a terminal')\nEOF", ""),
        ("python3 notes.py", "game.sh needs a terminal"),
    )
    assert ev.status == "unrecovered"


HELPER = "cat <<'EOF' > search_all.py\nimport itertools\nprint(max(itertools.count()))\nEOF"


def test_a_helper_script_that_timed_out_and_was_dropped_is_recovered_when_tests_pass() -> None:
    ev = first_event(
        "passed",
        (HELPER, ""),
        ("python3 search_all.py", KILLED, 124),
        ("printf '42\\n' > answer.txt", ""),
        ("python3 -m pytest tests/test_answer.py", "1 passed in 0.02s"),
    )
    assert ev.type == "command_timeout"
    assert ev.status == "recovered" and ev.recovery_reason == "same_effect"
    assert ev.recovery_action == "python3 -m pytest tests/test_answer.py"


def test_a_timed_out_script_the_agent_did_not_write_is_not_a_dropped_helper() -> None:
    ev = first_event(
        "passed",
        ("python3 search_all.py", KILLED, 124),
        ("python3 -m pytest tests/test_answer.py", "1 passed in 0.02s"),
    )
    assert ev.status == "unrecovered"


def test_a_dropped_helper_needs_the_projects_tests_not_another_script_of_the_agents() -> None:
    ev = first_event(
        "failed",
        (HELPER, ""),
        ("python3 search_all.py", KILLED, 124),
        ("cat <<'EOF' > test_mine.py\nprint('ok')\nEOF", ""),
        ("python3 test_mine.py", "ok"),
    )
    assert ev.status == "unrecovered"


ATTR = "AttributeError: module 'yaml' has no attribute '__release__'"


def test_a_snippet_reworded_at_once_over_the_same_module_is_recovered() -> None:
    ev = first_event(
        "passed",
        ('python3 -c "import yaml; print(yaml.__release__)"', ATTR, 1),
        ('python3 -c "import yaml; print(dir(yaml))"', "['CDumper', 'dump', 'load']"),
    )
    assert ev.type == "attribute_error"
    assert ev.status == "recovered" and ev.recovery_reason == "same_intent"


def test_a_snippet_over_the_same_module_much_later_is_not_a_rewording() -> None:
    ev = first_event(
        "passed",
        ('python3 -c "import yaml; print(yaml.__release__)"', ATTR, 1),
        ("ls", "setup.py"),
        ('python3 -c "import yaml; print(dir(yaml))"', "['CDumper', 'dump', 'load']"),
    )
    assert ev.status == "unrecovered"


def test_a_timeout_on_an_unclosed_quote_is_a_syntax_error_fixed_by_the_requoted_command() -> None:
    ev = first_event(
        "passed",
        ('grep -n "name=\\" setup.cfg', KILLED, 124),
        ("grep -n 'name=\"' setup.cfg", '3:name="demo"'),
    )
    assert ev.type == "shell_syntax_error"
    assert ev.status == "recovered"


def test_a_search_for_one_of_the_alternatives_seeks_the_same_thing() -> None:
    ev = first_event(
        "passed",
        ('rg -n "retry_budget|backoff_ms" src/net', "bash: rg: command not found", 127),
        ('grep -Rn "backoff_ms" src/net', "src/net/client.c:41: int backoff_ms = 50;"),
    )
    assert ev.type == "command_not_found"
    assert ev.status == "recovered" and ev.recovery_reason == "same_effect"


def test_a_search_for_a_phrase_naming_the_term_seeks_the_same_thing() -> None:
    ev = first_event(
        "passed",
        ('rg -n "RetryPolicy" lib', "bash: rg: command not found", 127),
        ("grep -Rn 'class RetryPolicy' lib", "lib/policy.py:8:class RetryPolicy:"),
    )
    assert ev.status == "recovered" and ev.recovery_reason == "same_effect"


def test_a_search_for_another_name_does_not_recover_the_first() -> None:
    ev = first_event(
        "passed",
        ('rg -n "RetryPolicy" lib', "bash: rg: command not found", 127),
        ("grep -Rn 'class Session' lib", "lib/session.py:3:class Session:"),
    )
    assert ev.status == "unrecovered"


CLI_FAILS = (
    "cases::flags::help_text --- FAILED\n"
    "test result: FAILED. 39 passed; 1 failed\n"
    "error: test failed, to rerun pass `-p app-cli --test main`\n"
)


def test_a_later_run_that_left_out_only_another_crate_ran_the_failed_tests() -> None:
    ev = first_event(
        "passed",
        ("cargo test -q", CLI_FAILS, 101),
        ("cargo test -q --workspace --exclude app-server", "test result: ok. 40 passed"),
    )
    assert ev.type == "test_assertion_failure"
    assert ev.status == "recovered" and ev.recovery_reason == "same_intent"


def test_a_later_run_that_left_out_the_failed_tests_did_not_recover_them() -> None:
    for later in (
        "cargo test -q --workspace --exclude app-cli",
        "cargo test -q -- --skip help_text",
        "cargo test -q --lib",
    ):
        ev = first_event(
            "passed", ("cargo test -q", CLI_FAILS, 101), (later, "test result: ok. 12 passed")
        )
        assert ev.status == "unrecovered", later

"""The command model: one reading of a command line for detection, intent and effects."""

from __future__ import annotations

import pytest

from rebound.classifier.commands import Command, Stage
from rebound.classifier.intent import shell_intent


def main(command: str) -> Stage | None:
    return Command.parse(command).main_stage()


def test_wrappers_are_unwrapped_with_their_own_values() -> None:
    assert main("env -u PYTHONPATH pytest -q") == Stage("pytest", ("-q",))
    assert main("nice -n 10 make -j4") == Stage("make", ("-j4",))
    assert main("timeout -s KILL 30 ./run.sh") == Stage("run.sh", ())
    assert main("sudo -u builder -E cargo build") == Stage("cargo", ("build",), "builder")
    assert main("env A=1 B=2 node app.js") == Stage("node", ("app.js",))


def test_shell_c_and_su_c_are_opened_up() -> None:
    assert Command.parse("bash -c 'cat build.log'").is_viewer()
    assert Command.parse("cat build.log").is_viewer()
    stage = main("su -s /bin/bash -c 'npm test' runner")
    assert stage == Stage("npm", ("test",), "runner")


def test_the_stage_that_only_feeds_text_is_not_the_main_one() -> None:
    assert main("echo y | apt-get install tzdata") == Stage("apt-get", ("install", "tzdata"))
    assert main("printf 'q\\n' | ./game") == Stage("game", ())
    assert main("python run.py 2>&1 | tail -5") == Stage("python", ("run.py",))
    assert main("cd src && export X=1") == Stage("export", ("X=1",))


def test_flag_values_are_not_operands() -> None:
    assert Command.parse("ninja -k 0 -C out").pipelines[0].stages[0].operands == ()
    assert Command.parse("ninja -k 0 -C out app").pipelines[0].stages[0].operands == ("app",)
    found = shell_intent("ninja -k 0")
    assert found is not None and found.key == ("build", ".", None)


@pytest.mark.parametrize(
    ("command", "probe"),
    [
        ("which cargo", True),
        ("command -v node", True),
        ("java -version", True),
        ("ls /opt/tool/bin", True),
        ("ls -la", False),  # no path: nothing asked
        ("ls --no-such-option", False),
        ("gcc --version; cl; cmake --version", True),
        ("python --version && python -c 'import x'", False),
        ("cargo build", False),
        ("pytest -v", False),  # verbose, not a version
    ],
)
def test_probes(command: str, probe: bool) -> None:
    assert Command.parse(command).is_probe() is probe


@pytest.mark.parametrize(
    ("command", "code", "findings"),
    [
        ("pylint pkg/", 16, True),  # convention messages only
        ("python3 -m pylint --rcfile=rc a.py", 28, True),  # warning + refactor + convention
        ("pylint pkg/", 2, False),  # error messages
        ("pylint pkg/", 32, False),  # usage error
        ("pylint pkg/", 18, False),  # error + convention
        ("sphinx-build -b linkcheck docs out", 1, True),
        ("sphinx-build -b html docs out", 1, False),
        ("sphinx-build -b linkcheck docs out", 2, False),
    ],
)
def test_checkers_reporting_findings(command: str, code: int, findings: bool) -> None:
    assert Command.parse(command).reports_findings(code) is findings


def test_informational_exits_read_the_deciding_stage() -> None:
    assert Command.parse("ls -l missing/dir").informational(2)
    assert not Command.parse("ls -l missing/dir; make").informational(2)
    assert Command.parse("find . -name '*.c' | xargs grep -l TODO").informational(123)
    assert Command.parse("bash -c 'grep -q x f'").informational(1)


def test_compound_commands_run_the_commands_inside_them() -> None:
    loop = "for f in a b; do case $f in a) n=1;; b) n=2;; esac; ./bin/check_test $f; done"
    assert main(loop) == Stage("check_test", ("$f",))
    assert main("while read l; do grep -c x $l; done < list") == Stage("grep", ("-c", "x", "$l"))
    # what an `else` branch runs is the fallback, not what the step was for
    assert main("if make all; then echo ok; else cat build.log; fi") == Stage("make", ("all",))


def test_a_glob_lists_files_and_a_name_searches_for_one() -> None:
    by_glob, by_name = (
        shell_intent("find . -name '*.java'"),
        shell_intent("find . -name Parser.java"),
    )
    assert by_glob is not None and by_glob.family == ("locate", "")
    assert by_name is not None and by_name.family == ("search", "parser")
    typo = shell_intent('find. -name "Parser.java"')  # `find.` typed for `find .`
    assert typo is not None and typo.program == "find" and typo.family == ("search", "parser")


def test_a_line_wrapped_for_display_is_read_as_one_command() -> None:
    wrapped = (
        'find src -name "*.rs" -exec grep -l -E\n"(unsafe|transmute)" {} \\; || echo\n'
        '"No hits at all"'
    )
    assert Command.parse(wrapped).programs() == ["find", "echo"]
    assert Command.parse("grep -c x log.txt\n| tail -1").programs() == ["grep", "tail"]
    piped = 'head -3 data.csv | grep -E\n"(id|name/first)"'
    assert Command.parse(piped).informational(1)


def test_a_new_line_that_can_start_a_command_stays_a_command() -> None:
    assert Command.parse('cd app\n"$PYTHON" -m pytest').programs() == ["cd", "$python"]
    assert Command.parse('mkdir out\n"/opt/tool kit/run" --all').programs() == ["mkdir", "run"]
    assert Command.parse("echo start\n./build.sh").programs() == ["echo", "build.sh"]
    heredoc = "cat <<'EOF' > notes.txt\n\"quoted line one\"\nEOF"
    assert Command.parse(heredoc).programs() == ["cat"]

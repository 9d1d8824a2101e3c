"""Is a step an error at all? Exit codes, hidden exits, viewers, noise, model calls."""

from __future__ import annotations

import pytest

from rebound.classifier.detect import Detector
from rebound.classifier.steps import Step, StepKind


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def _step(
    command: str | None,
    output: str,
    exit_code: int | None,
    *,
    tool: str = "bash",
    kind: StepKind = "tool",
    failed: bool = False,
    error_text: str = "",
) -> Step:
    return Step(
        trace_id="a" * 32,
        span_id="b" * 16,
        parent_span_id=None,
        kind=kind,
        name=tool,
        start_ns=0,
        end_ns=1,
        tool=tool,
        command=command,
        output=output,
        exit_code=exit_code,
        failed_signal=failed,
        error_text=error_text,
    )


@pytest.mark.parametrize(
    ("command", "exit_code"),
    [
        ("grep -n 'def main' app.py", 1),
        ("cd src && grep -rn TODO .", 1),
        ("cat log.txt | grep -i panic", 1),
        ("find . -name '*.py' | xargs grep -l asyncio", 123),
        ("rg unused_fn crates", 1),
        ("diff expected.txt actual.txt", 1),
        ("cmp a.bin b.bin", 1),
        ("test -f /etc/app.conf", 1),
        ("[ -d build ] && echo built", 1),
        ("which cargo", 1),
        ("command -v podman", 1),
        ("git diff --exit-code", 1),
        ("systemctl is-active nginx", 3),
    ],
)
def test_informational_exits_are_not_errors(
    detector: Detector, command: str, exit_code: int
) -> None:
    assert detector.detect(_step(command, "", exit_code)) is None


def test_grep_that_failed_to_read_is_an_error(detector: Detector) -> None:
    found = detector.detect(
        _step("grep foo missing.txt", "grep: missing.txt: No such file or directory", 2)
    )
    assert found is not None and found.type == "file_not_found"


def test_diff_printing_differences_is_not_an_error(detector: Detector) -> None:
    out = "--- a.txt\n+++ b.txt\n@@ -1 +1 @@\n-Error: old\n+Error: new"
    assert detector.detect(_step("diff -u a.txt b.txt", out, 1)) is None


def test_probe_for_a_missing_program_is_not_an_error(detector: Detector) -> None:
    out = (
        "Get-Command : The term 'sh' is not recognized as the name of a cmdlet, function,\n"
        "    + FullyQualifiedErrorId : CommandNotFoundException"
    )
    assert detector.detect(_step("Get-Command sh", out, 1, tool="powershell")) is None


def test_pipeline_tail_hides_a_failing_test_run(detector: Detector) -> None:
    out = "tests/test_io.py::test_read FAILED\n===== 1 failed, 12 passed in 1.02s ====="
    found = detector.detect(_step("pytest -q 2>&1 | tail -5", out, 0))
    assert found is not None
    assert found.type == "test_assertion_failure"
    assert found.strong


def test_semicolon_hides_an_earlier_failure(detector: Detector) -> None:
    out = "bash: rustc: command not found\nfinished"
    found = detector.detect(_step("rustc src/main.rs; echo finished", out, 0))
    assert found is not None and found.type == "command_not_found"


def test_a_line_of_version_checks_is_a_probe(detector: Detector) -> None:
    out = "bash: zig: command not found\ncargo 1.79.0\nbash: cl: command not found"
    assert detector.detect(_step("zig version; cargo --version; cl", out, 0)) is None
    assert detector.detect(_step("node --version", "bash: node: command not found", 127)) is None


def test_reliable_exit_zero_trusts_the_program(detector: Detector) -> None:
    out = "connecting...\nConnection refused, retrying\nconnected; 12 rows imported"
    assert detector.detect(_step("python import_rows.py", out, 0)) is None


def test_exit_zero_is_no_success_when_the_output_says_otherwise(detector: Detector) -> None:
    traceback = "Traceback (most recent call last):\nValueError: bad row 7\nskipped 1 row"
    assert _type_of(detector, "python import_rows.py", traceback, 0) == "value_error"
    verdict = "value: 1\nFAILURE: the override was not applied"
    assert _type_of(detector, "python repro.py", verdict, 0) == "output_mismatch"
    caught = "Caught unexpected exception: LookupFailed: no row 3"  # the script's verdict wins
    assert _type_of(detector, "python repro.py", caught, 0) == "output_mismatch"
    assert detector.detect(_step("cat old_run.log", traceback, 0)) is None  # only shown


def test_harness_notice_counts_even_with_exit_zero(detector: Detector) -> None:
    out = "<warning>\nThe output of your last command was too long.\n</warning>"
    found = detector.detect(_step("cat huge.log", out, 0))
    assert found is not None and found.type == "output_too_large"


def test_unknown_exit_with_strong_text_is_an_error(detector: Detector) -> None:
    found = detector.detect(
        _step("javac Main.java", "/bin/bash: line 3: javac: command not found", None)
    )
    assert found is not None
    assert found.type == "command_not_found"
    assert found.strong


def test_unknown_exit_with_weak_text_is_not_an_error(detector: Detector) -> None:
    out = "Deserialized value: 3\nnote: field 'x' Permission denied semantics apply"
    assert detector.detect(_step("java Repro", out, None)) is None


def test_viewing_a_log_full_of_errors_is_not_an_error(detector: Detector) -> None:
    log = (
        "2024-05-01 ERROR worker crashed\nTraceback (most recent call last):\n"
        "ModuleNotFoundError: No module named 'x'\nmake: *** [all] Error 2\nBUILD FAILURE"
    )
    for command in (
        "cat build.log",
        "tail -n 50 build.log",
        "grep -rn Error logs/",
        "open build.log",
    ):
        assert detector.detect(_step(command, log, None)) is None, command


def test_a_viewer_complaining_itself_is_an_error(detector: Detector) -> None:
    found = detector.detect(_step("cat notes.md", "cat: notes.md: No such file or directory", None))
    assert found is not None and found.type == "file_not_found"


def test_recursive_search_noise_beside_results_is_not_an_error(detector: Detector) -> None:
    out = "grep: vendor/broken-link: No such file or directory\nsrc/a.c:10: USE_FOO\n"
    assert detector.detect(_step("grep -rn USE_FOO . | head", out, 0)) is None


def test_swe_agent_no_matches_is_not_an_error(detector: Detector) -> None:
    out = 'No matches found for "Parser.java" in /repo'
    assert (
        detector.detect(_step('find_file "Parser.java"', out, None, tool="swe-agent:find_file"))
        is None
    )


def test_progress_noise_is_stripped_from_the_message(detector: Detector) -> None:
    out = (
        "\x1b[32mDownloading\x1b[0m torch-2.3.0.whl"
        "\r  10%|█         | 80M/800M [00:01<00:09, 80MB/s]"
        "\r 95%|█████████▌| 760M/800M [00:09<00:00, 80MB/s]\n"
        "Reading package lists... 0% Reading package lists... 100%\n"
        "ERROR: No matching distribution found for torch==9.9"
    )
    found = detector.detect(_step("pip install torch==9.9", out, 1))
    assert found is not None
    assert found.type == "package_not_found_in_registry"
    assert "No matching distribution" in found.message
    assert "\x1b" not in found.message
    assert "%|" not in found.message
    assert "Reading package lists" not in found.message


def test_command_echo_is_not_evidence(detector: Detector) -> None:
    command = "python gen.py --simulate 'No space left on device'"
    out = command + "\ngenerated 3 fixtures"
    assert detector.detect(_step(command, out, None)) is None
    # the same words as the program's own output do count
    found = detector.detect(_step(command, "write failed: No space left on device", None))
    assert found is not None and found.type == "disk_full"


def test_message_quotes_the_failing_line_with_context(detector: Detector) -> None:
    out = (
        "\n".join(f"line {i}" for i in range(50))
        + "\nE: Unable to locate package nodejs-lts\nline end"
    )
    found = detector.detect(_step("apt-get install nodejs-lts", out, 100))
    assert found is not None
    assert "E: Unable to locate package nodejs-lts" in found.message
    assert "line 49" in found.message
    assert "line 10" not in found.message


def test_non_ascii_output(detector: Detector) -> None:
    out = "Überprüfung läuft…\n致命的エラー\nModuleNotFoundError: No module named 'ünïcode'"
    found = detector.detect(_step("python prüfe.py", out, 1))
    assert found is not None and found.type == "module_not_found"
    assert "ünïcode" in found.message


def test_huge_output_keeps_head_and_tail(detector: Detector) -> None:
    out = "bash: foo: command not found\n" + "x" * 300_000 + "\nall good"
    found = detector.detect(_step("foo; echo all good", out, 0))
    assert found is not None and found.type == "command_not_found"


def test_span_failure_without_text_is_unclassified(detector: Detector) -> None:
    found = detector.detect(_step("deploy", "", None, failed=True, error_text="exit code 1"))
    assert found is not None
    assert found.type == "unclassified"
    assert found.category == "unclassified"


def test_span_exception_text_is_read(detector: Detector) -> None:
    found = detector.detect(
        _step(
            "fetch",
            "",
            None,
            failed=True,
            error_text="ConnectionRefusedError: [Errno 111] Connection refused",
        )
    )
    assert found is not None and found.type == "connection_refused_unreachable"


def test_model_call_errors_get_model_api_types(detector: Detector) -> None:
    error = "httpx.ReadTimeout: The read operation timed out\nRead timed out"
    step = _step(None, "", None, tool="chat", kind="llm", failed=True, error_text=error)
    found = detector.detect(step)
    assert found is not None
    assert found.type == "llm_timeout"
    assert found.category == "model_api"


def test_model_call_without_failure_is_not_an_error(detector: Detector) -> None:
    step = _step(None, "I hit a RateLimitError earlier, retrying.", None, tool="chat", kind="llm")
    assert detector.detect(step) is None


def test_model_api_words_in_tool_output_are_not_model_errors(detector: Detector) -> None:
    found = detector.detect(_step("python call_api.py", "HTTP 429 Too Many Requests", 1))
    assert found is not None and found.type == "external_rate_limited"


def test_other_span_kinds_are_ignored(detector: Detector) -> None:
    assert detector.detect(_step(None, "boom", 1, kind="agent", failed=True)) is None


def test_script_wrapper_hides_the_exit_code(detector: Detector) -> None:
    out = (
        "test result: FAILED. 120 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out\n\n"
        "error: test failed, to rerun pass `-p app --test tests`"
    )
    wrapped = detector.detect(_step('script -q -c "cargo test -p app" /dev/null', out, 0))
    assert wrapped is not None and wrapped.type == "test_assertion_failure"
    assert detector.detect(_step("cat test-report.txt", out, 0)) is None  # shown, not run


def test_harness_stop_with_a_bland_output_is_an_error(detector: Detector) -> None:
    found = detector.detect(_step("exit_cost", "Exited", None, tool="swe-agent:exit_cost"))
    assert found is not None and found.type == "step_or_budget_limit"
    assert detector.detect(_step("echo exit_cost", "exit_cost", 0)) is None


def test_a_runner_that_exits_zero_with_no_tests_found_failed(detector: Detector) -> None:
    out = "Test project /w/out\nNo tests were found!!!"
    assert _type_of(detector, "ctest --test-dir out", out, 0) == "no_tests_ran"


def _type_of(detector: Detector, command: str, output: str, code: int | None) -> str | None:
    found = detector.detect(_step(command, output, code))
    return None if found is None else found.type


def test_checkers_reporting_findings_are_not_errors(detector: Detector) -> None:
    report = "************* Module app\napp.py:1:0: C0114: Missing module docstring\n"
    assert detector.detect(_step("pylint app.py", report, 16)) is None
    crashed = "************* Module app\napp.py:3:0: E0602: Undefined variable 'x'\n"
    assert detector.detect(_step("pylint app.py", crashed, 2)) is not None
    links = "(line 3) broken    https://nowhere.invalid - Failed to resolve 'nowhere.invalid'\n"
    assert detector.detect(_step("sphinx-build -b linkcheck doc out", links, 1)) is None
    gone = "bash: line 1: cd: docs: No such file or directory"
    command = "cd docs && sphinx-build -b linkcheck . out"
    assert _type_of(detector, command, gone, 1) == "file_not_found"  # the check never ran


def test_probing_a_path_or_a_program_is_not_an_error(detector: Detector) -> None:
    gone = "ls: cannot access '/opt/jdk': No such file or directory"
    assert detector.detect(_step("ls /opt/jdk", gone, 2)) is None
    assert detector.detect(_step("ls /opt/jdk", gone, None)) is None
    missing = "bash: line 1: javac: command not found"
    assert detector.detect(_step("javac -version", missing, 127)) is None
    assert detector.detect(_step("javac Main.java", missing, 127)) is not None


def test_a_test_script_failing_without_a_summary_is_a_test_failure(detector: Detector) -> None:
    found = detector.detect(_step("./test_backup.sh", "checking archive...\n✗ archive missing", 1))
    assert found is not None and found.type == "test_assertion_failure"
    found = detector.detect(_step("./deploy.sh", "checking archive...\n✗ archive missing", 1))
    assert found is not None and found.type == "nonzero_exit_unexplained"


@pytest.mark.parametrize(
    ("output", "type_"),
    [
        (
            "ninja: error: unknown target 'unit_test', did you mean 'unit_tests'?",
            "invalid_argument_value",
        ),
        ("make: *** No rule to make target 'docs'.  Stop.", "invalid_argument_value"),
        (
            "CMake Error at cmake/cache.cmake:4 (message):\n  Could not find sccache.  Install it",
            "toolchain_component_missing",
        ),
        (
            "CMake Error at rust/CMakeLists.txt:9 (message):\n"
            "  Cannot find nightly-2030-01-01 Rust toolchain.  You can install it",
            "toolchain_version_mismatch",
        ),
        (
            "The system library `libfoo` required by crate `foo-sys` was not found.\n"
            "The PKG_CONFIG_PATH environment variable is not set.",
            "native_build_failed",
        ),
        (
            "error: failed to run custom build command for `gen v0.1.0`\n"
            '  Error: Os { code: 1, kind: PermissionDenied, message: "Operation not permitted" }',
            "permission_denied_access",
        ),
        ("Starting test execution...\nTest Run Aborted.", "test_collection_error"),
    ],
)
def test_build_and_toolchain_signatures(detector: Detector, output: str, type_: str) -> None:
    found = detector.detect(_step("some-build", output, 1))
    assert found is not None and found.type == type_


def test_a_harness_search_tool_naming_a_missing_file(detector: Detector) -> None:
    out = (
        "Usage: search_file <search_term> [<file>]\n"
        "Error: File name Foo.java not found. Please provide a valid file name."
    )
    found = detector.detect(
        _step('search_file "x" Foo.java', out, None, tool="swe-agent:search_file")
    )
    assert found is not None and found.type == "file_not_found"


def test_a_failing_program_whose_output_was_cut_keeps_its_own_failure(detector: Detector) -> None:
    out = (
        "<warning>\nThe output of your last command was too long.\n</warning>\n"
        "Ran 40 tests in 2.1s\n\nFAILED (failures=2)\n"
    )
    assert _type_of(detector, "python -m unittest", out, 1) == "test_assertion_failure"
    assert _type_of(detector, "cat big.log", out.split("Ran")[0], 0) == "output_too_large"


@pytest.mark.parametrize(
    ("command", "output"),
    [
        ("./check_email.sh not_an_email", "Error: invalid email address: not_an_email"),
        ("python3 parse_ip.py 300.1.2.3", "invalid IPv4 address: 300.1.2.3"),
        ("node validate.js --port bogus-port", "Not a valid port: bogus-port"),
    ],
)
def test_a_script_rejecting_a_value_made_invalid_on_purpose_is_no_error(
    detector: Detector, command: str, output: str
) -> None:
    assert detector.detect(_step(command, output, 1)) is None


@pytest.mark.parametrize(
    ("command", "output"),
    [
        ("./deploy.sh staging", "Error: invalid environment: staging"),  # a real value
        ("./check_email.sh not_an_email", "Traceback (most recent)\ninvalid: not_an_email"),
        ("make not_a_target", "make: *** No rule to make target 'not_a_target'.  Stop."),
    ],
)
def test_a_rejection_of_a_real_value_is_still_an_error(
    detector: Detector, command: str, output: str
) -> None:
    assert detector.detect(_step(command, output, 1)) is not None


@pytest.mark.parametrize(
    "output",
    [
        "Starting the quiz.\nAnswer with a number.\n> \n",
        "Setting up tzdata\nGeographic area [1-12]: choose one?\n",
        "Overwrite existing config? (y/N) █\n^C\n**Exited due to timeout**",
        "Connecting...\nPassword:",
    ],
)
def test_a_timeout_at_a_prompt_is_a_blocked_prompt(detector: Detector, output: str) -> None:
    found = detector.detect(_step("./setup_wizard.sh", output, 124))
    assert found is not None and found.type == "interactive_prompt_blocked"


def test_a_timeout_in_the_middle_of_work_stays_a_timeout(detector: Detector) -> None:
    output = "Compiling core v0.3.1\nBuilding [=======>     ] 212/400: parser"
    found = detector.detect(_step("cargo build", output, 124))
    assert found is not None and found.type == "command_timeout"


def test_failed_tests_are_named_with_their_crate(detector: Detector) -> None:
    verbose = (
        "     Running unittests src/lib.rs (target/debug/deps/app_core-0a1b2c3d4e5f6a7b)\n"
        "test parse::tests::empty_input ... FAILED\n"
        "test result: FAILED. 9 passed; 1 failed\n"
    )
    quiet = (
        "running 40 tests\n"
        "cases::flags::help_text --- FAILED\n"
        "test result: FAILED. 39 passed; 1 failed\n"
        "error: test failed, to rerun pass `-p app-cli --test main`\n"
    )
    found = detector.detect(_step("cargo test", verbose, 101))
    assert found is not None and found.failed_tests == ("app_core::parse::tests::empty_input",)
    found = detector.detect(_step("cargo test -q", quiet, 101))
    assert found is not None and found.failed_tests == ("app_cli::cases::flags::help_text",)

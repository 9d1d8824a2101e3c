"""Test and verification errors: failing, uncollectable, empty and slow test runs."""

from __future__ import annotations

from rebound.demo.catalog.text import PYTEST_PASS, pytest_progress, pytest_rule
from rebound.demo.steps import Scenario, ToolStep, lines

_FAILURE_BODY = (
    "",
    "    def test_parse_iso_week():",
    '>       assert parse_week("2024-W01") == date(2024, 1, 1)',
    "E       AssertionError: assert datetime.date(2023, 12, 25) == datetime.date(2024, 1, 1)",
    "E        +  where datetime.date(2023, 12, 25) = parse_week('2024-W01')",
    "E        +  and   datetime.date(2024, 1, 1) = date(2024, 1, 1)",
    "",
    "tests/test_dates.py:41: AssertionError",
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "pytest_assertion_fixed_by_edit",
        "test_verification",
        "test_assertion_failure",
        ToolStep(
            "python -m pytest tests/test_dates.py -q",
            lines(
                pytest_progress("....F..."),
                pytest_rule("FAILURES"),
                pytest_rule("test_parse_iso_week", "_"),
                *_FAILURE_BODY,
                pytest_rule("short test summary info"),
                "FAILED tests/test_dates.py::test_parse_iso_week - AssertionError: assert "
                "datetime.date(2023, 12, 25) == datetime.date(2024, 1, 1)",
                "1 failed, 7 passed in 0.21s",
            ),
            1,
            1.2,
        ),
        setup=(
            ToolStep(
                "sed -n '38,48p' src/ledger/dates.py",
                lines(
                    "",
                    "",
                    "def parse_week(value: str) -> date:",
                    '    """Monday of an ISO week such as 2024-W01."""',
                    '    return datetime.strptime(value + "-1", "%Y-W%W-%w").date()',
                ),
            ),
        ),
        recovery=(
            ToolStep("sed -i 's/%Y-W%W-%w/%G-W%V-%u/' src/ledger/dates.py"),
            ToolStep(
                "python -m pytest tests/test_dates.py -q",
                lines(pytest_progress("........"), "8 passed in 0.12s"),
                0,
                1.1,
            ),
        ),
        blocking=0.95,
    ),
    Scenario(
        "test_import_error",
        "test_verification",
        "test_collection_error",
        ToolStep(
            "python -m pytest -q",
            lines(
                pytest_rule("ERRORS"),
                pytest_rule("ERROR collecting tests/test_cli.py", "_"),
                "ImportError while importing test module '/workspace/ledger/tests/test_cli.py'.",
                "Hint: make sure your test modules/packages have valid Python names.",
                "Traceback:",
                "/usr/local/lib/python3.11/importlib/__init__.py:126: in import_module",
                "    return _bootstrap._gcd_import(name[level:], package, level)",
                "tests/test_cli.py:4: in <module>",
                "    from ledger.cli import main",
                "E   ModuleNotFoundError: No module named 'ledger'",
                pytest_rule("short test summary info"),
                "ERROR tests/test_cli.py",
                "!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!",
                "1 error in 0.23s",
            ),
            2,
            1.0,
        ),
        recovery=(
            ToolStep(
                "pip install -e .",
                "Obtaining file:///workspace/ledger\n  Installing build dependencies ... done\n"
                "  Checking if build backend supports build_editable ... done\n"
                "Building wheels for collected packages: ledger\n"
                "Successfully built ledger\nInstalling collected packages: ledger\n"
                "Successfully installed ledger-0.4.0",
                0,
                6.0,
            ),
            ToolStep("python -m pytest -q", PYTEST_PASS, 0, 2.0),
        ),
        blocking=0.95,
    ),
    Scenario(
        "pytest_no_tests_selected",
        "test_verification",
        "no_tests_ran",
        ToolStep("python -m pytest -q -k test_rounding", "24 deselected in 0.05s", 5, 0.9),
        recovery=(
            ToolStep(
                "python -m pytest -q -k round",
                lines(pytest_progress("..."), "3 passed, 21 deselected in 0.06s"),
                0,
                0.9,
            ),
        ),
        blocking=0.5,
    ),
    Scenario(
        "golden_report_mismatch",
        "test_verification",
        "output_mismatch",
        ToolStep(
            "bash tests/golden/check.sh",
            "report-2024-01.txt: ok\nreport-2024-02.txt: ok\n"
            "report-2024-03.txt: expected '1,284.50' got '1284.5' (line 7)\n"
            "FAIL: 1 of 6 golden files differ",
            1,
            3.0,
        ),
        recovery=(
            ToolStep("sed -i 's/return str(total)/return f\"{total:,.2f}\"/' src/ledger/report.py"),
            ToolStep("bash tests/golden/check.sh", "OK: 6 golden files match", 0, 3.0),
        ),
        blocking=0.95,
    ),
    Scenario(
        "integration_test_timeout",
        "test_verification",
        "test_timeout",
        ToolStep(
            "python -m pytest tests/integration/test_sync.py -q",
            lines(
                "..F",
                pytest_rule("FAILURES"),
                pytest_rule("test_sync_retries_on_lock", "_"),
                "+++++++++++++++++++++++++++++++++++ Timeout ++++++++++++++++++++++++++++++++++++",
                "E   Failed: Timeout >30.0s",
                pytest_rule("short test summary info"),
                "FAILED tests/integration/test_sync.py::test_sync_retries_on_lock - Failed: "
                "Timeout >30.0s",
                "1 failed, 2 passed in 31.27s",
            ),
            1,
            32.0,
        ),
        recovery=(
            ToolStep(
                "sed -i 's/while not lock.acquire(False):/while not lock.acquire(timeout=1):/' "
                "src/ledger/sync.py"
            ),
            ToolStep(
                "python -m pytest tests/integration/test_sync.py -q",
                lines(pytest_progress("..."), "3 passed in 2.48s"),
                0,
                3.0,
            ),
        ),
    ),
)

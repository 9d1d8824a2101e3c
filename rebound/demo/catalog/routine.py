"""Ordinary steps of an agent run: exploring, reading, checking. None of them is an error."""

from __future__ import annotations

from rebound.demo.catalog.text import pytest_progress
from rebound.demo.steps import ToolStep, lines

EXPLORE: tuple[ToolStep, ...] = (
    ToolStep("pwd", "/workspace/ledger", 0, 0.01),
    ToolStep(
        "ls",
        "Makefile\nREADME.md\ncmd\nconfig\ndata\ninternal\nnative\npyproject.toml\n"
        "requirements.txt\nrun.sh\nscripts\nsrc\ntests\nweb",
        0,
        0.02,
    ),
    ToolStep(
        "ls -la src/ledger",
        lines(
            "total 52",
            "drwxr-xr-x 2 root root 4096 Mar 14 09:02 .",
            "drwxr-xr-x 3 root root 4096 Mar 14 09:02 ..",
            "-rw-r--r-- 1 root root   61 Mar 14 09:02 __init__.py",
            "-rw-r--r-- 1 root root 2210 Mar 14 09:02 api.py",
            "-rw-r--r-- 1 root root 1894 Mar 14 09:02 cli.py",
            "-rw-r--r-- 1 root root  733 Mar 14 09:02 config.py",
            "-rw-r--r-- 1 root root 2475 Mar 14 09:02 dates.py",
            "-rw-r--r-- 1 root root 3012 Mar 14 09:02 money.py",
            "-rw-r--r-- 1 root root 2689 Mar 14 09:02 report.py",
        ),
        0,
        0.02,
    ),
    ToolStep(
        "cat README.md",
        lines(
            "# ledger",
            "",
            "Small invoicing ledger: import rates, record invoices, print monthly reports.",
            "",
            "## Development",
            "",
            "    pip install -e '.[test]'",
            "    python -m pytest -q",
            "",
            "Run `./run.sh 2024-03` for a sample report.",
        ),
        0,
        0.02,
    ),
    ToolStep(
        "cat pyproject.toml",
        lines(
            "[project]",
            'name = "ledger"',
            'version = "0.4.0"',
            'requires-python = ">=3.9"',
            'dependencies = ["python-dateutil>=2.8", "requests>=2.31"]',
            "",
            "[project.optional-dependencies]",
            'test = ["pytest>=8"]',
            "",
            "[tool.pytest.ini_options]",
            'testpaths = ["tests"]',
        ),
        0,
        0.02,
    ),
    ToolStep(
        "cat requirements.txt", "python-dateutil==2.9.0.post0\nrequests>=2.31\nhttpx-auth==0.22.0"
    ),
    ToolStep(
        "git status",
        "On branch main\nYour branch is up to date with 'origin/main'.\n\n"
        "nothing to commit, working tree clean",
        0,
        0.05,
    ),
    ToolStep(
        "git log --oneline -3",
        "3f2c1ab (HEAD -> main, origin/main) Add ISO week helper\n"
        "9d41e07 Report: group by customer\n52be8f3 Bump pytest to 8.3",
        0,
        0.05,
    ),
    ToolStep(
        'grep -rn "def " src/ledger/dates.py',
        "12:def parse_date(value: str) -> date:\n27:def month_bounds(month: str) -> tuple[date, "
        "date]:\n42:def parse_week(value: str) -> date:\n51:def business_days(start: date, end: "
        "date) -> int:",
    ),
    ToolStep(
        'grep -rn "Money(" src/ --include=*.py | head -5',
        "src/ledger/money.py:9:class Money(Decimal):\nsrc/ledger/report.py:31:    total = "
        'Money(0)\nsrc/ledger/report.py:44:        total += Money(row["amount"])',
    ),
    ToolStep(
        "find . -name '*.py' -not -path './.venv/*' | head -20",
        "./scripts/export_report.py\n./scripts/import_rates.py\n./scripts/summarize.py\n"
        "./src/ledger/__init__.py\n./src/ledger/api.py\n./src/ledger/cli.py\n"
        "./src/ledger/dates.py\n./src/ledger/money.py\n./src/ledger/report.py\n"
        "./tests/test_cli.py\n./tests/test_dates.py\n./tests/test_money.py",
        0,
        0.1,
    ),
    ToolStep(
        "wc -l src/ledger/*.py",
        "    3 src/ledger/__init__.py\n   78 src/ledger/api.py\n   61 src/ledger/cli.py\n"
        "   24 src/ledger/config.py\n   88 src/ledger/dates.py\n  104 src/ledger/money.py\n"
        "   93 src/ledger/report.py\n  451 total",
    ),
    ToolStep(
        "sed -n '1,20p' src/ledger/money.py",
        lines(
            '"""Money amounts as two-decimal Decimals."""',
            "",
            "from __future__ import annotations",
            "",
            "from decimal import ROUND_HALF_EVEN, Decimal",
            "",
            'CENTS = Decimal("0.01")',
            "",
            "",
            "class Money(Decimal):",
            '    """A Decimal that always prints with two decimal places."""',
            "",
            "    def __new__(cls, value: object = 0) -> Money:",
            "        amount = Decimal(str(value)).quantize(CENTS, ROUND_HALF_EVEN)",
            "        return super().__new__(cls, amount)",
        ),
    ),
    ToolStep(
        "head -5 data/invoices.csv",
        "id,date,customer,amount,currency\n1001,2024-03-01,Acme Tools,1200.00,EUR\n"
        "1002,2024-03-02,Northwind,310.50,EUR\n1003,2024-03-04,Acme Tools,88.00,EUR\n"
        "1004,2024-03-05,Globex,4150.00,EUR",
    ),
    ToolStep(
        'python -c "import sys; print(sys.version)"',
        "3.11.9 (main, Apr  2 2024, 08:25:04) [GCC 12.2.0]",
    ),
    ToolStep("python --version", "Python 3.11.9", 0, 0.02),
    ToolStep("which python", "/usr/local/bin/python", 0, 0.01),
    ToolStep(
        "pip list 2>/dev/null | grep -i -E 'pytest|requests'",
        "pytest           8.3.3\nrequests         2.31.0",
        0,
        0.6,
    ),
    ToolStep(
        "python -c \"from ledger.dates import month_bounds; print(month_bounds('2024-02'))\"",
        "(datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))",
    ),
    ToolStep("node --version", "v20.12.2", 0, 0.05),
    ToolStep("go version", "go version go1.22.2 linux/amd64", 0, 0.05),
    ToolStep("echo $PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0, 0.01),
)

# Non-zero exits that are answers, not failures: the taxonomy says never count them.
PROBES: tuple[ToolStep, ...] = (
    ToolStep('grep -rn "TODO" src/ledger/', "", 1, 0.03),
    ToolStep("which rg", "", 1, 0.01),
    ToolStep("test -f .env && echo present", "", 1, 0.01),
    ToolStep(
        "diff config/settings.example.yaml config/logging.yaml | head -4",
        "1,3c1,2\n< database:\n<   url: sqlite:///dev.db\n---",
        0,
        0.02,
    ),
    ToolStep(
        "diff -u tests/golden/report-2024-02.txt /tmp/report.txt",
        "--- tests/golden/report-2024-02.txt\n+++ /tmp/report.txt\n@@ -7 +7 @@\n-total 6,180.00\n"
        "+total 6,180.00 EUR",
        1,
        0.02,
    ),
)

# How a run that got there ends: everything green.
CHECKS: tuple[ToolStep, ...] = (
    ToolStep("python -m pytest -q", lines(pytest_progress("." * 24), "24 passed in 0.61s"), 0, 2.0),
    ToolStep(
        "python -m pytest tests/test_dates.py tests/test_money.py -q",
        lines(pytest_progress("." * 20), "20 passed in 0.33s"),
        0,
        1.4,
    ),
    ToolStep(
        "git diff --stat",
        " src/ledger/dates.py  | 4 ++--\n tests/test_dates.py | 9 +++++++++\n"
        " 2 files changed, 11 insertions(+), 2 deletions(-)",
        0,
        0.05,
    ),
)

"""CLI invocation errors: unknown flags, missing programs and operands, shell syntax, git."""

from __future__ import annotations

from rebound.demo.catalog.text import APT_HEAD, WORKDIR, apt_install
from rebound.demo.steps import Scenario, ToolStep, lines

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "ls_unrecognized_option",
        "cli_invocation",
        "unknown_option_subcommand",
        ToolStep(
            "ls --sort-by=time logs/",
            "ls: unrecognized option '--sort-by=time'\nTry 'ls --help' for more information.",
            2,
        ),
        recovery=(
            ToolStep(
                "ls -lt logs/",
                lines(
                    "total 24",
                    "-rw-r--r-- 1 root root 8113 Mar 14 09:12 import-2024-03-14.log",
                    "-rw-r--r-- 1 root root 7702 Mar 13 09:11 import-2024-03-13.log",
                    "-rw-r--r-- 1 root root 6950 Mar 12 09:12 import-2024-03-12.log",
                ),
            ),
        ),
    ),
    Scenario(
        "script_bad_flag",
        "cli_invocation",
        "unknown_option_subcommand",
        ToolStep(
            "python scripts/export_report.py --output reports/march.csv --month 2024-03",
            lines(
                "usage: export_report.py [-h] [--format {csv,json}] [--out OUT] --month MONTH",
                "export_report.py: error: unrecognized arguments: --output reports/march.csv",
            ),
            2,
            0.4,
        ),
        recovery=(
            ToolStep(
                "python scripts/export_report.py --help",
                lines(
                    "usage: export_report.py [-h] [--format {csv,json}] [--out OUT] --month MONTH",
                    "",
                    "Export the monthly ledger report.",
                    "",
                    "options:",
                    "  -h, --help           show this help message and exit",
                    "  --format {csv,json}  output format (default: csv)",
                    "  --out OUT            file to write (default: stdout)",
                    "  --month MONTH        month to export, as YYYY-MM",
                ),
                0,
                0.4,
            ),
            ToolStep(
                "python scripts/export_report.py --out reports/march.csv --month 2024-03",
                "Wrote 1284 rows to reports/march.csv",
                0,
                1.2,
            ),
        ),
    ),
    Scenario(
        "jq_not_installed",
        "cli_invocation",
        "command_not_found",
        ToolStep("jq -r '.version' web/package.json", "bash: jq: command not found", 127),
        recovery=(
            ToolStep(
                "apt-get install -y jq",
                apt_install(
                    "jq libjq1 libonig5",
                    "387 kB",
                    (
                        "libonig5 amd64 6.9.8-1 [188 kB]",
                        "libjq1 amd64 1.6-2.1 [135 kB]",
                        "jq amd64 1.6-2.1 [64.9 kB]",
                    ),
                ),
                0,
                9.0,
            ),
            ToolStep("jq -r '.version' web/package.json", "0.7.2"),
        ),
    ),
    Scenario(
        "ripgrep_not_installed",
        "cli_invocation",
        "command_not_found",
        ToolStep('rg -n "def parse_week" src/', "bash: rg: command not found", 127),
        recovery=(
            ToolStep(
                'grep -rn "def parse_week" src/',
                "src/ledger/dates.py:42:def parse_week(value: str) -> date:",
            ),
        ),
    ),
    Scenario(
        "cp_missing_operand",
        "cli_invocation",
        "missing_required_argument",
        ToolStep(
            "cp src/ledger/config.py",
            "cp: missing destination file operand after 'src/ledger/config.py'\n"
            "Try 'cp --help' for more information.",
            1,
        ),
        recovery=(ToolStep("cp src/ledger/config.py src/ledger/config.py.bak"),),
    ),
    Scenario(
        "argparse_required_argument",
        "cli_invocation",
        "missing_required_argument",
        ToolStep(
            "python scripts/import_rates.py",
            lines(
                "usage: import_rates.py [-h] --source SOURCE [--dry-run]",
                "import_rates.py: error: the following arguments are required: --source",
            ),
            2,
        ),
        recovery=(
            ToolStep(
                "python scripts/import_rates.py --source data/rates.csv",
                "Imported 312 rates (2024-01-01..2024-03-31)",
                0,
                2.5,
            ),
        ),
    ),
    Scenario(
        "argparse_invalid_int",
        "cli_invocation",
        "invalid_argument_value",
        ToolStep(
            "python scripts/train_matcher.py --epochs ten",
            lines(
                "usage: train_matcher.py [-h] [--epochs EPOCHS] [--lr LR]",
                "train_matcher.py: error: argument --epochs: invalid int value: 'ten'",
            ),
            2,
        ),
        recovery=(
            ToolStep(
                "python scripts/train_matcher.py --epochs 10",
                lines(
                    *(f"epoch {i:2d}/10  loss={0.92 / i:.4f}" for i in range(1, 11)),
                    "saved model to models/matcher.pkl",
                ),
                0,
                14.0,
            ),
        ),
    ),
    Scenario(
        "bash_syntax_error",
        "cli_invocation",
        "shell_syntax_error",
        ToolStep(
            "if [ -f setup.py ] then echo legacy; else echo pyproject; fi",
            lines(
                "bash: -c: line 1: syntax error near unexpected token `else'",
                "bash: -c: line 1: `if [ -f setup.py ] then echo legacy; else echo pyproject; fi'",
            ),
            2,
        ),
        recovery=(
            ToolStep("if [ -f setup.py ]; then echo legacy; else echo pyproject; fi", "pyproject"),
        ),
    ),
    Scenario(
        "not_a_git_repository",
        "cli_invocation",
        "wrong_working_directory",
        ToolStep(
            "cd /workspace && git log --oneline -5",
            "fatal: not a git repository (or any of the parent directories): .git",
            128,
        ),
        recovery=(
            ToolStep(
                f"cd {WORKDIR} && git log --oneline -5",
                lines(
                    "3f2c1ab (HEAD -> main, origin/main) Add ISO week helper",
                    "9d41e07 Report: group by customer",
                    "52be8f3 Bump pytest to 8.3",
                    "e07a9c4 Money: keep two decimal places",
                    "b1c3d52 Initial import",
                ),
            ),
        ),
    ),
    Scenario(
        "git_checkout_dirty_tree",
        "cli_invocation",
        "git_operation_failed",
        ToolStep(
            "git checkout main",
            lines(
                "error: Your local changes to the following files would be overwritten by "
                "checkout:",
                "\tsrc/ledger/dates.py",
                "Please commit your changes or stash them before you switch branches.",
                "Aborting",
            ),
            1,
        ),
        recovery=(
            ToolStep(
                "git stash",
                "Saved working directory and index state WIP on fix-dates: 3f2c1ab Add ISO week "
                "helper",
            ),
            ToolStep(
                "git checkout main",
                "Switched to branch 'main'\nYour branch is up to date with 'origin/main'.",
            ),
        ),
    ),
    Scenario(
        "apt_prompt_aborted",
        "cli_invocation",
        "interactive_prompt_blocked",
        ToolStep(
            "apt-get install python3-dev",
            lines(
                *APT_HEAD,
                "The following additional packages will be installed:",
                "  libexpat1-dev libpython3-dev libpython3.11-dev python3.11-dev zlib1g-dev",
                "The following NEW packages will be installed:",
                "  libexpat1-dev libpython3-dev libpython3.11-dev python3-dev python3.11-dev "
                "zlib1g-dev",
                "0 upgraded, 6 newly installed, 0 to remove and 0 not upgraded.",
                "Need to get 5934 kB of archives.",
                "After this operation, 25.7 MB of additional disk space will be used.",
                "Do you want to continue? [Y/n] Abort.",
            ),
            1,
            1.5,
        ),
        recovery=(
            ToolStep(
                "apt-get install -y python3-dev",
                apt_install(
                    "python3-dev python3.11-dev libpython3.11-dev",
                    "5934 kB",
                    (
                        "libpython3.11-dev amd64 3.11.2-6 [4742 kB]",
                        "python3.11-dev amd64 3.11.2-6 [615 kB]",
                        "python3-dev amd64 3.11.2-1+b1 [26.2 kB]",
                    ),
                ),
                0,
                12.0,
            ),
        ),
    ),
)

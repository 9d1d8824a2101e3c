"""Filesystem errors: missing files, permissions, existing paths, a full disk."""

from __future__ import annotations

from rebound.demo.catalog.text import pip_ok, traceback
from rebound.demo.steps import Scenario, ToolStep, lines

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "run_sh_not_executable",
        "filesystem",
        "permission_denied_execute",
        ToolStep("./run.sh", "bash: ./run.sh: Permission denied", 126, 0.05),
        setup=(
            ToolStep(
                "cat run.sh",
                "#!/usr/bin/env bash\nset -euo pipefail\npython -m ledger.cli migrate\n"
                'python -m ledger.cli report --month "${1:-2024-03}"',
            ),
        ),
        recovery=(
            ToolStep("chmod +x run.sh", "", 0, 0.05),
            ToolStep(
                "./run.sh",
                lines(
                    "migrations: 3 applied, 0 pending",
                    "customer          invoices      total",
                    "Acme Tools              14   8,412.50",
                    "total                  14    8,412.50",
                ),
                0,
                2.0,
            ),
        ),
    ),
    Scenario(
        "config_file_missing",
        "filesystem",
        "file_not_found",
        ToolStep(
            "cat config/settings.yaml", "cat: config/settings.yaml: No such file or directory", 1
        ),
        recovery=(
            ToolStep("ls config/", "logging.yaml\nsettings.example.yaml"),
            ToolStep("cp config/settings.example.yaml config/settings.yaml"),
            ToolStep(
                "cat config/settings.yaml",
                "database:\n  url: sqlite:///dev.db\nreport:\n  currency: EUR\n  locale: en_IE",
            ),
        ),
    ),
    Scenario(
        "fixture_path_wrong",
        "filesystem",
        "file_not_found",
        ToolStep(
            "python scripts/load_fixtures.py",
            traceback(
                '  File "/workspace/ledger/scripts/load_fixtures.py", line 21, in <module>',
                "    main()",
                '  File "/workspace/ledger/scripts/load_fixtures.py", line 14, in main',
                '    with open("tests/fixtures/invoices.json") as fh:',
                "         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
                error="FileNotFoundError: [Errno 2] No such file or directory: "
                "'tests/fixtures/invoices.json'",
            ),
            1,
        ),
        recovery=(
            ToolStep("ls tests/fixtures/", "customers.json\ninvoices.sample.json\nrates.csv"),
            ToolStep(
                "python scripts/load_fixtures.py --path tests/fixtures/invoices.sample.json",
                "Loaded 48 invoices",
                0,
                0.8,
            ),
        ),
    ),
    Scenario(
        "pip_site_packages_denied",
        "filesystem",
        "permission_denied_access",
        ToolStep(
            "pip install rich",
            "Collecting rich\n  Using cached rich-13.7.1-py3-none-any.whl (240 kB)\n"
            "Installing collected packages: rich\n"
            "ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied: "
            "'/usr/local/lib/python3.11/site-packages/rich'\n"
            "Consider using the `--user` option or check the permissions.\n",
            1,
            2.5,
        ),
        recovery=(
            ToolStep(
                "pip install --user rich",
                "Collecting rich\n  Using cached rich-13.7.1-py3-none-any.whl (240 kB)\n"
                "Installing collected packages: rich\nSuccessfully installed rich-13.7.1",
                0,
                2.5,
            ),
        ),
    ),
    Scenario(
        "mkdir_exists",
        "filesystem",
        "file_already_exists",
        ToolStep("mkdir build", "mkdir: cannot create directory ‘build’: File exists", 1, 0.02),
        recovery=(ToolStep("mkdir -p build", "", 0, 0.02),),
        blocking=0.2,
    ),
    Scenario(
        "cat_directory",
        "filesystem",
        "path_type_mismatch",
        ToolStep("cat src/ledger", "cat: src/ledger: Is a directory", 1, 0.02),
        recovery=(
            ToolStep(
                "ls src/ledger",
                "__init__.py\napi.py\ncli.py\nconfig.py\ndates.py\nmoney.py\nreport.py",
            ),
        ),
        blocking=0.2,
    ),
    Scenario(
        "no_space_left",
        "filesystem",
        "disk_full",
        ToolStep(
            "pip install torch==2.3.0",
            "Collecting torch==2.3.0\n  Downloading torch-2.3.0-cp311-cp311-manylinux1_x86_64.whl "
            "(779.1 MB)\nERROR: Could not install packages due to an OSError: [Errno 28] No space "
            "left on device",
            1,
            95.0,
        ),
        recovery=(
            ToolStep("pip cache purge", "Files removed: 412", 0, 3.0),
            ToolStep(
                "pip install --no-cache-dir torch==2.3.0",
                pip_ok("torch-2.3.0"),
                0,
                140.0,
            ),
        ),
        blocking=0.95,
    ),
)

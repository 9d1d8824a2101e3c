"""Dependency and environment errors: pip, apt, imports, native builds, env vars."""

from __future__ import annotations

from rebound.demo.catalog.text import APT_HEAD, PEP668, RUNPY, apt_install, pip_ok, traceback
from rebound.demo.steps import Scenario, ToolStep, lines

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "pep668_break_system_packages",
        "dependency_environment",
        "externally_managed_environment",
        ToolStep("pip install requests", PEP668, 1, 0.8),
        recovery=(
            ToolStep(
                "pip install --break-system-packages requests",
                pip_ok(
                    "certifi-2024.2.2",
                    "charset-normalizer-3.3.2",
                    "idna-3.7",
                    "requests-2.31.0",
                    "urllib3-2.2.1",
                ),
                0,
                5.0,
            ),
        ),
    ),
    Scenario(
        "pep668_use_venv",
        "dependency_environment",
        "externally_managed_environment",
        ToolStep("pip install -e '.[test]'", PEP668, 1, 0.8),
        recovery=(
            ToolStep("python3 -m venv .venv", "", 0, 3.5),
            ToolStep(
                ".venv/bin/pip install -e '.[test]'",
                pip_ok("iniconfig-2.0.0", "pluggy-1.5.0", "pytest-8.3.3", "ledger-0.4.0"),
                0,
                14.0,
            ),
        ),
    ),
    Scenario(
        "module_not_found_dateutil",
        "dependency_environment",
        "module_not_found",
        ToolStep(
            "python -m ledger.cli report --month 2024-03",
            traceback(
                *RUNPY,
                '  File "/workspace/ledger/src/ledger/cli.py", line 9, in <module>',
                "    from dateutil import parser as dateparser",
                error="ModuleNotFoundError: No module named 'dateutil'",
            ),
            1,
            0.5,
        ),
        recovery=(
            ToolStep(
                "pip install python-dateutil",
                pip_ok("six-1.16.0", "python-dateutil-2.9.0.post0"),
                0,
                4.0,
            ),
            ToolStep(
                "python -m ledger.cli report --month 2024-03",
                lines(
                    "customer          invoices      total",
                    "Acme Tools              14   8,412.50",
                    "Northwind               9    3,120.00",
                    "total                  23   11,532.50",
                ),
                0,
                0.9,
            ),
        ),
    ),
    Scenario(
        "module_not_found_yaml",
        "dependency_environment",
        "module_not_found",
        ToolStep(
            "python scripts/check_config.py config/settings.yaml",
            traceback(
                '  File "/workspace/ledger/scripts/check_config.py", line 3, in <module>',
                "    import yaml",
                error="ModuleNotFoundError: No module named 'yaml'",
            ),
            1,
        ),
        recovery=(
            ToolStep("pip install pyyaml", pip_ok("PyYAML-6.0.1"), 0, 3.0),
            ToolStep(
                "python scripts/check_config.py config/settings.yaml", "config/settings.yaml: OK"
            ),
        ),
    ),
    Scenario(
        "apt_unknown_package",
        "dependency_environment",
        "package_not_found_in_registry",
        ToolStep(
            "apt-get install -y libpq",
            lines(*APT_HEAD, "E: Unable to locate package libpq"),
            100,
            1.5,
        ),
        recovery=(
            ToolStep(
                "apt-get install -y libpq-dev",
                apt_install(
                    "libpq-dev libpq5",
                    "340 kB",
                    (
                        "libpq5 amd64 15.6-0+deb12u1 [192 kB]",
                        "libpq-dev amd64 15.6-0+deb12u1 [148 kB]",
                    ),
                ),
                0,
                7.0,
            ),
        ),
    ),
    Scenario(
        "pip_resolution_impossible",
        "dependency_environment",
        "dependency_resolution_unsatisfied",
        ToolStep(
            "pip install -r requirements.txt",
            lines(
                "ERROR: Cannot install -r requirements.txt (line 3) and requests==2.25.0 because "
                "these package versions have conflicting dependencies.",
                "",
                "The conflict is caused by:",
                "    The user requested requests==2.25.0",
                "    httpx-auth 0.22.0 depends on requests>=2.31",
                "",
                "To fix this you could try to:",
                "1. loosen the range of package versions specified",
                "2. remove package versions to allow pip to attempt to solve the dependency "
                "conflict",
                "",
                "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/"
                "dependency-resolution/#dealing-with-dependency-conflicts",
            ),
            1,
            6.0,
        ),
        recovery=(
            ToolStep(
                "sed -i 's/^requests==2.25.0$/requests>=2.31/' requirements.txt && "
                "pip install -r requirements.txt",
                pip_ok("requests-2.31.0", "httpx-auth-0.22.0"),
                0,
                9.0,
            ),
        ),
    ),
    Scenario(
        "psycopg2_build_failed",
        "dependency_environment",
        "native_build_failed",
        ToolStep(
            "pip install psycopg2==2.9.9",
            lines(
                "Collecting psycopg2==2.9.9",
                "  Downloading psycopg2-2.9.9.tar.gz (384 kB)",
                "  Preparing metadata (setup.py) ... error",
                "  error: subprocess-exited-with-error",
                "  ",
                "  × python setup.py egg_info did not run successfully.",
                "  │ exit code: 1",
                "  ╰─> [23 lines of output]",
                "      running egg_info",
                "      creating /tmp/pip-pip-egg-info-k2j3x9a1/psycopg2.egg-info",
                "      ",
                "      Error: pg_config executable not found.",
                "      ",
                "      pg_config is required to build psycopg2 from source.  Please add the "
                "directory",
                "      containing pg_config to the $PATH or specify the full executable path "
                "with the",
                "      option:",
                "      ",
                "          python setup.py build_ext --pg-config /path/to/pg_config build ...",
                "      ",
                "      [end of output]",
                "  ",
                "  note: This error originates from a subprocess, and is likely not a problem "
                "with pip.",
                "error: metadata-generation-failed",
                "",
                "× Encountered error while generating package metadata.",
                "╰─> See above for output.",
                "",
                "note: This is an issue with the package mentioned above, not pip.",
                "hint: See above for details.",
            ),
            1,
            7.0,
        ),
        recovery=(
            ToolStep("pip install psycopg2-binary==2.9.9", pip_ok("psycopg2-binary-2.9.9"), 0, 4.0),
        ),
    ),
    Scenario(
        "libgl_missing",
        "dependency_environment",
        "shared_library_missing",
        ToolStep(
            'python -c "import cv2; print(cv2.__version__)"',
            traceback(
                '  File "<string>", line 1, in <module>',
                '  File "/usr/local/lib/python3.11/site-packages/cv2/__init__.py", line 181, in '
                "<module>",
                "    bootstrap()",
                '  File "/usr/local/lib/python3.11/site-packages/cv2/__init__.py", line 153, in '
                "bootstrap",
                '    native_module = importlib.import_module("cv2")',
                "                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
                error="ImportError: libGL.so.1: cannot open shared object file: No such file or "
                "directory",
            ),
            1,
            0.7,
        ),
        recovery=(
            ToolStep(
                "apt-get install -y libgl1",
                apt_install(
                    "libgl1 libglvnd0 libglx0",
                    "214 kB",
                    (
                        "libglvnd0 amd64 1.6.0-1 [51.8 kB]",
                        "libglx0 amd64 1.6.0-1 [34.4 kB]",
                        "libgl1 amd64 1.6.0-1 [88.4 kB]",
                    ),
                ),
                0,
                8.0,
            ),
            ToolStep('python -c "import cv2; print(cv2.__version__)"', "4.9.0", 0, 0.7),
        ),
    ),
    Scenario(
        "database_url_unset",
        "dependency_environment",
        "environment_variable_missing",
        ToolStep(
            "python scripts/sync_customers.py",
            traceback(
                '  File "/workspace/ledger/scripts/sync_customers.py", line 8, in <module>',
                '    DB_URL = os.environ["DATABASE_URL"]',
                "             ~~~~~~~~~~^^^^^^^^^^^^^^^^",
                '  File "<frozen os>", line 679, in __getitem__',
                error="KeyError: 'DATABASE_URL'",
            ),
            1,
        ),
        recovery=(
            ToolStep(
                "DATABASE_URL=sqlite:///dev.db python scripts/sync_customers.py",
                "synced 7 customers (2 new, 5 updated)",
                0,
                1.3,
            ),
        ),
    ),
    Scenario(
        "numpy_requires_newer_python",
        "dependency_environment",
        "version_incompatible",
        ToolStep(
            "pip install numpy==2.1.0",
            "ERROR: Ignored the following versions that require a different python version: "
            "2.1.0 Requires-Python >=3.10; 2.1.1 Requires-Python >=3.10\n"
            "ERROR: Could not find a version that satisfies the requirement numpy==2.1.0 (from "
            "versions: 1.26.2, 1.26.3, 1.26.4)\n"
            "ERROR: No matching distribution found for numpy==2.1.0",
            1,
            2.0,
        ),
        recovery=(ToolStep("pip install 'numpy<2.1'", pip_ok("numpy-1.26.4"), 0, 6.0),),
    ),
    Scenario(
        "dpkg_lock_held",
        "dependency_environment",
        "package_manager_locked",
        ToolStep(
            "apt-get install -y build-essential",
            "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1187 "
            "(apt-get)\nN: Be aware that removing the lock file is not a solution and may break "
            "your system.\nE: Unable to acquire the dpkg frontend lock "
            "(/var/lib/dpkg/lock-frontend), is another process using it?",
            100,
        ),
        recovery=(
            ToolStep(
                "sleep 30 && apt-get install -y build-essential",
                apt_install(
                    "build-essential dpkg-dev g++ make",
                    "3245 kB",
                    (
                        "make amd64 4.3-4.1 [396 kB]",
                        "dpkg-dev amd64 1.21.22 [1353 kB]",
                        "g++ amd64 4:12.2.0-3 [1356 kB]",
                        "build-essential amd64 12.9 [7704 B]",
                    ),
                ),
                0,
                45.0,
            ),
        ),
    ),
)

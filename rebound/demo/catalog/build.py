"""Syntax, build and compile errors: Python, Go, C, TypeScript, type checkers, linters."""

from __future__ import annotations

from rebound.demo.catalog.text import RUNPY, apt_install, traceback
from rebound.demo.steps import Scenario, ToolStep, lines

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "missing_colon",
        "build_compile",
        "syntax_error",
        ToolStep(
            "python -m ledger.cli report --month 2024-01",
            traceback(
                *RUNPY,
                '  File "/workspace/ledger/src/ledger/cli.py", line 7, in <module>',
                "    from ledger.dates import parse_week",
                '  File "/workspace/ledger/src/ledger/dates.py", line 42',
                "    def parse_week(value: str) -> date",
                "                                      ^",
                error="SyntaxError: expected ':'",
            ),
            1,
            0.4,
        ),
        recovery=(
            ToolStep("sed -i '42s/-> date$/-> date:/' src/ledger/dates.py"),
            ToolStep(
                "python -m ledger.cli report --month 2024-01",
                "customer          invoices      total\nAcme Tools              12   7,040.00\n"
                "total                  12    7,040.00",
                0,
                0.8,
            ),
        ),
    ),
    Scenario(
        "unexpected_indent",
        "build_compile",
        "indentation_error",
        ToolStep(
            "python -c 'import ledger.money'",
            traceback(
                '  File "<string>", line 1, in <module>',
                '  File "/workspace/ledger/src/ledger/money.py", line 58',
                "    return self.quantize(CENTS)",
                error="IndentationError: unexpected indent",
            ),
            1,
        ),
        recovery=(
            ToolStep("sed -i '58s/^        return/    return/' src/ledger/money.py"),
            ToolStep("python -c 'import ledger.money'"),
        ),
    ),
    Scenario(
        "go_undefined_symbol",
        "build_compile",
        "compilation_error",
        ToolStep(
            "go build ./...",
            "# github.com/ledger-dev/ledger/cmd/ledgerd\n"
            "cmd/ledgerd/main.go:27:15: undefined: config.LoadFromEnv",
            1,
            6.0,
        ),
        recovery=(
            ToolStep(
                'grep -n "^func " internal/config/config.go',
                "14:func Load(path string) (*Config, error)\n31:func FromEnv() (*Config, error)",
            ),
            ToolStep("sed -i 's/config.LoadFromEnv()/config.FromEnv()/' cmd/ledgerd/main.go"),
            ToolStep("go build ./...", "", 0, 5.0),
        ),
    ),
    Scenario(
        "libm_not_linked",
        "build_compile",
        "linker_error",
        ToolStep(
            "gcc -O2 -o build/csvscan native/csvscan.c",
            "/usr/bin/ld: /tmp/ccQ3mB1x.o: in function `col_stddev':\n"
            "csvscan.c:(.text+0x2b4): undefined reference to `sqrt'\n"
            "collect2: error: ld returned 1 exit status",
            1,
            0.9,
        ),
        recovery=(ToolStep("gcc -O2 -o build/csvscan native/csvscan.c -lm", "", 0, 0.9),),
    ),
    Scenario(
        "zlib_header_missing",
        "build_compile",
        "missing_header_or_include",
        ToolStep(
            "make -C native",
            lines(
                "make: Entering directory '/workspace/ledger/native'",
                "gcc -O2 -Wall -c gzread.c -o ../build/gzread.o",
                "gzread.c:3:10: fatal error: zlib.h: No such file or directory",
                "    3 | #include <zlib.h>",
                "      |          ^~~~~~~~",
                "compilation terminated.",
                "make: *** [Makefile:14: ../build/gzread.o] Error 1",
                "make: Leaving directory '/workspace/ledger/native'",
            ),
            2,
            0.7,
        ),
        recovery=(
            ToolStep(
                "apt-get install -y zlib1g-dev",
                apt_install("zlib1g-dev", "915 kB", ("zlib1g-dev amd64 1:1.2.13.dfsg-1 [915 kB]",)),
                0,
                6.0,
            ),
            ToolStep(
                "make -C native",
                "make: Entering directory '/workspace/ledger/native'\n"
                "gcc -O2 -Wall -c gzread.c -o ../build/gzread.o\n"
                "gcc -O2 -Wall -o ../build/gzread ../build/gzread.o -lz\n"
                "make: Leaving directory '/workspace/ledger/native'",
                0,
                1.2,
            ),
        ),
    ),
    Scenario(
        "mypy_return_type",
        "build_compile",
        "type_check_error",
        ToolStep(
            "mypy src",
            'src/ledger/dates.py:57: error: Incompatible return value type (got "date | None", '
            'expected "date")  [return-value]\nFound 1 error in 1 file (checked 9 source files)',
            1,
            4.0,
        ),
        recovery=(
            ToolStep("sed -i '57s/return found$/return found or date.min/' src/ledger/dates.py"),
            ToolStep("mypy src", "Success: no issues found in 9 source files", 0, 2.0),
        ),
        blocking=0.6,
    ),
    Scenario(
        "ruff_unused_import",
        "build_compile",
        "lint_or_format_failure",
        ToolStep(
            "ruff check .",
            "src/ledger/cli.py:3:8: F401 [*] `os` imported but unused\n"
            "Found 1 error.\n[*] 1 fixable with the `--fix` option.",
            1,
            0.2,
        ),
        recovery=(ToolStep("ruff check --fix .", "Found 1 error (1 fixed, 0 remaining).", 0, 0.2),),
        blocking=0.5,
    ),
    Scenario(
        "tsc_argument_type",
        "build_compile",
        "type_check_error",
        ToolStep(
            "cd web && npm run build",
            lines(
                "",
                "> ledger-web@0.7.2 build",
                "> tsc -p . && vite build",
                "",
                "src/api/client.ts:42:31 - error TS2345: Argument of type 'string' is not "
                "assignable to parameter of type 'number'.",
                "",
                "42   return fetchInvoices(page, params.get('limit'));",
                "                                 ~~~~~~~~~~~~~~~~~~",
                "",
                "",
                "Found 1 error in src/api/client.ts:42",
                "",
            ),
            2,
            7.0,
        ),
        recovery=(
            ToolStep(
                "cd web && sed -i \"42s/params.get('limit')/Number(params.get('limit') ?? 50)/\" "
                "src/api/client.ts"
            ),
            ToolStep(
                "cd web && npm run build",
                lines(
                    "",
                    "> ledger-web@0.7.2 build",
                    "> tsc -p . && vite build",
                    "",
                    "vite v5.2.8 building for production...",
                    "✓ 112 modules transformed.",
                    "dist/index.html                  0.46 kB │ gzip:  0.30 kB",
                    "dist/assets/index-4f1c2b7e.js  148.32 kB │ gzip: 47.91 kB",
                    "✓ built in 2.41s",
                ),
                0,
                9.0,
            ),
        ),
    ),
)

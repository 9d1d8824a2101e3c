"""Runtime exceptions and crashes: segfaults, None, types, keys, bad data, recursion."""

from __future__ import annotations

from rebound.demo.catalog.text import RUNPY, traceback
from rebound.demo.steps import Scenario, ToolStep, lines

_SEGV = (
    "bash: line 1:  4242 Segmentation fault      (core dumped) ./build/csvscan data/invoices.csv"
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "native_scanner_segfault",
        "code_runtime",
        "process_crash_segfault",
        ToolStep("./build/csvscan data/invoices.csv", _SEGV, 139, 0.2),
        recovery=(
            ToolStep(
                "sed -i 's/char field\\[64\\]/char field[1024]/' native/csvscan.c "
                "&& make -C native",
                "make: Entering directory '/workspace/ledger/native'\n"
                "gcc -O2 -Wall -o ../build/csvscan csvscan.c\n"
                "make: Leaving directory '/workspace/ledger/native'",
                0,
                1.8,
            ),
            ToolStep("./build/csvscan data/invoices.csv", "rows=1284 fields=9 bad=0", 0, 0.2),
        ),
    ),
    Scenario(
        "report_none_attribute",
        "code_runtime",
        "null_dereference",
        ToolStep(
            "python -m ledger.cli report --month 2024-02",
            traceback(
                *RUNPY,
                '  File "/workspace/ledger/src/ledger/cli.py", line 61, in <module>',
                "    main()",
                '  File "/workspace/ledger/src/ledger/cli.py", line 55, in main',
                '    print(render(rows, due=invoice.due_date.strftime("%d %b")))',
                "                               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
                error="AttributeError: 'NoneType' object has no attribute 'strftime'",
            ),
            1,
            0.6,
        ),
        recovery=(
            ToolStep(
                "sed -n '50,58p' src/ledger/cli.py",
                lines(
                    "    rows = load_rows(args.month)",
                    "    invoice = rows[-1]",
                    "    if args.json:",
                    "        print(json.dumps(rows))",
                    "        return",
                    '    print(render(rows, due=invoice.due_date.strftime("%d %b")))',
                ),
            ),
            ToolStep(
                "sed -i 's/due=invoice.due_date.strftime(\"%d %b\")/due=format_due(invoice)/' "
                "src/ledger/cli.py"
            ),
            ToolStep(
                "python -m ledger.cli report --month 2024-02",
                "customer          invoices      total\nAcme Tools              11   6,180.00\n"
                "total                  11    6,180.00",
                0,
                0.8,
            ),
        ),
    ),
    Scenario(
        "money_type_error",
        "code_runtime",
        "type_error",
        ToolStep(
            "python -c \"from ledger.money import Money; print(Money('12.50') + 3)\"",
            traceback(
                '  File "<string>", line 1, in <module>',
                error="TypeError: unsupported operand type(s) for +: 'Money' and 'int'",
            ),
            1,
        ),
        recovery=(
            ToolStep(
                "python -c \"from ledger.money import Money; print(Money('12.50') + Money('3'))\"",
                "15.50",
            ),
        ),
        blocking=0.3,
    ),
    Scenario(
        "summary_key_error",
        "code_runtime",
        "key_or_index_error",
        ToolStep(
            "python scripts/summarize.py data/march.json",
            traceback(
                '  File "/workspace/ledger/scripts/summarize.py", line 17, in <module>',
                '    total += row["amount_cents"]',
                "             ~~~^^^^^^^^^^^^^^^^",
                error="KeyError: 'amount_cents'",
            ),
            1,
        ),
        recovery=(
            ToolStep(
                "python -c \"import json; print(sorted(json.load(open('data/march.json'))[0]))\"",
                "['amount', 'currency', 'customer', 'date', 'id']",
            ),
            ToolStep('sed -i \'s/row\\["amount_cents"\\]/row["amount"]/\' scripts/summarize.py'),
            ToolStep(
                "python scripts/summarize.py data/march.json",
                "23 invoices, total 11532.50 EUR",
            ),
        ),
    ),
    Scenario(
        "rates_json_trailing_comma",
        "code_runtime",
        "data_parse_error",
        ToolStep(
            "python scripts/import_rates.py --source data/rates.json",
            traceback(
                '  File "/workspace/ledger/scripts/import_rates.py", line 30, in <module>',
                "    rates = json.load(fh)",
                "            ^^^^^^^^^^^^^",
                '  File "/usr/local/lib/python3.11/json/decoder.py", line 353, in raw_decode',
                "    obj, end = self.scan_once(s, idx)",
                "               ^^^^^^^^^^^^^^^^^^^^^^",
                error="json.decoder.JSONDecodeError: Expecting property name enclosed in double "
                "quotes: line 4 column 1 (char 52)",
            ),
            1,
        ),
        recovery=(
            ToolStep(
                "head -5 data/rates.json",
                '{\n  "EUR": 1.0,\n  "USD": 1.087,\n}',
            ),
            ToolStep('sed -i \'s/"USD": 1.087,/"USD": 1.087/\' data/rates.json'),
            ToolStep(
                "python scripts/import_rates.py --source data/rates.json",
                "Imported 2 rates (2024-03-31)",
                0,
                0.6,
            ),
        ),
    ),
    Scenario(
        "account_tree_recursion",
        "code_runtime",
        "recursion_or_stack_overflow",
        ToolStep(
            "python -m ledger.cli tree --account root",
            traceback(
                *RUNPY,
                '  File "/workspace/ledger/src/ledger/accounts.py", line 27, in walk',
                "    yield from walk(child, depth + 1)",
                '  File "/workspace/ledger/src/ledger/accounts.py", line 27, in walk',
                "    yield from walk(child, depth + 1)",
                "  [Previous line repeated 993 more times]",
                '  File "/workspace/ledger/src/ledger/accounts.py", line 24, in walk',
                "    for child in node.children:",
                error="RecursionError: maximum recursion depth exceeded",
            ),
            1,
            1.4,
        ),
        recovery=(
            ToolStep(
                "sed -i 's/for child in node.children:/for child in node.children - seen:/' "
                "src/ledger/accounts.py"
            ),
            ToolStep(
                "python -m ledger.cli tree --account root",
                "root\n  assets\n    bank\n    receivables\n  income\n    sales",
                0,
                0.5,
            ),
        ),
    ),
)

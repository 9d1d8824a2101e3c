"""A replay of the multi-convention file gives the same bytes as the reviewed replay did.

``EVENTS_SHA256`` was made by the pure code without the compiled back-end's changes and its
events reviewed by hand (each convention's built runs give the same records: the missing
file and the failing test recovered, the missing ``cargo`` unrecovered, the rate limit
recovered, the blocked ``git push`` fatal). A change that moves a byte of the output fails
here: if the change of behaviour is meant, review the records that moved and replace the
digest (``tests/integration/test_compiled.py`` compares the compiled build with pure).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson

from rebound.cli import main
from tests.support.multiconvention import CONVENTIONS, sha256_of, write_multi_convention

EVENTS_SHA256 = "7d5cfcabfc033537ab32a608d97e66ec7196a5a5cb2b495f237b2cfc1388503a"


def _replayed(tmp_path: Path) -> Path:
    runs, events = tmp_path / "runs.otlp.jsonl", tmp_path / "events.jsonl"
    write_multi_convention(runs)
    assert main(["replay", str(runs), "--events-out", str(events), "--no-progress"]) == 0
    return events


def test_replay_bytes_match_the_reviewed_digest(tmp_path: Path) -> None:
    events = _replayed(tmp_path)
    records = [orjson.loads(line) for line in events.read_bytes().splitlines()]
    built = Counter(
        (r["agent"].split("-")[0], r["type"], r["status"], r["fatal"])
        for r in records
        if r["agent"].endswith("-agent") and r["agent"].split("-")[0] in CONVENTIONS
    )
    expected = {
        ("file_not_found", "recovered", False): 2,
        ("test_assertion_failure", "recovered", False): 2,
        ("command_not_found", "unrecovered", False): 2,
        ("llm_rate_limited", "recovered", False): 2,
        ("interactive_prompt_blocked", "unrecovered", True): 2,
    }
    for convention in CONVENTIONS:
        got = {key[1:]: n for key, n in built.items() if key[0] == convention}
        assert got == expected, convention
    summary = Counter((r["type"], r["status"]) for r in records)
    assert sha256_of(events) == EVENTS_SHA256, f"{len(records)} records: {summary.most_common(12)}"

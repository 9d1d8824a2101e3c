from pathlib import Path
from typing import Any

import orjson
import pytest

from rebound.evaluate import read_jsonl, render, run_eval
from tests.support.evalfixture import FIXTURE, labels_jsonl

EVENTS = FIXTURE / "events.jsonl"
LABELS = FIXTURE / "labels.jsonl"


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def test_labels_fixture_is_current() -> None:
    assert LABELS.read_bytes() == labels_jsonl()


def test_fixture_scores() -> None:
    report = run_eval(EVENTS, LABELS)
    assert (report.events, report.labels, report.matched) == (79, 79, 79)
    assert report.recall == report.precision == 1.0
    assert report.accuracy("type") == report.accuracy("category") == 1.0
    assert report.correct["status"] == 76
    assert report.tier_share() == {"rule": 1.0}


def test_mistakes_missing_and_extra_errors_are_scored(tmp_path: Path) -> None:
    events = list(read_jsonl(EVENTS))
    labels = list(read_jsonl(LABELS))
    wrong_type = dict(events[0], type="disk_full", category="filesystem", classified_by="model")
    wrong_fatal = dict(events[1], fatal=not events[1]["fatal"])
    extra = dict(events[2], error_id="f" * 32 + ":" + "f" * 16, classified_by="fallback")
    stale = dict(events[3], type="disk_full", category="filesystem")  # superseded below
    edited = [stale, wrong_type, wrong_fatal, events[2], *events[3:-2], extra]  # last two missing
    report = run_eval(write(tmp_path / "e.jsonl", edited), write(tmp_path / "l.jsonl", labels))
    assert (report.events, report.labels, report.matched) == (78, 79, 77)
    assert report.recall == pytest.approx(77 / 79)
    assert report.precision == pytest.approx(77 / 78)
    assert report.correct["type"] == 76
    assert report.correct["fatal"] == 76
    assert report.by_tier == {"rule": 76, "model": 1, "fallback": 1}
    true_type = next(lb["type"] for lb in labels if lb["error_id"] == events[0]["error_id"])
    [worst] = report.worst
    assert (worst.type, worst.confused_with) == (true_type, (("disk_full", 1),))
    text = render(report)
    assert "recall 97.5%" in text
    assert f"{true_type}" in text and "disk_full 1" in text
    assert "model 1.3%" in text


def test_a_label_outside_the_taxonomy_is_refused(tmp_path: Path) -> None:
    labels = write(
        tmp_path / "l.jsonl",
        [{"error_id": "a:b", "type": "oops", "status": "open", "fatal": False}],
    )
    with pytest.raises(ValueError, match="not in the taxonomy"):
        run_eval(EVENTS, labels)


def test_empty_inputs_give_zeros(tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.jsonl", [])
    report = run_eval(empty, empty)
    assert report.recall == report.precision == report.accuracy("type") == 0.0
    assert "0 in events" in render(report)

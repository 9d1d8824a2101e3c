"""Compare replay events with a hand-labelled sample: detection, type, status, fatal.

Usage: python bench/eval_labels.py EVENTS.jsonl LABELS.jsonl [NONERRORS.jsonl]
LABELS: one JSON object per error with error_id, type, status, fatal.
NONERRORS: one object per step judged not an error, with ``span_id_full`` (trace:span).
"""

from __future__ import annotations

import json
import sys
from collections import Counter


def load(path: str) -> list[dict]:  # type: ignore[type-arg]
    with open(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main(argv: list[str]) -> None:
    events = {e["error_id"]: e for e in load(argv[1])}
    labels = {x["error_id"]: x for x in load(argv[2])}
    nonerrors = {x["span_id_full"] for x in load(argv[3])} if len(argv) > 3 else set()
    traces = {i.split(":")[0] for i in labels} | {i.split(":")[0] for i in nonerrors}
    ours = {i: e for i, e in events.items() if i.split(":")[0] in traces}
    found = [i for i in labels if i in ours]
    false_pos = [i for i in ours if i in nonerrors]
    print(
        f"labelled errors {len(labels)}, detected {len(found)} "
        f"(recall {len(found) / len(labels):.1%}); flagged non-errors {len(false_pos)} of "
        f"{len(nonerrors)}; precision {len(found) / max(1, len(found) + len(false_pos)):.1%}"
    )
    for field in ("type", "status", "fatal"):
        same = sum(ours[i][field] == labels[i][field] for i in found)
        print(f"{field:7s} accuracy on detected: {same / max(1, len(found)):.1%}")
    cat_of = {e["type"]: e["category"] for e in events.values()}
    same_cat = sum(ours[i]["category"] == cat_of.get(labels[i]["type"], "?") for i in found)
    print(f"category accuracy on detected: {same_cat / max(1, len(found)):.1%}")
    confusion = Counter(
        (labels[i]["type"], ours[i]["type"]) for i in found if ours[i]["type"] != labels[i]["type"]
    )
    print("\nworst type confusions (label -> ours):")
    for (a, b), n in confusion.most_common(15):
        print(f"  {n:3d}  {a} -> {b}")
    st = Counter(
        (labels[i]["status"], ours[i]["status"], labels[i]["fatal"], ours[i]["fatal"])
        for i in found
    )
    print("\nstatus/fatal (label status, ours, label fatal, ours fatal):")
    for k, n in st.most_common():
        print(f"  {n:3d}  {k}")
    missed = Counter(labels[i]["type"] for i in labels if i not in ours)
    print("\nmissed by type:", missed.most_common(10))
    fp = Counter(ours[i]["type"] for i in false_pos)
    print("false positives by type:", fp.most_common(10))


if __name__ == "__main__":
    main(sys.argv)

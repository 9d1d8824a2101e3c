"""Would a decode process help ``rebound serve``? The core fed in-process or by a worker.

    python bench/decode_process.py              # 3 rounds, the 600-run load x3
    python bench/decode_process.py --smoke

``rebound serve`` decodes OTLP protobuf in its receiver threads, under the GIL the classifier
core needs. Side by side, per round, on the same requests (``bench/live.py``'s load): the
core fed by ``decode_protobuf`` in the same process, and fed by one worker process that
decodes and pickles the spans (the core's process then only unpickles). Reported: spans/s
through the core (wall) and the core process's CPU per span; a worker helps only where the
wall rate rises, which on 2 shared cores it must do against everything else running.
"""

from __future__ import annotations

import multiprocessing
import pickle
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import live  # noqa: E402  (bench/live.py, next to this file)


def decoded(body: bytes) -> bytes:
    """The worker's job: decode a request and pickle its spans."""
    from rebound.collector.otlp import decode_protobuf

    return pickle.dumps(decode_protobuf(body).spans, protocol=5)


def main(argv: list[str] | None = None) -> int:
    """Alternate both ways ``--rounds`` times; print and append the table."""
    from rebound.classifier.core import Classifier
    from rebound.collector.otlp import decode_protobuf

    parser = live.bench_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="alternations (3)")
    parser.add_argument("--copies", type=int, default=3, help="the load this many times (3)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.runs, args.rounds, args.copies = 24, 1, 1
    load_before = live.load_average()
    templates = live.build_templates(args.runs, 300) * args.copies
    bodies = [t.stamp(i, time.time_ns()) for i, t in enumerate(templates)]
    spans = sum(t.spans for t in templates)
    rows = []
    with multiprocessing.get_context("forkserver").Pool(1) as pool:
        pool.map(decoded, bodies[:2])  # started and warm
        for n in range(1, args.rounds + 1):
            core, wall, cpu = Classifier(), time.monotonic(), time.process_time()
            for body in bodies:
                core.ingest(decode_protobuf(body).spans, 0.0)
            inline = (time.monotonic() - wall, time.process_time() - cpu)
            core, wall, cpu = Classifier(), time.monotonic(), time.process_time()
            for data in pool.imap(decoded, bodies, chunksize=4):
                core.ingest(pickle.loads(data), 0.0)
            worker = (time.monotonic() - wall, time.process_time() - cpu)
            rows.append(
                {
                    "round": n,
                    "inline": spans / inline[0],
                    "inline_cpu": 1e6 * inline[1] / spans,
                    "worker": spans / worker[0],
                    "worker_cpu": 1e6 * worker[1] / spans,
                    "gain": inline[0] / worker[0],
                }
            )
    columns = (
        live.ROUND_COLUMN,
        ("inline", "decode in-process spans/s", "{:,.0f}".format),
        ("inline_cpu", "its CPU µs/span", "{:.1f}".format),
        ("worker", "decode process spans/s", "{:,.0f}".format),
        ("worker_cpu", "core process CPU µs/span", "{:.1f}".format),
        ("gain", "worker ÷ in-process (wall)", "{:.2f}×".format),
    )
    setup = (
        f"{len(bodies):,} requests, {spans:,} spans ({args.runs} simulated runs ×"
        f" {args.copies}), each way per round"
    )
    live.publish_table("Decode process for serve", load_before, setup, columns, rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

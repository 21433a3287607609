"""Where offline `check` of a big JSON input spends its CPU: the parent process
(splitting the input, sending tasks, receiving results, rendering, writing)
or the worker processes (decoding and checking).

    python benchmarks/json_parent.py [--runs 3] [--pods 20000] [--keep DIR]

For each of json_inputs.py's shapes of N pods (a compact `List`, a kubectl
`get -o json` PodList, a stream): the split alone (manifests.input_pieces,
CPU seconds in this process), then whole `check --level restricted` runs
(-o json, table, yaml) in a child that reports its own CPU (the parent) and
its children's (the workers) from getrusage, beside the wall time. On a
machine with few cores the workers' CPU sets the wall time; with many, the
parent's does. Medians of --runs runs; the load average is printed with each.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_offline import PY  # noqa: E402
from json_inputs import SHAPES, pods, write  # noqa: E402

# Runs the command line in this process and reports CPU as "parent children wall".
RUN = """import resource, sys, time
from kubectl_podsec.cli.main import main
sys.argv = ["kubectl-podsec", *sys.argv[1:]]
start = time.monotonic()
try:
    main()
except SystemExit:
    pass
me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime, time.monotonic() - start, file=sys.stderr)
"""


def split_seconds(path: str, runs: int) -> float:
    from kubectl_podsec.manifests import Input, input_pieces

    samples = []
    for _ in range(runs):
        start = time.process_time()
        for _piece in input_pieces(Input(path, path)):
            pass
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def whole_run(path: str, fmt: str, runs: int) -> tuple[float, float, float]:
    """Median parent CPU, worker CPU and wall seconds of `check`."""
    samples = []
    for _ in range(runs):
        done = subprocess.run([PY, "-c", RUN, "check", "--level", "restricted", "-o", fmt, "-f", path],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
        samples.append(tuple(float(x) for x in done.stderr.split()[-3:]))
    return tuple(statistics.median(s[i] for s in samples) for i in range(3))  # type: ignore[return-value]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pods", type=int, default=20000)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--formats", default="json,table,yaml")
    ap.add_argument("--keep", help="write the inputs here and keep them")
    args = ap.parse_args()
    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    items = pods(args.pods)
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or tmp
        os.makedirs(where, exist_ok=True)
        for shape in args.shapes.split(","):
            path = os.path.join(where, f"{shape}-{args.pods}.json")
            write(path, shape, items)
            split = split_seconds(path, args.runs)
            print(f"{shape:8} {args.pods} pods, {os.path.getsize(path) >> 20} MB: split {split:.2f} s CPU "
                  f"(load {os.getloadavg()[0]:.2f})")
            for fmt in args.formats.split(","):
                parent, workers, wall = whole_run(path, fmt, args.runs)
                print(f"  -o {fmt:5}: parent {parent:.2f} s CPU, workers {workers:.2f} s CPU, wall {wall:.2f} s "
                      f"(load {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()

"""Offline `check` of JSON inputs, run as whole processes: wall time and peak RSS.

    python benchmarks/json_inputs.py [--runs 3] [--pods 20000] [--keep DIR]

Three shapes of the same N pods (check_offline.py's pods, 50 namespaces):
a compact `List` on one line (`json.dumps`), a `kubectl get -o json` style
PodList (indented, `items` before `kind`, as kubectl sorts keys), and a JSON
stream (one pod after another). For each: `check --level restricted -o json`
and `-o table` over N/4 and N pods (target: 4x the pods costs <= 1.3x the
peak RSS), and the wall time for N pods beside `json.load` of the same file.

Wall times are medians of --runs runs; peak RSS comes from wait4's ru_maxrss.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
from typing import Any

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_offline import CHECK, PY, median, pod  # noqa: E402

LOAD = "import json, sys\njson.load(open(sys.argv[1], 'rb'))\n"
SHAPES = ("list", "podlist", "stream")


def pods(n: int) -> list[dict[str, Any]]:
    rng = random.Random(n)
    return [yaml.safe_load(pod(i, rng)) for i in range(n)]


def write(path: str, shape: str, items: list[dict[str, Any]]) -> None:
    with open(path, "w") as f:
        if shape == "list":
            json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f)
        elif shape == "podlist":  # as `kubectl get pods -o json` writes it
            json.dump({"apiVersion": "v1", "items": items, "kind": "PodList",
                       "metadata": {"resourceVersion": ""}}, f, indent=4)
        else:
            for item in items:
                f.write(json.dumps(item, indent=2) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pods", type=int, default=20000)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--keep", help="write the inputs here and keep them")
    args = ap.parse_args()
    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.2f}")
    small_n, big_n = args.pods, args.pods * 4
    many = pods(big_n)
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or tmp
        os.makedirs(where, exist_ok=True)
        for shape in args.shapes.split(","):
            small, big = (os.path.join(where, f"{shape}-{n}.json") for n in (small_n, big_n))
            write(small, shape, many[:small_n])
            write(big, shape, many)
            load = median([PY, "-c", LOAD, small], args.runs)[0] if shape != "stream" else None
            for fmt in ("json", "table"):
                cmd = CHECK + ["--level", "restricted", "-o", fmt, "-f"]
                wall, rss_small = median(cmd + [small], args.runs)
                _, rss_big = median(cmd + [big], 1)
                base = f"; json.load {load:.2f} s" if load is not None else ""
                print(f"{shape:8} -o {fmt:5}: {small_n} pods {wall:.2f} s{base}; peak RSS "
                      f"{rss_small / 1024:.1f} MiB, {big_n} pods {rss_big / 1024:.1f} MiB "
                      f"(ratio {rss_big / rss_small:.2f}, target <= 1.3); "
                      f"{os.path.getsize(small) >> 20} / {os.path.getsize(big) >> 20} MB")


if __name__ == "__main__":
    main()

"""CPU time per YAML document of podsec's loader, by stage, on the pods of benchmarks/go_library.py.

    python benchmarks/yaml_loader.py [--pods 20000] [--sample 5000] [--rounds 5]

Writes the pod file (go_library.write_yaml, the same pods for the same --pods), takes every
n-th document up to --sample, and times each stage over them with process_time, --rounds
times: libyaml's events alone (PyYAML's C parser), the node tree (GoLoader's C composer, which
calls podsec's tag resolution for each scalar), the whole `load` (node tree and values by
go-yaml's rules), `load` and shape.settle (the value in JSON form and its depth: what the exact
path gives a document), and decoding/blockyaml.py's one-pass reading of the same (which every
document here is in; the script checks that it gives the same). Prints the median and every round in microseconds per document, and the
load average: on a shared machine, compare runs made at the same load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import yaml  # noqa: E402

from benchmarks.go_library import write_yaml  # noqa: E402
from kubectl_podsec.decoding import blockyaml  # noqa: E402
from kubectl_podsec.decoding.loader import GoLoader, load  # noqa: E402
from kubectl_podsec.decoding.shape import settle  # noqa: E402


def _events(text: str) -> None:
    for _ in yaml.parse(text, Loader=yaml.CSafeLoader):
        pass


def _nodes(text: str) -> None:
    loader = GoLoader(text)
    try:
        loader.get_single_node()
    finally:
        loader.dispose()


def _exact(text: str) -> object:
    return settle(load(text), "*" in text)


STAGES: dict[str, Callable[[str], object]] = {"events": _events, "node tree": _nodes, "load": load,
                                              "load+settle": _exact, "blockyaml": blockyaml.read}


def sample(pods: int, size: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pods.yaml"
        write_yaml(path, pods)
        docs = [d for d in path.read_text().split("---\n") if d.strip()]
    return docs[::max(1, len(docs) // size)][:size]


def per_doc(stage: Callable[[str], object], docs: list[str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.process_time()
        for doc in docs:
            stage(doc)
        times.append((time.process_time() - start) / len(docs) * 1e6)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pods", type=int, default=20000)
    parser.add_argument("--sample", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    docs = sample(args.pods, args.sample)
    print(f"{len(docs)} documents of {args.pods} pods, {args.rounds} rounds, load {os.getloadavg()[0]:.2f}")
    differ = sum(repr(blockyaml.read(d)) != repr(_exact(d)) for d in docs)
    print(f"blockyaml and load+settle differ on {differ} of {len(docs)} documents")
    for name, stage in STAGES.items():
        times = per_doc(stage, docs, args.rounds)
        rounds = " ".join(f"{t:.1f}" for t in times)
        print(f"{name:11} {statistics.median(times):6.1f} us/doc (rounds: {rounds})")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

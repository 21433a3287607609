"""What one worker process of offline `check` spends per object, in-process.

    python benchmarks/worker_item.py [--pods 2000] [--repeat 7] [-o json] [--profile N]

The pods are go_library.py's (check_offline.py's generator, no namespaces), written
as YAML and then as one JSON `List`, and split as the parent process splits them
(manifests.input_pieces: one text an item). The checker and writer are those of
`check --level restricted -f FILE -o FORMAT`; then, in tasks of fanout.BATCH items,
as check/fanout.py's workers do:

  decode    manifests.piece_documents (each item's text to its object)
  work      fanout._work, in passes over the task: every item decoded, then
            Checker.check_many (admission of each, then validation of each), then
            each result rendered by the writer's detached render
  pickle    the outcomes _work returns, packed and pickled as a worker sends them back
  unpickle  the same unpickled and unpacked, as the parent receives them

The collector is set up as in a worker (check/workers.py): what exists after the set-up
is frozen, and the thresholds are the workers'.

CPU time per object, the median (and least) of --repeat passes; the load average is
printed with the numbers. With --profile N, cProfile's N costliest functions of one
`work` pass (cumulative and own time) instead.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from engine_per_pod import per_object as per_item  # noqa: E402
from go_library import write_json_list, write_yaml  # noqa: E402

import gc  # noqa: E402
import pickle  # noqa: E402

from kubectl_podsec.admission.config import DEFAULT_CONFIG  # noqa: E402
from kubectl_podsec.admission.policy import PolicyResolver  # noqa: E402
from kubectl_podsec.check import fanout, workers  # noqa: E402
from kubectl_podsec.check.checker import Checker  # noqa: E402
from kubectl_podsec.manifests import Input, input_pieces, piece_documents  # noqa: E402
from kubectl_podsec.pss import Evaluator, Level, LevelVersion, Version  # noqa: E402
from kubectl_podsec.render import writer_for  # noqa: E402
from kubectl_podsec.render.serialize import dump_yaml  # noqa: E402


def tasks(pods: int, directory: Path) -> list[fanout.Task]:
    """The List's items as the parent splits and batches them."""
    yaml_path, json_path = directory / "pods.yaml", directory / "pods.json"
    write_yaml(yaml_path, pods)
    write_json_list(yaml_path, json_path)
    pieces = list(input_pieces(Input(str(json_path), str(json_path))))
    return [pieces[i:i + fanout.BATCH] for i in range(0, len(pieces), fanout.BATCH)]


def set_up_worker(output: str) -> None:
    """The checker and render a worker inherits from `check --level restricted -o output`."""
    resolver = PolicyResolver(DEFAULT_CONFIG, {}, None, server_minor=None, defaults_unknown_unless_given=True)
    level = LevelVersion(Level.RESTRICTED, Version.latest())
    writer = writer_for(output)(wide=False, color=False, yaml_dump=dump_yaml)
    fanout._checker = Checker(Evaluator(None), resolver, "default", level)
    fanout._render = writer.detached()


def per_object(stage: Callable[[Any], object], batches: list[Any], count: int,
               repeat: int) -> tuple[float, float]:
    """Median and least CPU µs per object over `repeat` passes: engine_per_pod's timing
    of each batch, spread over the batch's objects."""
    median, least = per_item(stage, batches, repeat)
    scale = len(batches) / count
    return median * scale, least * scale


def send(outcomes: list[fanout.Outcome]) -> bytes:
    return pickle.dumps(fanout._packed_outcomes(outcomes), pickle.HIGHEST_PROTOCOL)


def receive(data: bytes) -> list[fanout.Outcome]:
    return fanout._unpacked_outcomes(pickle.loads(data))


def decode(task: fanout.Task) -> object:
    return [piece_documents(piece) for piece in task]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("-o", "--output", default="json", choices=("json", "yaml", "sarif", "table"))
    ap.add_argument("--profile", type=int, default=0, help="show cProfile's N costliest functions")
    args = ap.parse_args()
    set_up_worker(args.output)
    with tempfile.TemporaryDirectory() as tmp:
        batches = tasks(args.pods, Path(tmp))
    count = sum(len(b) for b in batches)
    gc.freeze()
    gc.set_threshold(*workers._GC_THRESHOLDS)
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(lambda: [fanout._work(b) for b in batches])
        for order in ("cumulative", "tottime"):
            pstats.Stats(profile).sort_stats(order).print_stats(args.profile)
        return
    sent = [send(fanout._work(b)) for b in batches]
    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{count} objects, -o {args.output}, median of {args.repeat}; "
          f"{sum(map(len, sent)) / count:.0f} bytes pickled an object")
    print(f"# load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    outcomes = [fanout._work(b) for b in batches]
    for name, stage, items in (
        ("decode", decode, batches),
        ("work", fanout._work, batches),
        ("pickle", send, outcomes),
        ("unpickle", receive, sent),
    ):
        median, least = per_object(stage, items, count, args.repeat)
        print(f"{name:9s} {median:8.1f} µs/object (min {least:.1f})", flush=True)
    print(f"# load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

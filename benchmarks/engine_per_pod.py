"""The engine's own cost per pod in offline `check`, stage by stage, in-process.

    python benchmarks/engine_per_pod.py [--pods 2000] [--repeat 7] [--only STAGE,...]

The pods are those of benchmarks/check_offline.py (half hardened, some privileged,
some on the host network, in 50 namespaces labelled for every level), decoded once
by the input layer; the Deployments wrap the same pod specs. Then each stage runs
over every object, --repeat times, and the median CPU time is printed in µs per object:

  view              pod_metadata + pod_spec (the typed view the checks read)
  eval restricted   Evaluator.evaluate_pod at restricted:latest, on ready views
  eval baseline     the same at baseline:latest
  defaulting        default_template of a Pod (the API server's defaulting)
  admit             admission.verdicts.admit of a defaulted Pod under its namespace's
                    policy: the views and every mode's evaluation
  controller pod    controller_pod(deployment).admitted(): the pod its controller makes
  validation        validation.validate (the API server's own validation)
  checker --level   Checker.check with --level restricted, no validation (source None)
  checker ns        Checker.check under the namespace's labels, no validation
  checker ns+valid  the same for a document from a file: with validation
  checker deploy    Checker.check of a Deployment under its namespace's labels, with validation
  to_dict           Result.to_dict (the report's JSON document, before rendering)

Timings on a shared machine move: the load average is printed with the numbers.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from check_offline import NAMESPACE_LABELS, pod  # noqa: E402

from kubectl_podsec.admission.config import DEFAULT_CONFIG  # noqa: E402
from kubectl_podsec.admission.controller_pods import controller_pod  # noqa: E402
from kubectl_podsec.admission.policy import PolicyResolver  # noqa: E402
from kubectl_podsec.admission.verdicts import admit, default_template  # noqa: E402
from kubectl_podsec.admission.workloads import PodTemplate, pod_template  # noqa: E402
from kubectl_podsec.check.checker import Checker  # noqa: E402
from kubectl_podsec.manifests import Source, documents  # noqa: E402
from kubectl_podsec.pss import Evaluator, LevelVersion, pod_metadata, pod_spec  # noqa: E402
from kubectl_podsec.validation import validate  # noqa: E402


def decoded_pods(n: int) -> list[dict[str, Any]]:
    rng = random.Random(n)
    text = "".join("---\n" + pod(i, rng) for i in range(n))
    return [d.obj for d in documents("pods.yaml", io.BytesIO(text.encode()))]


def as_deployment(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            "spec": {"selector": {"matchLabels": meta["labels"]},
                     "template": {"metadata": {"labels": meta["labels"]}, "spec": obj["spec"]}}}


def namespace_labels() -> dict[str, dict[str, str]]:
    out = {}
    for ns in range(50):
        lines = NAMESPACE_LABELS[ns % 3].strip().splitlines()
        out[f"ns-{ns}"] = dict(tuple(part.strip() for part in line.split(": ")) for line in lines)
    return out


def per_object(stage: Callable[[Any], object], items: Sequence[Any], repeat: int) -> float:
    """Median over `repeat` passes of the CPU µs per item (CPU time, not wall time:
    on a shared machine the wall clock also counts the other processes' turns)."""
    samples = []
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        for item in items:
            stage(item)
        samples.append((time.process_time() - start) / len(items) * 1e6)
    return statistics.median(samples)


def stages(n: int) -> dict[str, tuple[Callable[[Any], object], list[Any]]]:
    pods = decoded_pods(n)
    deployments = [as_deployment(p) for p in pods]
    templates = [pod_template(p) for p in pods]
    assert all(t is not None for t in templates)
    defaulted: list[PodTemplate] = [default_template(t, is_pod=True) for t in templates if t is not None]
    views = [(pod_metadata(t.metadata), pod_spec(t.spec)) for t in defaulted]
    evaluator = Evaluator()
    restricted, baseline = LevelVersion.parse("restricted"), LevelVersion.parse("baseline")
    resolver = PolicyResolver(DEFAULT_CONFIG, namespace_labels(), None, defaults_unknown_unless_given=True)
    choices = [resolver.choose(p["metadata"]["namespace"]) for p in pods]
    by_level = Checker(evaluator, resolver, level=restricted)
    by_labels = Checker(evaluator, resolver)
    source = Source("pods.yaml", 0, 1)
    results = [by_labels.check(p, source) for p in pods]

    def admitted(args: tuple[PodTemplate, Any]) -> object:
        template, choice = args
        return admit(template, is_pod=True, namespace="ns", policy=choice.policy, evaluator=evaluator,
                     unknown={m: choice.unknown_reason for m in choice.unknown})

    def made(obj: dict[str, Any]) -> object:
        made = controller_pod(obj, "default")
        assert made is not None
        return made.admitted(None)

    return {
        "view": (lambda t: (pod_metadata(t.metadata), pod_spec(t.spec)), defaulted),
        "eval restricted": (lambda v: evaluator.evaluate_pod(restricted, *v), views),
        "eval baseline": (lambda v: evaluator.evaluate_pod(baseline, *v), views),
        "defaulting": (lambda t: default_template(t, is_pod=True), templates),
        "admit": (admitted, list(zip(defaulted, choices))),
        "controller pod": (made, deployments),
        "validation": (validate, pods),
        "checker --level": (lambda p: by_level.check(p, None), pods),
        "checker ns": (lambda p: by_labels.check(p, None), pods),
        "checker ns+valid": (lambda p: by_labels.check(p, source), pods),
        "checker deploy": (lambda d: by_labels.check(d, source), deployments),
        "to_dict": (lambda r: r.to_dict(), results),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--only", default="", help="comma-separated stage names")
    args = ap.parse_args()
    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{args.pods} objects, median of {args.repeat}")
    print(f"# load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    wanted = {s.strip() for s in args.only.split(",") if s.strip()}
    for name, (stage, items) in stages(args.pods).items():
        if wanted and name not in wanted:
            continue
        print(f"{name:18s} {per_object(stage, items, args.repeat):8.1f} µs/object", flush=True)
    print(f"# load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

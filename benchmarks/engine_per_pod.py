"""The engine's own cost per pod in offline `check`, stage by stage, in-process.

    python benchmarks/engine_per_pod.py [--pods 2000] [--repeat 7] [--only STAGE,...]

The pods are those of benchmarks/check_offline.py (half hardened, some privileged,
some on the host network, in 50 namespaces labelled for every level), decoded once
by the input layer; the Deployments wrap the same pod specs. Then each stage runs
over every object, --repeat times, and the median (and least) CPU time is printed in µs
per object:

  view              pod_metadata + pod_spec (the typed view the checks read)
  eval restricted   Evaluator.evaluate_pod at restricted:latest, on ready views
  eval baseline     the same at baseline:latest
  defaulting        default_template of a Pod (the API server's defaulting)
  admit             admission.verdicts.admit of a defaulted Pod under its namespace's
                    policy: the views and every mode's evaluation
  controller pod    controller_pod(deployment).admitted(): the pod its controller makes
  validation        validation.validate (the API server's own validation)
  validation deploy the same of a Deployment
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


def per_object(stage: Callable[[Any], object], items: Sequence[Any], repeat: int) -> tuple[float, float]:
    """Median and minimum over `repeat` passes of the CPU µs per item (CPU time, not
    wall time: on a shared machine the wall clock also counts the other processes'
    turns; they still slow this one's caches, which the minimum shows least)."""
    samples = []
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        for item in items:
            stage(item)
        samples.append((time.process_time() - start) / len(items) * 1e6)
    return statistics.median(samples), min(samples)


def stages(n: int) -> dict[str, tuple[Callable[[Any], object], Callable[[], list[Any]]]]:
    """Each stage with what makes its objects (only the stages asked for are set up)."""
    pods = decoded_pods(n)
    templates = [pod_template(p) for p in pods]
    assert all(t is not None for t in templates)
    defaulted: list[PodTemplate] = [default_template(t, is_pod=True) for t in templates if t is not None]
    evaluator = Evaluator()
    restricted, baseline = LevelVersion.parse("restricted"), LevelVersion.parse("baseline")
    resolver = PolicyResolver(DEFAULT_CONFIG, namespace_labels(), None, defaults_unknown_unless_given=True)
    by_level = Checker(evaluator, resolver, level=restricted)
    by_labels = Checker(evaluator, resolver)
    source = Source("pods.yaml", 0, 1)

    def views() -> list[Any]:
        return [(pod_metadata(t.metadata), pod_spec(t.spec)) for t in defaulted]

    def policies() -> list[Any]:
        choices = {ns: resolver.choose(ns) for ns in namespace_labels()}
        unknown = {ns: {m: c.unknown_reason for m in c.unknown} for ns, c in choices.items()}
        return [(t, choices[ns].policy, unknown[ns])
                for t, ns in zip(defaulted, (p["metadata"]["namespace"] for p in pods))]

    def admitted(args: tuple[PodTemplate, Any, Any]) -> object:
        template, policy, unknown = args
        return admit(template, is_pod=True, namespace="ns", policy=policy, evaluator=evaluator, unknown=unknown)

    def made(obj: dict[str, Any]) -> object:
        made = controller_pod(obj, "default")
        assert made is not None
        return made.admitted(None)

    return {
        "view": (lambda t: (pod_metadata(t.metadata), pod_spec(t.spec)), lambda: defaulted),
        "eval restricted": (lambda v: evaluator.evaluate_pod(restricted, *v), views),
        "eval baseline": (lambda v: evaluator.evaluate_pod(baseline, *v), views),
        "defaulting": (lambda t: default_template(t, is_pod=True), lambda: templates),
        "admit": (admitted, policies),
        "controller pod": (made, lambda: [as_deployment(p) for p in pods]),
        "validation": (validate, lambda: pods),
        "validation deploy": (validate, lambda: [as_deployment(p) for p in pods]),
        "checker --level": (lambda p: by_level.check(p, None), lambda: pods),
        "checker ns": (lambda p: by_labels.check(p, None), lambda: pods),
        "checker ns+valid": (lambda p: by_labels.check(p, source), lambda: pods),
        "checker deploy": (lambda d: by_labels.check(d, source), lambda: [as_deployment(p) for p in pods]),
        "to_dict": (lambda r: r.to_dict(), lambda: [by_labels.check(p, source) for p in pods]),
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
    for name, (stage, make) in stages(args.pods).items():
        if wanted and name not in wanted:
            continue
        median, least = per_object(stage, make(), args.repeat)
        print(f"{name:18s} {median:8.1f} µs/object (min {least:.1f})", flush=True)
    print(f"# load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

"""Benchmark: `whoami` in one namespace against a real control plane, as whole processes.

    python benchmarks/whoami.py [--profile default] [--runs 7]

Compared with `kubectl auth can-i --list -n NS` (one SelfSubjectRulesReview;
target: whoami at most 2x). whoami asks a SelfSubjectReview, reads the
namespace and the PSP discovery document, and one SelfSubjectAccessReview per
row (23 here), 4 at a time. Wall times are medians of --runs runs. To show
where the time goes, also measured: the bare interpreter, the interpreter
importing only the libraries whoami cannot do without, and an offline command
(`version --client`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable


def wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - start


def median(cmd: list[str], env: dict[str, str], runs: int) -> float:
    wall(cmd, env)  # warm the page cache (and kubectl's discovery cache)
    return statistics.median(wall(cmd, env) for _ in range(runs))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="default")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    script = REPO / "scripts" / "test-cluster"
    subprocess.run([str(script), "up", "--profile", args.profile], check=True, stdout=subprocess.DEVNULL)
    status = json.loads(subprocess.run([str(script), "status", "--profile", args.profile, "--json"],
                                       capture_output=True, text=True).stdout)
    env = {**os.environ, "KUBECONFIG": status["kubeconfig"]}
    namespace = "kube-system"
    subprocess.run([PY, "-m", "compileall", "-q", str(REPO / "kubectl_podsec")], check=True)
    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"kube-apiserver {status['version']} (profile {args.profile}); namespace {namespace}; "
          f"medians of {args.runs} runs")
    kubectl = median(["/usr/bin/kubectl", "auth", "can-i", "--list", "-n", namespace], env, args.runs)
    ours = median([PY, "-m", "kubectl_podsec", "whoami", "-n", namespace], env, args.runs)
    as_json = median([PY, "-m", "kubectl_podsec", "whoami", "-n", namespace, "-o", "json"], env, args.runs)
    print(f"kubectl auth can-i --list -n {namespace}: {kubectl * 1000:.0f} ms")
    print(f"whoami -n {namespace}: {ours * 1000:.0f} ms (-o json {as_json * 1000:.0f} ms); "
          f"ratio {ours / kubectl:.1f} (target <= 2)")
    bare = median([PY, "-c", "pass"], env, args.runs)
    offline = median([PY, "-m", "kubectl_podsec", "version", "--client"], env, args.runs)
    stack = median([PY, "-c", "import click, yaml, ssl, http.client, concurrent.futures"], env, args.runs)
    print(f"where it goes: python -c pass {bare * 1000:.0f} ms; importing click, yaml, ssl, http.client "
          f"and concurrent.futures alone {stack * 1000:.0f} ms; kubectl-podsec version --client "
          f"{offline * 1000:.0f} ms; so whoami's own imports and requests take about "
          f"{(ours - offline) * 1000:.0f} ms beyond the command line's start-up")

if __name__ == "__main__":
    main()

"""Benchmark: `check -A` against a real control plane, as whole processes.

    python benchmarks/cluster_check.py [--profile bench] [--namespaces 1000] [--pods 20000]
                                       [--deployments 2000] [--runs 3] [--populate-only]

The profile (scripts/test-cluster, default `bench`) is started if needed and
filled once by a bounded parallel loader (16 connections) with namespaces
(a quarter enforce baseline, a quarter warn restricted, a quarter audit
restricted), pods (nothing schedules them) and Deployments; a second run
reuses what is there.

Measured, wall time as the median of --runs runs:
1. `kubectl get pods,podtemplates,...,cronjobs -A -o json > /dev/null`: the same
   nine kinds, read the way kubectl reads them (chunks of 500);
2. `kubectl podsec check -A -o json` and `-o table` (stdout to /dev/null);
   target: at most 1.5x of (1);
3. API requests per `check -A`: the kube-apiserver's own apiserver_request_total,
   summed before and after (nothing else talks to this instance);
4. peak RSS (wait4's ru_maxrss) of `check -A -l half=0` (half the pods) and
   of `check -A`: the target is that it does not grow with the objects.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import ssl
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KINDS = "pods,podtemplates,replicationcontrollers,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs"
PY = sys.executable


class Api:
    """Admin HTTPS requests to the instance, keeping one connection per thread."""

    def __init__(self, status: dict[str, object]) -> None:
        self.server = str(status["server"])
        self.token = dict(status["tokens"])["admin"]  # type: ignore[call-overload]
        self.context = ssl.create_default_context(cafile=str(status["ca"]))

    def call(self, method: str, path: str, body: object = None) -> tuple[int, bytes]:
        request = urllib.request.Request(
            self.server + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        for attempt in range(6):
            try:
                with urllib.request.urlopen(request, context=self.context, timeout=60) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                if error.code in (429, 500, 503) and attempt < 5:
                    time.sleep(0.5 * 2 ** attempt)
                    continue
                return error.code, error.read()
        raise AssertionError("unreachable")


def profile_status(profile: str) -> dict[str, object]:
    script = REPO / "scripts" / "test-cluster"
    if subprocess.run([str(script), "status", "--profile", profile], capture_output=True).returncode != 0:
        subprocess.run([str(script), "up", "--profile", profile], check=True, stdout=subprocess.DEVNULL)
    status: dict[str, object] = json.loads(subprocess.run(
        [str(script), "status", "--profile", profile, "--json"], capture_output=True, text=True).stdout)
    return status


def namespace_labels(i: int) -> dict[str, str]:
    prefix = "pod-security.kubernetes.io/"
    return [{prefix + "enforce": "baseline"}, {prefix + "warn": "restricted"},
            {prefix + "audit": "restricted"}, {}][i % 4]


def pod(name: str, i: int, rng: random.Random, enforcing: bool) -> dict[str, object]:
    hardened = rng.random() < 0.5
    sc: dict[str, object] = ({"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                              "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
                             if hardened else {"privileged": not enforcing and rng.random() < 0.2})
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": f"app-{i % 50}", "half": str(i % 2)}},
            "spec": {"containers": [
                {"name": "app", "image": f"registry.example.com/app:{i % 17}", "securityContext": sc,
                 "ports": [{"containerPort": 8080, "name": "http"}],
                 "env": [{"name": "MODE", "value": "bench"}],
                 "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}},
                 "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}]},
                {"name": "sidecar", "image": "registry.example.com/proxy:1.0"}],
                "volumes": [{"name": "config", "configMap": {"name": "cfg"}}]}}


def deployment(name: str, i: int) -> dict[str, object]:
    template = pod(name, i, random.Random(i), enforcing=True)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"half": str(i % 2)}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": template["spec"]}}}


def populate(api: Api, namespaces: int, pods: int, deployments: int) -> None:
    """Create what is missing (409s are fine), 16 requests at a time."""
    def create(job: tuple[str, dict[str, object]]) -> None:
        status, body = api.call("POST", *job)
        if status not in (201, 409):
            raise SystemExit(f"create failed: {status} {body[:300]!r}")

    rng = random.Random(1)
    names = [f"bench-{n:04d}" for n in range(namespaces)]
    jobs: list[tuple[str, dict[str, object]]] = [
        ("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                "metadata": {"name": name, "labels": namespace_labels(n)}})
        for n, name in enumerate(names)]
    for i in range(pods):
        n = i % namespaces
        jobs.append((f"/api/v1/namespaces/{names[n]}/pods", pod(f"pod-{i}", i, rng, n % 4 == 0)))
    for i in range(deployments):
        jobs.append((f"/apis/apps/v1/namespaces/{names[i % namespaces]}/deployments", deployment(f"web-{i}", i)))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(create, jobs[:namespaces]))  # namespaces first
        for done, _ in enumerate(pool.map(create, jobs[namespaces:]), 1):
            if done % 2000 == 0:
                print(f"# loaded {done}/{len(jobs) - namespaces} ({time.monotonic() - started:.0f} s)", flush=True)


def count(api: Api, path: str) -> int:
    total, token = 0, ""
    while True:
        status, body = api.call("GET", f"{path}?limit=500" + (f"&continue={token}" if token else ""))
        page = json.loads(body)
        total += len(page["items"])
        token = page["metadata"].get("continue") or ""
        if not token:
            return total


def requests_served(api: Api) -> float:
    status, body = api.call("GET", "/metrics")
    pattern = re.compile(r"^apiserver_request_total\{[^}]*\} ([0-9.e+]+)$", re.M)
    return sum(float(v) for v in pattern.findall(body.decode()))


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one whole process, stdout to /dev/null."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {code}: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}")
    return wall, usage.ru_maxrss


def median(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, int]:
    samples = [run(cmd, env) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="bench")
    ap.add_argument("--namespaces", type=int, default=1000)
    ap.add_argument("--pods", type=int, default=20000)
    ap.add_argument("--deployments", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--populate-only", action="store_true")
    args = ap.parse_args()
    status = profile_status(args.profile)
    api = Api(status)
    if count(api, "/api/v1/pods") < args.pods or count(api, "/apis/apps/v1/deployments") < args.deployments:
        populate(api, args.namespaces, args.pods, args.deployments)
    if args.populate_only:
        return
    env = {**os.environ, "KUBECONFIG": str(status["kubeconfig"])}
    subprocess.run([PY, "-m", "compileall", "-q", str(REPO / "kubectl_podsec")], check=True)
    pods, deploys = count(api, "/api/v1/pods"), count(api, "/apis/apps/v1/deployments")
    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"kube-apiserver {status['version']} (profile {args.profile}); "
          f"{count(api, '/api/v1/namespaces')} namespaces, {pods} pods, {deploys} Deployments")
    kubectl = ["/usr/bin/kubectl", "get", KINDS, "-A", "-o", "json"]
    check = [PY, "-m", "kubectl_podsec", "check", "-A"]
    base, base_rss = median(kubectl, env, args.runs)
    print(f"kubectl get {KINDS} -A -o json: {base:.2f} s, peak RSS {base_rss / 1024:.0f} MiB")
    for fmt in ("json", "table"):
        ours, rss = median(check + ["-o", fmt], env, args.runs)
        print(f"check -A -o {fmt}: {ours:.2f} s; ratio {ours / base:.2f} (target <= 1.5); "
              f"peak RSS {rss / 1024:.0f} MiB")
    before = requests_served(api)
    run(check + ["-o", "json"], env)
    after = requests_served(api)
    print(f"requests per check -A: {after - before - 1:.0f} (for {pods + deploys} objects; "
          f"apiserver_request_total, minus the /metrics read)")
    _, half = median(check + ["-l", "half=0", "-o", "json"], env, 1)
    _, full = median(check + ["-o", "json"], env, 1)
    _, one = median(check[:-1] + ["-n", "bench-0001", "-o", "json"], env, 1)
    print(f"peak RSS: one namespace {one / 1024:.0f} MiB; half the objects {half / 1024:.0f} MiB; "
          f"all {full / 1024:.0f} MiB; all/half {full / half:.2f} (target: ~1, no growth with objects)")


if __name__ == "__main__":
    main()

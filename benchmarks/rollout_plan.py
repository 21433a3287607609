"""Benchmark: `rollout plan -A` against a real control plane, as whole processes.

    python benchmarks/rollout_plan.py [--profile bench] [--namespaces 1000] [--pods 20000]
                                      [--deployments 2000] [--runs 5]

The profile is started and filled by benchmarks/cluster_check.py's loader
(1,000 namespaces, 20,000 pods, 2,000 Deployments) if it is not already.

Measured, alternating the two commands run by run, median wall time of --runs:
1. `kubectl label --dry-run=server --overwrite ns --all
   pod-security.kubernetes.io/enforce=restricted`: the server's own check of
   the existing pods (capped at 3000 pods and 1 s per namespace; no templates);
2. `kubectl podsec rollout plan -A --level restricted -o json` and `-o table`
   (every pod and every workload template, uncapped); target: at most (1);
3. API requests of each (the kube-apiserver's apiserver_request_total, summed
   before and after; nothing else talks to this instance), and the CPU seconds
   the client and the kube-apiserver spent (so a loaded machine is visible).
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.cluster_check import PY, REPO, Api, count, populate, profile_status, requests_served  # noqa: E402

LABEL = ["/usr/bin/kubectl", "label", "--dry-run=server", "--overwrite", "ns", "--all",
         "pod-security.kubernetes.io/enforce=restricted"]
PLAN = [PY, "-m", "kubectl_podsec", "rollout", "plan", "-A", "--level", "restricted"]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sample:
    def __init__(self, wall: float, client_cpu: float, server_cpu: float, rss: int) -> None:
        self.wall, self.client_cpu, self.server_cpu, self.rss = wall, client_cpu, server_cpu, rss


def run(cmd: list[str], env: dict[str, str], apiserver: int) -> Sample:
    """One whole process, stdout to /dev/null: wall, its CPU, the server's CPU, peak RSS (KiB)."""
    server_before = cpu_seconds(apiserver)
    with tempfile.TemporaryFile() as err:  # not a pipe: kubectl writes thousands of warnings
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} exited {code}: {err.read().decode()[-500:]}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, cpu_seconds(apiserver) - server_before, usage.ru_maxrss)


def describe(name: str, samples: list[Sample]) -> str:
    med = statistics.median
    return (f"{name}: {med(s.wall for s in samples):.2f} s (min {min(s.wall for s in samples):.2f}, "
            f"max {max(s.wall for s in samples):.2f}); client CPU {med(s.client_cpu for s in samples):.2f} s, "
            f"kube-apiserver CPU {med(s.server_cpu for s in samples):.2f} s, "
            f"peak RSS {max(s.rss for s in samples) / 1024:.0f} MiB")


def requests(api: Api, cmd: list[str], env: dict[str, str], apiserver: int) -> int:
    before = requests_served(api)
    run(cmd, env, apiserver)
    return round(requests_served(api) - before - 1)  # minus the /metrics read


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="bench")
    ap.add_argument("--namespaces", type=int, default=1000)
    ap.add_argument("--pods", type=int, default=20000)
    ap.add_argument("--deployments", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    status = profile_status(args.profile)
    api = Api(status)
    if count(api, "/api/v1/pods") < args.pods or count(api, "/apis/apps/v1/deployments") < args.deployments:
        populate(api, args.namespaces, args.pods, args.deployments)
    env = {**os.environ, "KUBECONFIG": str(status["kubeconfig"])}
    subprocess.run([PY, "-m", "compileall", "-q", str(REPO / "kubectl_podsec")], check=True)
    apiserver = int(status["processes"]["kube-apiserver"]["pid"])  # type: ignore[index]
    pods, deploys = count(api, "/api/v1/pods"), count(api, "/apis/apps/v1/deployments")
    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
          f"Python {platform.python_version()}; kube-apiserver {status['version']} (profile {args.profile}); "
          f"{count(api, '/api/v1/namespaces')} namespaces, {pods} pods, {deploys} Deployments")
    commands = {"kubectl label --dry-run=server ns --all": LABEL,
                "rollout plan -A -o json": PLAN + ["-o", "json"],
                "rollout plan -A -o table": PLAN}
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    for _ in range(args.runs):  # alternating, so a change of load hits all alike
        for name, cmd in commands.items():
            samples[name].append(run(cmd, env, apiserver))
    base = statistics.median(s.wall for s in samples["kubectl label --dry-run=server ns --all"])
    for name, cmd in commands.items():
        ratio = statistics.median(s.wall for s in samples[name]) / base
        print(describe(name, samples[name]) + ("" if cmd is LABEL else f"; ratio {ratio:.2f} (target <= 1)"))
    for name, cmd in commands.items():
        print(f"requests, {name}: {requests(api, cmd, env, apiserver)}")
    print(f"# load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

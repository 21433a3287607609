"""Benchmarks for offline `check` (issue: speed and memory), run as whole processes.

    python benchmarks/check_offline.py [--runs 7] [--pods 20000]

1. startup: `check -f` of one Pod vs `python -c "import yaml, json"` (target <= 2x)
2. throughput: `check -o json` over an N-pod multi-document file vs PyYAML's
   C loader parsing the same file (target <= 1.5x)
3. memory: peak RSS for N/4 and N pods, table and json (target: 4x the pods
   costs <= 1.3x the peak RSS)

Wall times are medians of --runs runs; peak RSS comes from wait4's ru_maxrss.
The package is byte-compiled first (as `pip install` does), so start-up is
measured as users see it, whatever PYTHONDONTWRITEBYTECODE says.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time

PY = sys.executable
CHECK = [PY, "-m", "kubectl_podsec", "check"]
PARSE = ("import sys, yaml\n"
         "for _ in yaml.load_all(open(sys.argv[1]), Loader=yaml.CSafeLoader): pass\n")


def run(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    # 4: pods in namespaces that leave a mode to cluster defaults not given (unknown)
    if os.waitstatus_to_exitcode(status) not in (0, 1, 4):
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return wall, usage.ru_maxrss


def median(cmd: list[str], runs: int) -> tuple[float, int]:
    samples = [run(cmd) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def pod(i: int, rng: random.Random) -> str:
    hardened = rng.random() < 0.5
    sc = ("      securityContext:\n        allowPrivilegeEscalation: false\n"
          "        capabilities: {drop: [ALL]}\n" if hardened else
          "      securityContext: {privileged: %s}\n" % ("true" if rng.random() < 0.2 else "false"))
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-{i}\n  namespace: ns-{i % 50}\n"
            f"  labels: {{app: app-{i % 300}, tier: backend}}\n"
            "spec:\n"
            f"  hostNetwork: {'true' if rng.random() < 0.05 else 'false'}\n"
            "  securityContext:\n    runAsNonRoot: true\n    seccompProfile: {type: RuntimeDefault}\n"
            "  containers:\n"
            f"    - name: app\n      image: registry.example.com/app:{i % 17}\n"
            "      ports:\n        - {containerPort: 8080, name: http}\n"
            "      resources: {requests: {cpu: 10m, memory: 32Mi}}\n" + sc +
            "  volumes:\n    - name: config\n      configMap: {name: cfg}\n")


NAMESPACE_LABELS = (
    "    pod-security.kubernetes.io/enforce: restricted\n",
    "    pod-security.kubernetes.io/enforce: baseline\n    pod-security.kubernetes.io/warn: restricted\n",
    "    pod-security.kubernetes.io/audit: baseline\n",
)


def write_pods(path: str, n: int) -> None:
    """n pods in 50 namespaces whose labels (given first) ask for every level,
    so every pod is really evaluated, in one to three modes."""
    rng = random.Random(n)
    with open(path, "w") as f:
        for ns in range(50):
            f.write(f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-{ns}\n"
                    f"  labels:\n{NAMESPACE_LABELS[ns % 3]}")
        for i in range(n):
            f.write("---\n" + pod(i, rng))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--pods", type=int, default=20000)
    args = ap.parse_args()
    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    package = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kubectl_podsec")
    subprocess.run([PY, "-m", "compileall", "-q", package], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        one = os.path.join(tmp, "pod.yaml")
        write_pods(one, 1)
        base, _ = median([PY, "-c", "import yaml, json"], args.runs)
        ours, _ = median(CHECK + ["-f", one], args.runs)
        print(f"startup: check -f pod.yaml {ours * 1000:.0f} ms; import yaml, json {base * 1000:.0f} ms;"
              f" ratio {ours / base:.2f} (target <= 2)")

        big, small = os.path.join(tmp, "big.yaml"), os.path.join(tmp, "small.yaml")
        write_pods(big, args.pods)
        write_pods(small, args.pods // 4)
        runs = max(3, args.runs // 2)
        parse, _ = median([PY, "-c", PARSE, big], runs)
        check, _ = median(CHECK + ["-f", big, "-o", "json"], runs)
        print(f"throughput ({args.pods} pods): check -o json {check:.2f} s; CSafeLoader parse {parse:.2f} s;"
              f" ratio {check / parse:.2f} (target <= 1.5)")

        for fmt in ("table", "json"):
            _, rss_small = median(CHECK + ["-f", small, "-o", fmt], 1)
            _, rss_big = median(CHECK + ["-f", big, "-o", fmt], 1)
            print(f"memory -o {fmt}: {args.pods // 4} pods {rss_small / 1024:.1f} MiB; {args.pods} pods "
                  f"{rss_big / 1024:.1f} MiB; ratio {rss_big / rss_small:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()

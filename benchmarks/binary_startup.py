"""Start-up of the frozen one-dir binary against `python -m kubectl_podsec`, as whole processes.

    python benchmarks/binary_startup.py [--runs 21] [--archive dist/kubectl-podsec_..._.tar.gz]

Both run `check -f pod.yaml` on one Pod (exit 0), and `--version`. Without --archive the archive
is built (or taken from the cache) by scripts/build-binary. The binary is unpacked to a temporary
directory and started through a symlink, as krew installs it; the package is byte-compiled
first, as `pip install` does, whatever PYTHONDONTWRITEBYTECODE says. Each command is run once to
warm the page cache, then --runs times, the two sides alternating; the table gives the median
and the 10th/90th percentiles of wall time, the median CPU time (user + system, steadier than
wall time on a busy machine) and the peak RSS (wait4's ru_maxrss) of the median run.
Target (design.md): `check -f` of one manifest well under 200 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: registry.example.com/app:1
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
"""


def run(cmd: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (KiB) and CPU seconds (user + system) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def archive_path(given: str | None) -> Path:
    if given:
        return Path(given)
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "build-binary")],
                         check=True, capture_output=True, text=True).stdout
    return Path(out.strip().splitlines()[-1])


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--archive", help="a built archive (default: scripts/build-binary's)")
    args = ap.parse_args()
    archive = archive_path(args.archive)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kubectl_podsec")],
                   check=True)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor()) \
        if os.path.exists("/proc/cpuinfo") else platform.processor()
    print(f"# {platform.platform()}, {cpu}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; {archive.name} {archive.stat().st_size / 1e6:.1f} MB; "
          f"{args.runs} runs each")
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="tar")
        link = Path(tmp, "bin", "kubectl-podsec")
        link.parent.mkdir()
        link.symlink_to(Path(tmp, "kubectl-podsec", "kubectl-podsec"))
        pod = Path(tmp, "pod.yaml")
        pod.write_text(POD)
        sides = {"one-dir binary": [str(link)],
                 "python -m": [sys.executable, "-m", "kubectl_podsec"]}
        print(f"{'command':<22}{'side':<16}{'median':>9}{'p10':>9}{'p90':>9}{'CPU':>9}"
              f"{'peak RSS':>11}")
        for label, argv in (("check -f pod.yaml", ["check", "-f", str(pod)]),
                            ("--version", ["--version"])):
            samples: dict[str, list[tuple[float, int, float]]] = {side: [] for side in sides}
            for side, prefix in sides.items():
                run(prefix + argv)  # warm-up
            for _ in range(args.runs):
                for side, prefix in sides.items():
                    samples[side].append(run(prefix + argv))
            for side, got in samples.items():
                walls = sorted(s[0] for s in got)
                rss = sorted(got)[len(got) // 2][1]
                p10, p90 = percentile(walls, 10), percentile(walls, 90)
                print(f"{label:<22}{side:<16}{statistics.median(walls) * 1000:>7.0f}ms"
                      f"{p10 * 1000:>7.0f}ms{p90 * 1000:>7.0f}ms"
                      f"{statistics.median(s[2] for s in got) * 1000:>7.0f}ms{rss / 1024:>8.1f}MiB")


if __name__ == "__main__":
    main()

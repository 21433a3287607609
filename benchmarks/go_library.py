"""Benchmark: offline `kubectl podsec check --level restricted` beside the upstream Go
library (k8s.io/pod-security-admission's evaluator) on the same files, as whole processes.

    python benchmarks/go_library.py [--sizes 1,2000,20000,80000] [--runs 5]

For each size, two files of the same pods (check_offline.py's generator, without its
namespaces): a YAML multi-document stream and a JSON `List`. Timed, in turn, --runs times:

- Go: benchmarks/go-library (built by scripts/build-go-bench at the pinned version) reads
  the file as kubectl does, gives each Pod the API server's v1 defaults (as podsec does:
  hostPort = containerPort on the host network changes verdicts), evaluates it at
  restricted:latest and writes one JSON line a pod;
- `python -m kubectl_podsec check --level restricted -f FILE -o json`, and the same with
  the default table.

Wall time is the median; CPU time (user+sys) the median of what os.wait4 reports for the
child (its waited-for workers included); peak RSS the largest ru_maxrss (the biggest single
process of the tree, not their sum), with every command started by a small launcher
process (see LAUNCHER). Output goes to /dev/null. The package is byte-compiled first, as
`pip install` does.

Then the verdicts: every pod's allowed/denied and its forbidden reasons and details, in
order, from podsec's -o json must be the Go library's. Exit status 1 on any disagreement.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from check_offline import pod  # noqa: E402

PY = sys.executable
PODSEC = (PY, "-m", "kubectl_podsec", "check", "--level", "restricted")
SIZES = (1, 2000, 20000, 80000)
SHOWN_MISMATCHES = 10

Key = tuple[str, str]  # (namespace, name)
# "allowed"/"denied" (anything else is a disagreement), then the (reason, detail) pairs in order
Verdict = tuple[str, tuple[tuple[str, str], ...]]


def write_yaml(path: Path, n: int) -> None:
    """n pods, one YAML document each; the same pods for the same n."""
    rng = random.Random(n)
    with path.open("w") as f:
        for i in range(n):
            f.write("---\n" + pod(i, rng))


def write_json_list(yaml_path: Path, path: Path) -> None:
    """The pods of `yaml_path` as one JSON `List`."""
    with yaml_path.open() as f:
        items = [doc for doc in yaml.load_all(f, Loader=yaml.CSafeLoader) if doc is not None]
    with path.open("w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f)


def build_go() -> Path:
    """scripts/build-go-bench: the harness's path (built on first use, cached)."""
    proc = subprocess.run([str(REPO / "scripts" / "build-go-bench")], capture_output=True, text=True, check=False)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"scripts/build-go-bench failed (exit {proc.returncode}):\n{proc.stderr}")
    return Path(lines[-1])


# --- verdicts -------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    pods: int  # pods either side reported
    agree: int
    mismatches: tuple[str, ...]  # one line each: what differs, and both sides


def _keyed(pairs: Iterable[tuple[Key, Verdict]], side: str, problems: list[str]) -> dict[Key, Verdict]:
    out: dict[Key, Verdict] = {}
    for key, verdict in pairs:
        if key in out:
            problems.append(f"{side}: pod {key[0]}/{key[1]} reported twice")
        out[key] = verdict
    return out


def go_verdicts(binary: Path, path: Path, problems: list[str]) -> dict[Key, Verdict]:
    proc = subprocess.run([str(binary), str(path)], capture_output=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{binary} {path} exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")

    def pairs() -> Iterator[tuple[Key, Verdict]]:
        # Split on "\n" only: Go leaves U+0085 unescaped and str.splitlines() would split on it.
        for line in proc.stdout.decode().split("\n"):
            if not line:
                continue
            v = json.loads(line)
            if v.get("error"):
                problems.append(f"Go: a pod could not be decoded: {v['error']}")
                continue
            forbidden = tuple((f["reason"], f["detail"]) for f in v["forbidden"])
            yield (v["namespace"], v["name"]), ("allowed" if v["allowed"] else "denied", forbidden)

    return _keyed(pairs(), "Go", problems)


def _podsec_verdict(result: dict[str, Any]) -> Verdict:
    """The result's verdict; with an evaluation other than the one --level gives, its modes."""
    evaluations = result["evaluations"]
    if [e["mode"] for e in evaluations] != ["level"]:
        return result["verdict"] + " (modes " + ",".join(e["mode"] for e in evaluations) + ")", ()
    ev = evaluations[0]
    verdict = result["verdict"]
    if verdict != ("allowed" if ev["allowed"] else "denied"):
        verdict += f" (evaluation allowed={ev['allowed']})"
    return verdict, tuple((v["reason"], v["detail"]) for v in ev["violations"])


def podsec_verdicts(path: Path, problems: list[str]) -> dict[Key, Verdict]:
    with tempfile.TemporaryFile() as out:
        proc = subprocess.run([*PODSEC, "-f", str(path), "-o", "json"], stdout=out, stderr=subprocess.PIPE,
                              cwd=REPO, check=False)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"podsec check -f {path} exited {proc.returncode}:\n{proc.stderr.decode()}")
        out.seek(0)
        report = json.load(out)
    problems += [f"podsec error: {e['message']}" for e in report["errors"]]
    problems += [f"podsec skipped {s['object']}: {s['reason']}" for s in report["skipped"]]
    pairs = (((r["object"].get("namespace", ""), r["object"]["name"]), _podsec_verdict(r))
             for r in report["results"])
    return _keyed(pairs, "podsec", problems)


def compare(binary: Path, path: Path) -> Comparison:
    """Every pod of `path` judged by both; a pod one side lacks is a mismatch."""
    problems: list[str] = []
    go = go_verdicts(binary, path, problems)
    ours = podsec_verdicts(path, problems)
    agree = 0
    for key in sorted(go.keys() | ours.keys()):
        mine, theirs = ours.get(key), go.get(key)
        if mine == theirs:
            agree += 1
        else:
            problems.append(f"{path.name}: pod {key[0]}/{key[1]}: podsec {mine} != Go {theirs}")
    return Comparison(len(go.keys() | ours.keys()), agree, tuple(problems))


# --- timing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # user + sys seconds
    rss: int  # KiB


# Runs each command and reports it. A child's ru_maxrss starts at the peak RSS of the
# process that forked it (the kernel carries the old memory's high-water mark over exec),
# so the commands are started by this small process and not by the benchmark, which
# grows while it writes and reads the files. Its own floor is measured and printed.
LAUNCHER = """
import os, sys, time
for line in sys.stdin:
    argv = line.rstrip("\\n").split("\\0")
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    print(wall, cpu, usage.ru_maxrss, os.waitstatus_to_exitcode(status), flush=True)
"""


class Launcher:
    def __init__(self) -> None:
        self._proc = subprocess.Popen([PY, "-S", "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True, cwd=REPO)

    def measure(self, cmd: list[str], codes: tuple[int, ...] = (0, 1)) -> Sample:
        """One whole run of `cmd`; exit status 1 means some pod is denied."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write("\0".join(cmd) + "\n")
        self._proc.stdin.flush()
        wall, cpu, rss, code = self._proc.stdout.readline().split()
        if int(code) not in codes:
            raise SystemExit(f"failed (exit {code}): {' '.join(cmd)}")
        return Sample(float(wall), float(cpu), int(rss))

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait()


def summarize(samples: list[Sample]) -> Sample:
    return Sample(statistics.median(s.wall for s in samples), statistics.median(s.cpu for s in samples),
                  max(s.rss for s in samples))


def time_file(launcher: Launcher, binary: Path, path: Path, runs: int) -> dict[str, Sample]:
    """The three commands on one file, taken in turn `runs` times so drift hits all alike."""
    tools = {
        "Go library": [str(binary), str(path)],
        "podsec -o json": [*PODSEC, "-f", str(path), "-o", "json"],
        "podsec (table)": [*PODSEC, "-f", str(path)],
    }
    samples: dict[str, list[Sample]] = {name: [] for name in tools}
    for _ in range(runs):
        for name, cmd in tools.items():
            samples[name].append(launcher.measure(cmd))
    return {name: summarize(s) for name, s in samples.items()}


# --- report ---------------------------------------------------------------------------


def rows(pods: int, kind: str, path: Path, timed: dict[str, Sample], verdicts: Comparison) -> Iterator[str]:
    go = timed["Go library"]
    agree = f"{verdicts.agree:,}/{verdicts.pods:,}"
    size = f"{path.stat().st_size / 1e6:.2f} MB"
    for name, s in timed.items():
        ratios = ("1", "1", "1") if name == "Go library" else (
            f"{s.wall / go.wall:.1f}x", f"{s.cpu / go.cpu:.1f}x" if go.cpu else "-", f"{s.rss / go.rss:.1f}x")
        yield (f"| {pods:,} | {kind} {size} | {name} | {s.wall:.3f} | {s.cpu:.3f} | {s.rss / 1024:.1f} | "
               + " | ".join(ratios) + f" | {agree if name == 'Go library' else ''} |")


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def go_version(binary: Path) -> tuple[str, str]:
    """The Go release that built the harness and the library version it holds."""
    out = subprocess.run(["go", "version", "-m", str(binary)], capture_output=True, text=True, check=True).stdout
    release = out.split("\n", 1)[0].split(": ", 1)[-1].strip()
    library = next((line.split()[2] for line in out.splitlines()
                    if line.split()[:2] == ["dep", "k8s.io/pod-security-admission"]), "?")
    return release, library


def print_header(binary: Path, runs: int, floor: Sample) -> None:
    release, library = go_version(binary)
    print(f"# podsec offline check vs k8s.io/pod-security-admission {library}\n")
    print(f"- machine: {platform.platform()}, {os.cpu_count()} cores, load {load()} (1/5/15 min) at start;"
          f" Python {platform.python_version()}; harness built with {release}")
    print(f"- method: whole processes, output to /dev/null, each file's three commands taken in turn {runs}"
          " times; wall and CPU (user+sys of the child and its waited-for workers, os.wait4) are medians,"
          " peak RSS the largest ru_maxrss (biggest single process; started by a small launcher whose"
          f" floor, /bin/true's ru_maxrss, is {floor.rss / 1024:.1f} MiB); podsec byte-compiled,"
          " `check --level restricted` (restricted:latest, the Go side's level); ratios are podsec/Go\n")
    print("| pods | input | command | wall s | CPU s | peak RSS MiB | wall ratio | CPU ratio | RSS ratio"
          " | verdicts agree |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="pod counts, comma-separated")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    subprocess.run([PY, "-m", "compileall", "-q", str(REPO / "kubectl_podsec")], check=True)
    binary = build_go()
    launcher = Launcher()
    try:
        print_header(binary, args.runs, launcher.measure(["/bin/true"], codes=(0,)))
        comparisons = [c for n in sizes for c in bench_size(launcher, binary, n, args.runs)]
    finally:
        launcher.close()
    return report(comparisons)


def bench_size(launcher: Launcher, binary: Path, n: int, runs: int) -> Iterator[Comparison]:
    """Times both files of n pods and compares their verdicts, printing their rows."""
    with tempfile.TemporaryDirectory() as tmp:
        files = {"YAML": Path(tmp, f"pods-{n}.yaml"), "JSON List": Path(tmp, f"pods-{n}.json")}
        write_yaml(files["YAML"], n)
        write_json_list(files["YAML"], files["JSON List"])
        for kind, path in files.items():
            timed = time_file(launcher, binary, path, runs)
            comparison = compare(binary, path)
            for row in rows(n, kind, path, timed, comparison):
                print(row, flush=True)
            yield comparison


def report(comparisons: list[Comparison]) -> int:
    pods = sum(c.pods for c in comparisons)
    agree = sum(c.agree for c in comparisons)
    problems = [p for c in comparisons for p in c.mismatches]
    print(f"\nload {load()} at end")
    print(f"verdicts: {agree:,} of {pods:,} pods agree (allowed/denied, forbidden reasons and details in order)")
    for line in problems[:SHOWN_MISMATCHES]:
        print("  " + line)
    if len(problems) > SHOWN_MISMATCHES:
        print(f"  ... and {len(problems) - SHOWN_MISMATCHES} more")
    return 1 if problems or agree != pods else 0


if __name__ == "__main__":
    sys.exit(main())

"""A hostile-input campaign, outside CI: the property test's cases, many more of
them, each run as a whole process with a deadline.

    python benchmarks/fuzz_campaign.py --seed 20261203 --count 3000 [--timeout 20]

Each case (tests/hostile.py: generated manifests with hostile values, garbage,
bytes that are not UTF-8, alias bombs, nesting past every limit, and hostile
PodSecurityPolicies) runs one of `check`, `check --psp-file`, `psp which` and
`psp mutated` with a random output format, with TMPDIR set to an empty
directory. Every tenth case is also sent SIGTERM shortly after it starts. A few
special inputs follow: stdin, /dev/zero, /dev/urandom, and a directory holding
a FIFO and a dangling symbolic link.

Reported: cases and bytes read, internal errors, lost documents, broken
reports, hangs (runs past --timeout), the slowest run (and the slowest on an
input under 1 MB), and files left in TMPDIR. Exit status 1 if any problem.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.hostile import COMMANDS, OUTPUTS, arguments, make_case, problems  # noqa: E402

CLI = [sys.executable, "-m", "kubectl_podsec"]


class Tally:
    def __init__(self) -> None:
        self.cases = self.bytes = self.hangs = self.leftovers = self.terminated = 0
        self.problems: list[str] = []
        self.slowest = (0.0, "")
        self.slowest_small = (0.0, "")

    def timed(self, took: float, label: str, size: int) -> None:
        self.slowest = max(self.slowest, (took, label))
        if size < 1 << 20:
            self.slowest_small = max(self.slowest_small, (took, label))


def _run(args: list[str], timeout: float, tmp: str, stdin: bytes | None = None,
         terminate_after: float | None = None) -> tuple[int | None, str, str, float]:
    env = dict(os.environ, TMPDIR=tmp, NO_COLOR="1")
    start = time.monotonic()
    proc = subprocess.Popen(CLI + args, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if terminate_after is not None:
        time.sleep(terminate_after)
        proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None, "", "", time.monotonic() - start
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), \
        time.monotonic() - start


def _leftovers(tmp: str) -> int:
    found = os.listdir(tmp)
    for name in found:
        path = os.path.join(tmp, name)
        shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)
    return len(found)


def campaign(seed: int, count: int, timeout: float, tally: Tally) -> None:
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="campaign-tmp-")
    for n in range(count):
        case_seed = rng.getrandbits(48)
        command, output = rng.choice(COMMANDS), rng.choice(OUTPUTS)
        work = tempfile.mkdtemp(prefix="campaign-")
        case = make_case(case_seed)
        args = arguments(case, work, command, output)
        size = sum(len(d) for d in case.files.values())
        label = f"seed {case_seed} {' '.join(args[:2])} -o {output}"
        terminate = 0.05 if n % 10 == 9 else None
        code, out, err, took = _run(args, timeout, tmp, terminate_after=terminate)
        tally.cases += 1
        tally.bytes += size
        if code is None:
            tally.hangs += 1
            tally.problems.append(f"{label}: no answer in {timeout} s")
        elif terminate is not None and code in (-signal.SIGTERM, 143):
            tally.terminated += 1
        else:
            tally.timed(took, label, size)
            tally.problems += [f"{label}: {p}" for p in problems(case, work, args, code, out, err)]
        tally.leftovers += _leftovers(tmp)
        shutil.rmtree(work)
    shutil.rmtree(tmp)


def special_inputs(timeout: float, tally: Tally) -> None:
    tmp = tempfile.mkdtemp(prefix="campaign-tmp-")
    work = tempfile.mkdtemp(prefix="campaign-")
    pod = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n"
    os.mkfifo(os.path.join(work, "fifo.yaml"))
    os.symlink("/nonexistent", os.path.join(work, "dangling.yaml"))
    with open(os.path.join(work, "pod.yaml"), "wb") as f:
        f.write(pod)
    runs = [(["check", "-f", "-", "-o", "json"], pod * 3 + b"---\n" + pod + b"\xff\n---\n" + pod),
            (["check", "-f", "/dev/zero", "-f", "-", "-o", "json"], pod),
            (["check", "-f", "/dev/urandom", "-o", "json"], None),
            (["check", "-f", work, "-o", "json"], None),
            (["psp", "mutated", "-f", work, "-o", "json"], None)]
    for args, stdin in runs:
        code, out, err, took = _run(args, timeout, tmp, stdin=stdin)
        tally.cases += 1
        label = " ".join(args)
        if code is None:
            tally.hangs += 1
            tally.problems.append(f"{label}: no answer in {timeout} s")
            continue
        tally.timed(took, label, 1 << 30)
        if "internal error" in err or code not in (0, 1, 2):
            tally.problems.append(f"{label}: exit {code}: {err[-300:]}")
        tally.leftovers += _leftovers(tmp)
    shutil.rmtree(work)
    shutil.rmtree(tmp)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--timeout", type=float, default=20.0)
    opts = parser.parse_args()
    tally = Tally()
    start = time.monotonic()
    campaign(opts.seed, opts.count, opts.timeout, tally)
    special_inputs(opts.timeout, tally)
    print(f"seed {opts.seed}: {tally.cases} runs over {tally.bytes / 1e6:.1f} MB of generated input "
          f"in {time.monotonic() - start:.0f} s ({tally.terminated} ended by SIGTERM)")
    print(f"internal errors: {sum('internal error' in p for p in tally.problems)}")
    print(f"lost documents: {sum('not in the report' in p for p in tally.problems)}")
    print(f"broken reports: {sum('is not one' in p for p in tally.problems)}")
    print(f"hangs (over {opts.timeout:.0f} s): {tally.hangs}")
    print(f"slowest run: {tally.slowest[0]:.2f} s ({tally.slowest[1]})")
    print(f"slowest run on an input under 1 MB: {tally.slowest_small[0]:.2f} s ({tally.slowest_small[1]})")
    print(f"files left in TMPDIR: {tally.leftovers}")
    for problem in tally.problems[:50]:
        print("  " + problem[:400])
    return 1 if tally.problems or tally.leftovers else 0


if __name__ == "__main__":
    sys.exit(main())

"""Nothing lost, nothing hangs: hostile manifests and PodSecurityPolicies.

Each case is a few files of generated documents: valid workloads with hostile
values (nesting 10,000 levels deep and beyond, alias bombs, recursive aliases,
huge strings and numbers, YAML-only tags, non-string keys), garbage, bytes that
are not UTF-8, documents cut short, JSON among YAML. Every command that reads
them must finish quickly, never with an internal error, print one complete
document, and name every non-empty document in its report.
"""

from __future__ import annotations

import os
import tempfile
import time

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_podsec.cli.main import cli
from tests.hostile import COMMANDS, OUTPUTS, arguments, make_case, problems

SECONDS = 10.0  # per run, on a loaded CI machine; typical runs take a fraction of that


def _temporary_files() -> set[str]:
    return {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("kubectl-podsec")}


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), command=st.sampled_from(COMMANDS), output=st.sampled_from(OUTPUTS))
def test_hostile_input_gives_a_whole_report(seed: int, command: str, output: str) -> None:
    case = make_case(seed)
    with tempfile.TemporaryDirectory(prefix="hostile-") as directory:
        args = arguments(case, directory, command, output)
        before = _temporary_files()
        start = time.monotonic()
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        took = time.monotonic() - start
        found = problems(case, directory, args, result.exit_code, result.stdout, result.stderr)
    assert not found, f"seed {seed}: {args}: {found}"
    assert took < SECONDS, f"seed {seed}: {args} took {took:.1f} s"
    assert _temporary_files() <= before


def test_the_generator_makes_what_it_says() -> None:
    case = make_case(7, max_files=3, max_docs=6)
    assert set(case.files) == set(case.expected)
    for name, data in case.files.items():
        assert max(case.expected[name], default=-1) < data.count(b"\n---\n") + 1

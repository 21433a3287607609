"""Conformance fixtures: the upstream Go library as an oracle and its fixture files.

Both come from the pinned k8s.io/pod-security-admission (scripts/versions.env) through the Go
module proxy. Without Go or the proxy these tests fail; set PODSEC_SKIP_ORACLE=1 to skip them
on purpose, which the run then reports at the top and at the bottom.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SKIP_ORACLE = os.environ.get("PODSEC_SKIP_ORACLE") == "1"
SKIP_MESSAGE = "PODSEC_SKIP_ORACLE=1: Pod Security conformance against the upstream Go library is SKIPPED"


def pytest_report_header() -> str | None:
    return f"!!! {SKIP_MESSAGE} !!!" if SKIP_ORACLE else None


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SKIP_ORACLE:
        terminalreporter.write_sep("!", SKIP_MESSAGE, red=True, bold=True)


def _script_output(name: str) -> Path:
    """Run scripts/<name> and return the path it prints last; fail the session loudly if it cannot."""
    if SKIP_ORACLE:
        pytest.skip(SKIP_MESSAGE)
    script = REPO / "scripts" / name
    try:
        proc = subprocess.run([str(script)], capture_output=True, text=True, check=False, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as err:
        pytest.fail(f"scripts/{name} could not run: {err}\n(set PODSEC_SKIP_ORACLE=1 to skip on purpose)")
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        pytest.fail(
            f"scripts/{name} failed (exit {proc.returncode}); it needs Go and the Go module proxy.\n"
            f"stderr:\n{proc.stderr}\n(set PODSEC_SKIP_ORACLE=1 to skip on purpose)"
        )
    path = Path(lines[-1])
    if not path.exists():
        pytest.fail(f"scripts/{name} printed {path}, which does not exist")
    return path


@dataclass(frozen=True)
class Oracle:
    """The upstream evaluator (tests/oracle) run as one batch process per call."""

    binary: Path

    def evaluate(self, requests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """One response per request, in order: {"allowed", "reason", "detail"[, "error"]}."""
        payload = "".join(json.dumps(request) + "\n" for request in requests)
        proc = subprocess.run(
            [str(self.binary)], input=payload.encode(), capture_output=True, check=False, timeout=1800
        )
        if proc.returncode != 0:
            pytest.fail(f"{self.binary} exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
        # Split on "\n" only: Go leaves U+0085 unescaped and str.splitlines() would split on it.
        lines = proc.stdout.decode().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if len(lines) != len(requests):
            pytest.fail(f"the oracle answered {len(lines)} of {len(requests)} requests")
        return [json.loads(line) for line in lines]


@pytest.fixture(scope="session")
def oracle_binary() -> Path:
    return _script_output("build-oracle")


@pytest.fixture(scope="session")
def oracle(oracle_binary: Path) -> Oracle:
    return Oracle(oracle_binary)


@pytest.fixture(scope="session")
def go_bench_binary() -> Path:
    """benchmarks/go-library: a file's pods read as kubectl reads them, evaluated by the library."""
    return _script_output("build-go-bench")


@pytest.fixture(scope="session")
def fixture_dir() -> Path:
    """test/testdata of the pinned module: <level>/v1.<minor>/{pass,fail}/*.yaml."""
    return _script_output("psa-fixtures")


@pytest.fixture(scope="session")
def gotypes_binary() -> Path:
    """tests/gotypes: the k8s.io/api types and the API server's JSON decoding."""
    return _script_output("build-gotypes")

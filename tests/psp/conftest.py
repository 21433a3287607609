"""The PSP oracle: Kubernetes v1.24's own PodSecurityPolicy provider, built from tests/psp/oracle.

It is built through the Go module proxy into a cache outside the repository (the same
layout scripts/build-oracle uses for the Pod Security Admission oracle), and only for tests
marked ``oracle``.  Without Go or the proxy those tests fail; PODSEC_SKIP_ORACLE=1 skips them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

KUBERNETES = "v1.24.17"  # the last PSP-era release line, as pinned in oracle/go.mod
SOURCES = Path(__file__).resolve().parent / "oracle"
SKIP_MESSAGE = "PODSEC_SKIP_ORACLE=1: PSP conformance against Kubernetes v1.24 is SKIPPED"


def _build() -> Path:
    cache = Path(os.environ.get("PODSEC_CACHE")
                 or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kubectl-podsec")
    out = cache / "psp-oracle" / KUBERNETES
    files = ("go.mod", "go.sum", "main.go")
    stamp = hashlib.sha256(b"".join((SOURCES / f).read_bytes() for f in files)).hexdigest()
    binary = out / "psp-oracle"
    stamp_file = out / "psp-oracle.stamp"
    if binary.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return binary
    shutil.rmtree(out / "src", ignore_errors=True)
    (out / "src").mkdir(parents=True)
    for f in files:
        shutil.copy(SOURCES / f, out / "src" / f)
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0", "GOWORK": "off"}
    try:
        proc = subprocess.run(["go", "build", "-trimpath", "-buildvcs=false", "-o", str(binary), "."],
                              cwd=out / "src", env=env, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as err:
        pytest.fail(f"cannot build the PSP oracle: {err}\n(set PODSEC_SKIP_ORACLE=1 to skip on purpose)")
    if proc.returncode != 0:
        pytest.fail(f"building the PSP oracle failed:\n{proc.stderr}\n(set PODSEC_SKIP_ORACLE=1 to skip)")
    stamp_file.write_text(stamp)
    return binary


@dataclass(frozen=True)
class PspOracle:
    binary: Path

    def evaluate(self, requests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """One answer per {"psp", "pod", "mutate"} request: {"errors", "mutated", "pod"}."""
        payload = "".join(json.dumps(r) + "\n" for r in requests).encode()
        proc = subprocess.run([str(self.binary)], input=payload, capture_output=True, timeout=1800)
        if proc.returncode != 0:
            pytest.fail(f"{self.binary} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
        lines = [line for line in proc.stdout.decode().split("\n") if line]
        assert len(lines) == len(requests), "the PSP oracle skipped requests"
        return [json.loads(line) for line in lines]


@pytest.fixture(scope="session")
def psp_oracle() -> PspOracle:
    if os.environ.get("PODSEC_SKIP_ORACLE") == "1":
        pytest.skip(SKIP_MESSAGE)
    return PspOracle(_build())

"""Offline `check --level restricted` against the upstream Go library, whole processes on
one file: benchmarks/go-library reads it as kubectl does, applies the API server's v1 Pod
defaults and evaluates every Pod; podsec's -o json must give each pod the same verdict and
the same forbidden reasons and details, in order. benchmarks/go_library.py does the same
on bigger files and times both sides."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.oracle

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "go_library.py"
PODS = 200


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("go_library", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", ["yaml", "json"])
def test_podsec_and_the_go_library_agree_on_every_pod(go_bench_binary: Path, tmp_path: Path, kind: str) -> None:
    bench = load_benchmark()
    path = tmp_path / "pods.yaml"
    bench.write_yaml(path, PODS)
    if kind == "json":
        path, yaml_path = tmp_path / "pods.json", path
        bench.write_json_list(yaml_path, path)
    problems: list[str] = []
    go = bench.go_verdicts(go_bench_binary, path, problems)
    assert not problems
    # The sample must exercise both verdicts and several checks, or agreement proves little.
    assert Counter(verdict for verdict, _ in go.values()).keys() == {"allowed", "denied"}
    reasons = {reason for _, forbidden in go.values() for reason, _ in forbidden}
    assert {"host namespaces", "hostPort", "privileged", "allowPrivilegeEscalation != false"} <= reasons
    comparison = bench.compare(go_bench_binary, path)
    assert comparison.mismatches == ()
    assert comparison.agree == comparison.pods == PODS

"""Offline commands never load the Kubernetes client (it costs most of a second),
even with a KUBECONFIG around; cluster mode starts only with a cluster flag."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def imported(*args: str, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "kubectl_podsec", *args], cwd=ROOT,
                         capture_output=True, text=True, env={**os.environ, **(env or {})})
    modules = {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    return run.returncode, modules


@pytest.mark.parametrize("args", [
    ("check", "-f", "examples/restricted-deployment.yaml"),
    ("check", "-f", "examples", "-o", "json"),
    ("check", "-f", "examples", "--level", "restricted", "-o", "sarif"),
    ("version", "--client"),
])
def test_offline_commands_do_not_import_kubernetes(args: tuple[str, ...], tmp_path: object) -> None:
    code, modules = imported(*args, env={"KUBECONFIG": "/nonexistent/kubeconfig"})
    assert code in (0, 1)
    assert "kubectl_podsec.cli.check" in modules  # the probe sees the imports at all
    assert not {m for m in modules if m == "kubernetes" or m.startswith(("kubernetes.", "urllib3"))}


def test_a_cluster_flag_does_load_it() -> None:
    code, modules = imported("check", "-f", "examples/restricted-deployment.yaml",
                             "--kubeconfig", "/nonexistent/kubeconfig")
    assert code == 2  # the kubeconfig does not exist: but it was looked for
    assert "kubectl_podsec.kubeconfig" in modules

"""Offline commands never load the cluster layer, even with a KUBECONFIG around;
cluster mode starts only with a cluster flag; and no command but one whose
kubeconfig user has an auth-provider loads the official Kubernetes client
(importing it costs most of a second). Each command loads only its own module."""

from __future__ import annotations

import json
import os
import pathlib
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
    assert code in (0, 1, 4)  # 4: examples/ has namespaces whose policy is unknown
    assert f"kubectl_podsec.cli.{args[0]}" in modules  # the probe sees the imports at all
    assert not {m for m in modules if m == "kubernetes" or m.startswith(("kubernetes.", "urllib3"))}
    assert "kubectl_podsec.kube.client" not in modules
    others = {"check", "psp", "rollout", "version", "whoami"} - {args[0]}
    assert not {f"kubectl_podsec.cli.{other}" for other in others} & modules


def test_a_cluster_flag_does_load_it() -> None:
    code, modules = imported("check", "-f", "examples/restricted-deployment.yaml",
                             "--kubeconfig", "/nonexistent/kubeconfig")
    assert code == 2  # the kubeconfig does not exist: but it was looked for
    assert "kubectl_podsec.kube.kubeconfig" in modules


def test_cluster_commands_do_not_load_the_official_client(tmp_path: pathlib.Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}))

    code, modules = imported("whoami", "--kubeconfig", str(config), "--request-timeout", "2s")

    assert code == 3  # nothing listens there: but the request was made
    assert {"kubectl_podsec.kube.client", "ssl"} <= modules
    assert not {m for m in modules if m == "kubernetes" or m.startswith(("kubernetes.", "urllib3"))}


def test_the_psp_engine_loads_only_with_psp_file() -> None:
    psp = ("kubectl_podsec.psp", "kubectl_podsec.check.psp")
    code, modules = imported("check", "-f", "examples", "-o", "json")
    assert code == 0 and "kubectl_podsec.check.report" in modules
    assert not {m for m in modules if m.startswith(psp)}
    code, modules = imported("check", "-f", "examples", "--psp-file", "examples/psp/policies.yaml", "-o", "json")
    assert code == 1 and set(psp) <= modules  # the examples hold pods no policy admits


def test_yaml_is_imported_only_for_documents_outside_the_block_subset(tmp_path: pathlib.Path) -> None:
    code, modules = imported("check", "-f", "examples/restricted-deployment.yaml", "-o", "json")
    assert code == 4 and "kubectl_podsec.check.report" in modules
    assert "yaml" not in modules  # the common block style is read without it
    anchored = tmp_path / "pod.yaml"
    anchored.write_text("apiVersion: v1\nkind: Pod\nmetadata: &m {name: p}\nspec:\n"
                        "  containers: [{name: app, image: nginx}]\n")
    code, modules = imported("check", "-f", str(anchored))
    assert code == 4 and "yaml" in modules

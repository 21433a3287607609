"""The frozen one-dir executable, unpacked from the archive that scripts/build-binary ships.

It must behave byte for byte like `python -m kubectl_podsec` (the static command and check
registries survive freezing), carry the lazily imported `kubernetes` client with its TLS stack,
and be packed the way krew can unpack it.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

from .artifacts import EXE, package_version, python_podsec, sha256


def frozen(bundle: Path, *args: str, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bundle / "kubectl-podsec" / EXE), *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env={**os.environ, **(env or {})})


def test_archive_is_laid_out_for_krew(archive: Path) -> None:
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert "LICENSE" in names and f"kubectl-podsec/{EXE}" in names
    assert {n.split("/")[0] for n in names} == {"LICENSE", "kubectl-podsec"}
    assert any(n.startswith("kubectl-podsec/_internal/") for n in names)  # one-dir, not one-file
    # krew's extractor handles only regular files and directories, and refuses '..' anywhere
    assert all(m.isfile() or m.isdir() for m in members), [m.name for m in members if m.issym()]
    assert not [n for n in names if ".." in n]
    exe = next(m for m in members if m.name == f"kubectl-podsec/{EXE}")
    assert exe.mode & stat.S_IXUSR and exe.mode & stat.S_IXOTH
    sums = archive.with_name(archive.name + ".sha256").read_text()
    assert sums.split() == [sha256(archive), archive.name]


def test_version_and_license(bundle: Path) -> None:
    assert frozen(bundle, "--version").stdout == f"kubectl-podsec {package_version()}\n"
    assert (bundle / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()


@pytest.mark.parametrize("args", [
    ["check", "-f", "examples/"],
    ["check", "-f", "examples/", "--level", "restricted"],
    ["check", "-f", "examples/", "-o", "wide"],
    ["check", "-f", "examples/", "-o", "json"],
    ["check", "-f", "examples/", "--level", "restricted", "-o", "yaml"],
    ["check", "-f", "examples/", "--level", "restricted", "-o", "sarif"],
    ["check", "-f", "examples/", "-R", "--level", "baseline", "--version", "v1.24"],
    ["check", "-f", "examples/no-such-file.yaml"],
    ["version", "-o", "json"],
    ["--help"],
    ["check", "--help"],
], ids=" ".join)
def test_frozen_output_is_the_python_output(bundle: Path, args: list[str]) -> None:
    """Exit code, stdout and stderr: the registries of commands and checks are static, so
    freezing loses none of them."""
    binary, source = frozen(bundle, *args), python_podsec(args)
    assert (binary.returncode, binary.stdout, binary.stderr) == (
        source.returncode, source.stdout, source.stderr)


def test_bundle_carries_the_kubernetes_client(bundle: Path) -> None:
    """The hidden self-test (scripts/freeze/entry.py) imports what offline commands never touch:
    the `kubernetes` client (which loads its classes by name), PyYAML's C loader, TLS."""
    result = frozen(bundle, env={"_KUBECTL_PODSEC_FROZEN_SELFTEST": "1"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["frozen"] is True
    assert report["yamlLibyaml"] is True  # the fast loader, as from source
    assert {"kubernetes.client", "kubernetes.config"} <= set(report["imported"])
    assert "kubectl_podsec.kube.client" in report["imported"]


@pytest.fixture(scope="module")
def cluster() -> object:
    """The test control plane's default instance (tests/integration), started if needed."""
    if os.environ.get("PODSEC_SKIP_CLUSTER") == "1":
        pytest.skip("PODSEC_SKIP_CLUSTER=1: no real kube-apiserver to talk to")
    from tests.integration.control_plane import ClusterError, bring_up

    try:
        return bring_up("default")
    except ClusterError as error:
        pytest.fail(str(error), pytrace=False)


def test_bundled_client_talks_to_a_real_api_server(bundle: Path, cluster: Any) -> None:
    """TLS, urllib3 and kubeconfig loading, frozen, against the test control plane."""
    result = frozen(bundle, env={"_KUBECTL_PODSEC_FROZEN_SELFTEST": "server",
                                 "KUBECONFIG": str(cluster.kubeconfig),
                                 "_KUBECTL_PODSEC_FROZEN_SELFTEST_CONTEXT": "admin"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["serverVersion"] == cluster.version


@pytest.mark.parametrize("output", ["table", "json"])
def test_frozen_version_asks_the_server_like_python(bundle: Path, cluster: Any,
                                                    output: str) -> None:
    args = ["version", "--context", "admin", "-o", output]
    env = {"KUBECONFIG": str(cluster.kubeconfig)}
    binary, source = frozen(bundle, *args, env=env), python_podsec(args, env=env)
    assert binary.returncode == 0, binary.stderr
    assert cluster.version in binary.stdout
    assert (binary.returncode, binary.stdout, binary.stderr) == (
        source.returncode, source.stdout, source.stderr)

"""Every fault in the kubeconfig is invalid input: exit 2, one line naming the
file (and the entry and key where there is one), before anything is sent.
Exit 3 is left to the cluster itself (tests/unit/test_fast_failure.py,
tests/unit/test_cluster_http.py)."""

from __future__ import annotations

import base64
import json
import pathlib
from typing import Any

import pytest
from click.testing import CliRunner

from kubectl_podsec.cli.main import cli

GOOD_CLUSTER = {"server": "https://127.0.0.1:1"}


def config(cluster: Any = None, user: Any = None, **top: Any) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Config", "current-context": "x",
                       "clusters": [{"name": "c", "cluster": GOOD_CLUSTER if cluster is None else cluster}],
                       "users": [{"name": "u", "user": user or {"token": "t"}}],
                       "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}], **top})


PEM = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").decode()

CASES = {
    "malformed YAML": ("clusters: [\n", [], "{file}: invalid kubeconfig: line 2, column 1: expected the node content"),
    "not a mapping": ("- a\n", [], "{file}: invalid kubeconfig: not a mapping"),
    "wrong type of a section": ("clusters: {a: 1}\n", [], "{file}: invalid kubeconfig: clusters must be a list"),
    "wrong type of an entry": (config(cluster="https://k"), [],
                               '{file}: invalid kubeconfig: cluster of "c" in clusters must be a mapping, '
                               "not a string"),
    "unknown context": (config(), ["--context", "nope"], '--context: context "nope" not found'),
    "empty kubeconfig": ("", [], "{file}: no current-context; pass --context"),
    "null cluster": (config(cluster={}), [],
                     '{file}: cluster "c": no server found (the server key is missing or empty)'),
    "server of the wrong type": (config(cluster={"server": 6443}), [], '{file}: cluster "c": server must be a string'),
    "bad base64 CA": (config(cluster={**GOOD_CLUSTER, "certificate-authority-data": "%%"}), [],
                      '{file}: cluster "c": certificate-authority-data is not base64'),
    "missing CA file": (config(cluster={**GOOD_CLUSTER, "certificate-authority": "absent.crt"}), [],
                        '{file}: cluster "c": cannot read the certificate-authority {dir}/absent.crt: '
                        "No such file or directory"),
    "CA that is no certificate": (config(cluster={**GOOD_CLUSTER, "certificate-authority-data": PEM}), [],
                                  '{file}: cluster "c": certificate-authority is not a usable certificate'),
    "certificate without key": (config(user={"client-certificate-data": PEM}), [],
                                '{file}: user "u": client-key is missing (a client certificate needs its key)'),
    "missing token file": (config(user={"tokenFile": "absent"}), [],
                           '{file}: user "u": cannot read the tokenFile {dir}/absent'),
    "exec plugin not installed": (config(user={"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                                        "command": "/no/such/plugin",
                                                        "interactiveMode": "Never"}}), [],
                                  '{file}: user "u": exec: executable /no/such/plugin not found'),
}


@pytest.mark.parametrize("text,flags,message", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("command", [["whoami"], ["check", "-A"]])
def test_kubeconfig_faults_exit_2_naming_the_file(tmp_path: pathlib.Path, command: list[str], text: str,
                                                 flags: list[str], message: str) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(text)

    result = CliRunner().invoke(cli, [*command, "--kubeconfig", str(path), *flags])

    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("error: " + message.format(file=path, dir=tmp_path))
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""


def test_no_kubeconfig_at_all_is_invalid_input(tmp_path: pathlib.Path) -> None:
    result = CliRunner().invoke(cli, ["whoami"], env={"KUBECONFIG": "", "HOME": str(tmp_path),
                                                      "KUBERNETES_SERVICE_HOST": ""})

    assert result.exit_code == 2
    assert result.stderr.startswith("error: no cluster configured: no kubeconfig found")

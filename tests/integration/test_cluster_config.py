"""Which cluster and identity: kubeconfig files and flags as kubectl reads them,
exec credential plugins and the in-cluster configuration, against the real server."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kubectl_podsec.kube.kubeconfig as kubeconfig_module

from .control_plane import Cluster
from .podsec import PRIVILEGED, apply, label, pod, podsec


def config(cluster: Cluster) -> dict[str, object]:
    data: dict[str, object] = json.loads(cluster.kubeconfig.read_text())
    return data


def username(ran: object) -> str:
    return str(ran.json["user"]["username"])  # type: ignore[attr-defined]


def test_kubeconfig_files_merge_as_kubectl_merges_them(cluster: Cluster, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Clusters and users in one file (its CA given relative to it), contexts in
    another; the first file to set current-context wins."""
    full = config(cluster)
    creds = tmp_path / "creds"
    creds.mkdir()
    shutil.copy(cluster.ca, creds / "ca.crt")
    clusters = [{**c, "cluster": {**c["cluster"], "certificate-authority": "ca.crt"}}  # type: ignore[index]
                for c in full["clusters"]]  # type: ignore[attr-defined]
    (creds / "config").write_text(json.dumps({"apiVersion": "v1", "kind": "Config", "clusters": clusters,
                                              "users": full["users"], "current-context": "admin"}))
    contexts = tmp_path / "contexts"
    contexts.write_text(json.dumps({"apiVersion": "v1", "kind": "Config", "contexts": full["contexts"],
                                    "current-context": "alice"}))
    monkeypatch.chdir(tmp_path.parent)  # relative paths must not depend on where we run

    first = podsec(None, "whoami", "-o", "json", env={"KUBECONFIG": f"{contexts}{os.pathsep}{creds / 'config'}"})
    second = podsec(None, "whoami", "-o", "json", env={"KUBECONFIG": f"{creds / 'config'}{os.pathsep}{contexts}"})
    flag = podsec(None, "whoami", "-o", "json", "--kubeconfig", str(cluster.kubeconfig),
                  env={"KUBECONFIG": str(contexts)})

    assert first.code == 0, first.err
    assert (username(first), username(second), username(flag)) == ("alice", "admin", "admin")


def test_context_user_and_cluster_flags(cluster: Cluster, tmp_path: Path) -> None:
    full = config(cluster)
    (real,) = full["clusters"]  # type: ignore[misc]
    broken = {"name": "broken", "cluster": {**real["cluster"], "server": "https://127.0.0.1:1"}}
    full["clusters"] = [real, broken]
    full["contexts"] = [*full["contexts"], {"name": "elsewhere",  # type: ignore[misc]
                                            "context": {"cluster": "broken", "user": "bob"}}]
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(full))
    base = ("whoami", "-o", "json", "--kubeconfig", str(path))

    assert username(podsec(None, *base, "--context", "bob")) == "bob"
    assert username(podsec(None, *base, "--context", "alice", "--user", "bob")) == "bob"
    unreachable = podsec(None, *base, "--context", "elsewhere")
    assert unreachable.code == 3
    assert unreachable.err == ("error: cannot reach https://127.0.0.1:1 (connection refused); "
                               "check --context or KUBECONFIG\n")
    assert username(podsec(None, *base, "--context", "elsewhere", "--cluster", real["name"])) == "bob"
    missing = podsec(None, *base, "--context", "nope")
    assert missing.code == 2
    assert missing.err == f'error: --context: context "nope" not found in the kubeconfig ({path})\n'


def test_the_contexts_namespace_is_the_default(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    apply(cluster, namespace, [pod("p", PRIVILEGED)])
    label(cluster, namespace, enforce="baseline")
    full = config(cluster)
    full["contexts"] = [{"name": "scoped", "context": {"cluster": full["clusters"][0]["name"],  # type: ignore[index]
                                                       "user": "admin", "namespace": namespace}}]
    full["current-context"] = "scoped"
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(full))

    ran = podsec(None, "check", "-o", "json", "--kubeconfig", str(path))
    who = podsec(None, "whoami", "-o", "json", "--kubeconfig", str(path))

    assert ran.code == 1, ran.err
    assert [(r["object"]["namespace"], r["object"]["name"]) for r in ran.json["results"]] == [(namespace, "p")]
    assert who.json["namespaces"][0]["namespace"] == namespace


def test_impersonation_flags(cluster: Cluster) -> None:
    ran = podsec(cluster, "whoami", "-o", "json", "--as", "carol", "--as-group", "g1", "--as-group", "g2",
                 "--as-uid", "u-42")

    assert ran.json["user"] == {"username": "carol", "uid": "u-42", "groups": ["g1", "g2", "system:authenticated"],
                                "extra": {}}


def test_exec_credential_plugin(cluster: Cluster, tmp_path: Path) -> None:
    full = config(cluster)
    token = cluster.tokens["alice"]
    plugin = tmp_path / "plugin.py"
    plugin.write_text("import json\nprint(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1', "
                      f"'kind': 'ExecCredential', 'status': {{'token': {token!r}}}}}))\n")
    full["users"] = [{"name": "via-plugin", "user": {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable, "args": [str(plugin)],
        "interactiveMode": "Never"}}}]
    full["contexts"] = [{"name": "plugin", "context": {"cluster": full["clusters"][0]["name"],  # type: ignore[index]
                                                       "user": "via-plugin"}}]
    full["current-context"] = "plugin"
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(full))

    assert username(podsec(None, "whoami", "-o", "json", "--kubeconfig", str(path))) == "alice"


def test_bad_credentials(cluster: Cluster, tmp_path: Path) -> None:
    full = config(cluster)
    full["users"] = [{"name": u["name"], "user": {"token": "wrong"}} for u in full["users"]]  # type: ignore[attr-defined]
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(full))

    ran = podsec(None, "check", "-n", "default", "--kubeconfig", str(path))

    assert ran.code == 3 and ran.out == ""
    assert ran.err == (f'error: unauthorized: {cluster.server} rejected the credentials of context "admin" '
                       "(Unauthorized); check --context, --user or KUBECONFIG\n")


def test_in_cluster_configuration(cluster: Cluster, namespace: str, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """No kubeconfig, and the service account files a pod would have."""
    cluster.kubectl("create", "serviceaccount", "inside", "-n", namespace)
    secrets = tmp_path / "serviceaccount"
    secrets.mkdir()
    (secrets / "token").write_text(cluster.kubectl("create", "token", "inside", "-n", namespace).stdout.strip())
    shutil.copy(cluster.ca, secrets / "ca.crt")
    (secrets / "namespace").write_text(namespace)
    monkeypatch.setattr(kubeconfig_module, "IN_CLUSTER_DIR", str(secrets))
    monkeypatch.setenv("HOME", str(tmp_path))
    host, port = cluster.server.removeprefix("https://").split(":")

    ran = podsec(None, "whoami", "-o", "json", env={
        "KUBECONFIG": None, "KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port})

    assert ran.code == 0, ran.err
    assert username(ran) == f"system:serviceaccount:{namespace}:inside"
    assert ran.json["namespaces"][0]["namespace"] == namespace


def _client_certificate(cluster: Cluster, tmp_path: Path, subject: str) -> tuple[bytes, bytes]:
    """A client certificate signed by the test CA (which the server trusts for clients)."""
    key, csr, crt = tmp_path / "client.key", tmp_path / "client.csr", tmp_path / "client.crt"
    ca_key = cluster.ca.with_name("ca.key")
    for args in (["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(key)],
                 ["req", "-new", "-key", str(key), "-subj", subject, "-out", str(csr)],
                 ["x509", "-req", "-in", str(csr), "-CA", str(cluster.ca), "-CAkey", str(ca_key),
                  "-CAcreateserial", "-days", "1", "-out", str(crt)]):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp_path)
    return crt.read_bytes(), key.read_bytes()


def test_client_certificates_tls_server_name_and_token_files(cluster: Cluster, tmp_path: Path) -> None:
    """Inline certificate data (the CA and a client certificate: CN is the user,
    O the groups), tls-server-name (the name the serving certificate is checked
    against, not the address's), and a tokenFile relative to its kubeconfig."""
    cert, key = _client_certificate(cluster, tmp_path, "/CN=carol/O=team-a/O=team-b")
    full = config(cluster)
    (real,) = full["clusters"]  # type: ignore[misc]
    ca = base64.b64encode(cluster.ca.read_bytes()).decode()
    full["clusters"] = [{"name": "inline", "cluster": {"server": cluster.server, "certificate-authority-data": ca}},
                        {"name": "renamed", "cluster": {"server": cluster.server, "certificate-authority-data": ca,
                                                        "tls-server-name": "localhost"}},
                        {"name": "unnamed", "cluster": {"server": cluster.server, "certificate-authority-data": ca,
                                                        "tls-server-name": "elsewhere.example"}}]
    (tmp_path / "alice.token").write_text(cluster.tokens["alice"] + "\n")
    full["users"] = [{"name": "cert", "user": {"client-certificate-data": base64.b64encode(cert).decode(),
                                               "client-key-data": base64.b64encode(key).decode()}},
                     {"name": "file", "user": {"tokenFile": "alice.token"}}]
    full["contexts"] = [{"name": n, "context": {"cluster": c, "user": u}}
                        for n, c, u in (("cert", "inline", "cert"), ("renamed", "renamed", "file"),
                                        ("unnamed", "unnamed", "file"))]
    full["current-context"] = "cert"
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(full))

    by_cert = podsec(None, "whoami", "-o", "json", "--kubeconfig", str(path))
    assert by_cert.code == 0, by_cert.err
    renamed = podsec(None, "whoami", "-o", "json", "--kubeconfig", str(path), "--context", "renamed")
    unnamed = podsec(None, "whoami", "-o", "json", "--kubeconfig", str(path), "--context", "unnamed")

    assert by_cert.code == 0, by_cert.err
    assert by_cert.json["user"]["username"] == "carol"
    assert by_cert.json["user"]["groups"] == ["team-a", "team-b", "system:authenticated"]
    assert renamed.code == 0, renamed.err
    assert username(renamed) == "alice"
    assert unnamed.code == 3
    assert unnamed.err.startswith(f"error: cannot reach {cluster.server} (TLS: certificate verify failed: "
                                  "Hostname mismatch, certificate is not valid for 'elsewhere.example'")

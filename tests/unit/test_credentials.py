"""credentials.py: what a kubeconfig user and cluster entry become, as client-go reads them."""

from __future__ import annotations

import base64
import json
import pathlib
import sys
from typing import Any

import pytest

from kubectl_podsec.kube import credentials
from kubectl_podsec.errors import ClusterError, InputError
from kubectl_podsec.kube.kubeconfig import resolve


def load(tmp_path: pathlib.Path, user: dict[str, Any], cluster: dict[str, Any] | None = None,
         environ: dict[str, str] | None = None) -> credentials.Credentials:
    path = tmp_path / "config"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "c", "cluster": cluster or {"server": "https://k.example:6443/prefix/"}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}]}))
    return credentials.load(resolve(str(path), environ={}), environ or {})


def plugin(tmp_path: pathlib.Path, body: str, **spec: Any) -> dict[str, Any]:
    script = tmp_path / "plugin.py"
    script.write_text(body)
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                     "args": [str(script)], "interactiveMode": "Never", **spec}}


def credential(status: dict[str, Any], version: str = "client.authentication.k8s.io/v1") -> str:
    return f"import json\nprint(json.dumps({{'apiVersion': {version!r}, 'kind': 'ExecCredential', 'status': {status!r}}}))\n"


def test_the_server_keeps_its_path_prefix_without_the_trailing_slash(tmp_path: pathlib.Path) -> None:
    assert load(tmp_path, {"token": "t"}).server == "https://k.example:6443/prefix"


def test_a_token_file_wins_over_a_token_and_is_trimmed(tmp_path: pathlib.Path) -> None:
    (tmp_path / "token").write_text("from-file\n")

    found = load(tmp_path, {"token": "inline", "tokenFile": "token"})

    assert found.authorization == "Bearer from-file"


def test_username_and_password_are_basic_auth(tmp_path: pathlib.Path) -> None:
    found = load(tmp_path, {"username": "ann", "password": "s3cret"})

    assert found.authorization == "Basic " + base64.b64encode(b"ann:s3cret").decode()


def test_certificate_data_wins_over_files(tmp_path: pathlib.Path) -> None:
    (tmp_path / "ca.crt").write_bytes(b"file")
    cluster = {"server": "https://k:6443", "certificate-authority": "ca.crt",
               "certificate-authority-data": base64.b64encode(b"data").decode(), "insecure-skip-tls-verify": True,
               "tls-server-name": "api.internal"}
    user = {"client-certificate-data": base64.b64encode(b"CERT").decode(),
            "client-key-data": base64.b64encode(b"KEY").decode()}

    found = load(tmp_path, user, cluster)

    assert (found.ca_pem, found.client_cert_pem, found.client_key_pem) == (b"data", b"CERT", b"KEY")
    assert found.insecure and found.tls_server_name == "api.internal" and found.authorization is None


@pytest.mark.parametrize("user, cluster, message", [
    ({"client-certificate-data": "not base64!"}, None,
     'user "u": client-certificate-data is not base64'),
    ({"client-certificate-data": base64.b64encode(b"C").decode()}, None,
     'user "u": client-key is missing (a client certificate needs its key)'),
    ({"token": "t"}, {"certificate-authority-data": ""},
     'cluster "c": no server found (the server key is missing or empty)'),
    ({"token": "t"}, {"server": 6443}, 'cluster "c": server must be a string'),
    ({"token": "t"}, {"server": "https://k", "certificate-authority-data": "%%%"},
     'cluster "c": certificate-authority-data is not base64'),
])
def test_unusable_entries_are_input_errors_naming_file_entry_and_key(
        tmp_path: pathlib.Path, user: dict[str, Any], cluster: dict[str, Any] | None, message: str) -> None:
    with pytest.raises(InputError) as raised:
        load(tmp_path, user, cluster)
    assert str(raised.value) == f"{tmp_path / 'config'}: {message}"
    assert raised.value.exit_code == 2


def test_a_missing_credential_file_names_it(tmp_path: pathlib.Path) -> None:
    with pytest.raises(InputError) as raised:
        load(tmp_path, {"tokenFile": "absent"})
    assert str(raised.value) == (f'{tmp_path / "config"}: user "u": cannot read the tokenFile '
                                 f"{tmp_path / 'absent'}: No such file or directory")


def test_an_exec_plugin_gets_its_env_and_the_cluster_when_asked(tmp_path: pathlib.Path) -> None:
    seen = tmp_path / "seen.json"
    body = (f"import json, os\nopen({str(seen)!r}, 'w').write(json.dumps({{'info': os.environ['KUBERNETES_EXEC_INFO'], "
            "'extra': os.environ['EXTRA']}))\n" + credential({"token": "tok"}))
    cluster = {"server": "https://k:6443", "certificate-authority-data": base64.b64encode(b"CA").decode(),
               "extensions": [{"name": "client.authentication.k8s.io/exec", "extension": {"audience": "k"}}]}

    found = load(tmp_path, plugin(tmp_path, body, env=[{"name": "EXTRA", "value": "1"}],
                                  provideClusterInfo=True), cluster)

    assert found.authorization == "Bearer tok"
    written = json.loads(seen.read_text())
    assert written["extra"] == "1"
    assert json.loads(written["info"]) == {
        "kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1",
        "spec": {"interactive": False, "cluster": {"server": "https://k:6443",
                                                   "certificate-authority-data": base64.b64encode(b"CA").decode(),
                                                   "config": {"audience": "k"}}}}


def test_an_exec_plugin_may_return_a_client_certificate(tmp_path: pathlib.Path) -> None:
    found = load(tmp_path, plugin(tmp_path, credential({"clientCertificateData": "C", "clientKeyData": "K"})))

    assert (found.client_cert_pem, found.client_key_pem, found.authorization) == (b"C", b"K", None)


@pytest.mark.parametrize("body, spec, message", [
    (credential({"token": "t"}, "client.authentication.k8s.io/v1beta1"), {},
     "exec plugin is configured to use API version client.authentication.k8s.io/v1, "
     "plugin returned version client.authentication.k8s.io/v1beta1"),
    (credential({}), {}, "exec plugin didn't return a token or cert/key pair"),
    (credential({"clientCertificateData": "C"}), {}, "exec plugin returned only certificate or key, not both"),
    ("print('{}')", {}, "exec plugin: decoding stdout: not an ExecCredential"),
    (credential({"token": "t"}), {"interactiveMode": "Always"},
     "exec plugin cannot support interactive mode: standard input is not a terminal"),
])
def test_exec_plugin_failures_are_named(tmp_path: pathlib.Path, body: str, spec: dict[str, Any],
                                        message: str) -> None:
    user = plugin(tmp_path, body)
    user["exec"].update(spec)
    user["exec"] = {k: v for k, v in user["exec"].items() if v is not None}

    with pytest.raises(ClusterError) as raised:
        load(tmp_path, user)

    assert str(raised.value) == f'cannot get credentials for context "x": {message}'
    assert raised.value.exit_code == 3  # the plugin ran and gave no credentials


@pytest.mark.parametrize("spec, message", [
    ({"interactiveMode": None}, "exec plugin: interactiveMode must be Never, IfAvailable or Always"),
    ({"apiVersion": "v9"}, 'exec plugin: invalid apiVersion "v9"'),
    ({"command": "/nonexistent/login", "installHint": "install it from example.com"},
     "exec: executable /nonexistent/login not found; install it from example.com"),
])
def test_an_exec_plugin_that_cannot_be_run_is_the_kubeconfig_entry_s_fault(
        tmp_path: pathlib.Path, spec: dict[str, Any], message: str) -> None:
    user = plugin(tmp_path, credential({"token": "t"}))
    user["exec"].update(spec)
    user["exec"] = {k: v for k, v in user["exec"].items() if v is not None}

    with pytest.raises(InputError) as raised:
        load(tmp_path, user)

    assert str(raised.value) == f'{tmp_path / "config"}: user "u": {message}'
    assert raised.value.exit_code == 2


def test_v1beta1_plugins_default_to_if_available(tmp_path: pathlib.Path) -> None:
    user = plugin(tmp_path, credential({"token": "t"}, "client.authentication.k8s.io/v1beta1"))
    user["exec"]["apiVersion"] = "client.authentication.k8s.io/v1beta1"
    del user["exec"]["interactiveMode"]

    assert load(tmp_path, user).authorization == "Bearer t"


def test_auth_providers_are_left_to_the_official_client(tmp_path: pathlib.Path) -> None:
    found = load(tmp_path, {"auth-provider": {"name": "oidc", "config": {}}})

    assert found.auth_provider and found.authorization is None


@pytest.mark.parametrize("host, environ, expected", [
    ("k.example", {"HTTPS_PROXY": "proxy:3128"}, "http://proxy:3128"),
    ("k.example", {"https_proxy": "http://p:1", "NO_PROXY": "other,.example"}, None),
    ("k.example", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "k.example:6443"}, None),
    ("api.k.example", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "k.example"}, None),
    ("notk.example", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "k.example"}, "http://p:1"),
    ("10.1.2.3", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, None),
    ("127.0.0.1", {"HTTPS_PROXY": "http://p:1"}, None),
    ("localhost", {"HTTPS_PROXY": "http://p:1"}, None),
    ("k.example", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, None),
    ("k.example", {"HTTP_PROXY": "http://p:1"}, None),
])
def test_proxies_from_the_environment_as_go_reads_them(host: str, environ: dict[str, str],
                                                        expected: str | None) -> None:
    assert credentials.proxy_for("https", host, None, environ) == expected


def test_the_kubeconfig_proxy_wins() -> None:
    assert credentials.proxy_for("https", "127.0.0.1", "http://mine:8080", {"HTTPS_PROXY": "http://p:1"}) == \
        "http://mine:8080"

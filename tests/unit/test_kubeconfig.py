"""Kubeconfig resolution, table by table against client-go's documented rules."""

from __future__ import annotations

import json
import os
import pathlib

import pytest

from kubectl_podsec.kube import kubeconfig
from kubectl_podsec.errors import InputError


def write(path: pathlib.Path, **config: object) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "Config", **config}))
    return str(path)


def cluster(name: str, server: str, ca: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"server": server}
    if ca:
        body["certificate-authority"] = ca
    return {"name": name, "cluster": body}


def context(name: str, cluster: str, user: str, namespace: str | None = None) -> dict[str, object]:
    body = {"cluster": cluster, "user": user}
    if namespace:
        body["namespace"] = namespace
    return {"name": name, "context": body}


def active(resolved: kubeconfig.Resolved) -> dict[str, object]:
    assert resolved.config is not None
    ctx = next(c for c in resolved.config["contexts"] if c["name"] == resolved.context)
    return dict(ctx["context"])


def entry(resolved: kubeconfig.Resolved, section: str, name: str) -> dict[str, object]:
    assert resolved.config is not None
    return dict(next(e for e in resolved.config[section] if e["name"] == name)[section[:-1]])


def test_first_file_wins_for_entries_and_current_context(tmp_path: pathlib.Path) -> None:
    a = write(tmp_path / "a", clusters=[cluster("c", "https://a")], users=[{"name": "u", "user": {"token": "A"}}],
              contexts=[context("x", "c", "u")], **{"current-context": "x"})
    b = write(tmp_path / "b", clusters=[cluster("c", "https://b"), cluster("d", "https://d")],
              users=[{"name": "u", "user": {"token": "B"}}],
              contexts=[context("y", "d", "u")], **{"current-context": "y"})

    resolved = kubeconfig.resolve(environ={"KUBECONFIG": os.pathsep.join([a, b])})

    assert resolved.context_name == "x"
    assert active(resolved) == {"cluster": "c", "user": "u"}
    assert entry(resolved, "clusters", "c")["server"] == "https://a"
    assert entry(resolved, "users", "u")["token"] == "A"
    assert entry(resolved, "clusters", "d")["server"] == "https://d"
    assert resolved.files == (a, b)


def test_the_second_file_sets_current_context_when_the_first_does_not(tmp_path: pathlib.Path) -> None:
    a = write(tmp_path / "a", clusters=[cluster("c", "https://a")], users=[{"name": "u", "user": {}}])
    b = write(tmp_path / "b", contexts=[context("y", "c", "u", "team")], **{"current-context": "y"})

    resolved = kubeconfig.resolve(environ={"KUBECONFIG": f"{a}{os.pathsep}{b}"})

    assert (resolved.context_name, resolved.namespace) == ("y", "team")


def test_missing_and_repeated_kubeconfig_files_are_skipped(tmp_path: pathlib.Path) -> None:
    a = write(tmp_path / "a", clusters=[cluster("c", "https://a")], users=[{"name": "u", "user": {}}],
              contexts=[context("x", "c", "u")], **{"current-context": "x"})
    env = {"KUBECONFIG": os.pathsep.join([str(tmp_path / "nope"), a, "", a])}

    assert kubeconfig.resolve(environ=env).files == (a,)


def test_relative_paths_are_relative_to_their_own_file(tmp_path: pathlib.Path) -> None:
    a = write(tmp_path / "one" / "config", clusters=[cluster("c", "https://a", ca="ca.crt")],
              contexts=[context("x", "c", "u")], **{"current-context": "x"})
    b = write(tmp_path / "two" / "config", users=[{"name": "u", "user": {
        "client-certificate": "certs/u.crt", "client-key": "/abs/u.key", "tokenFile": "tok",
        "exec": {"command": "./bin/plugin", "apiVersion": "client.authentication.k8s.io/v1"}}},
        {"name": "v", "user": {"exec": {"command": "gke-gcloud-auth-plugin"}}}])

    resolved = kubeconfig.resolve(environ={"KUBECONFIG": f"{a}{os.pathsep}{b}"})

    assert entry(resolved, "clusters", "c")["certificate-authority"] == str(tmp_path / "one" / "ca.crt")
    user = entry(resolved, "users", "u")
    assert user["client-certificate"] == str(tmp_path / "two" / "certs/u.crt")
    assert user["client-key"] == "/abs/u.key"
    assert user["tokenFile"] == str(tmp_path / "two" / "tok")
    assert user["exec"]["command"] == str(tmp_path / "two" / "./bin/plugin")  # type: ignore[index]
    assert entry(resolved, "users", "v")["exec"] == {"command": "gke-gcloud-auth-plugin"}


def test_explicit_kubeconfig_replaces_the_environment(tmp_path: pathlib.Path) -> None:
    env_file = write(tmp_path / "env", clusters=[cluster("c", "https://env")], users=[{"name": "u", "user": {}}],
                     contexts=[context("x", "c", "u")], **{"current-context": "x"})
    flag_file = write(tmp_path / "flag", clusters=[cluster("c", "https://flag")], users=[{"name": "u", "user": {}}],
                      contexts=[context("z", "c", "u")], **{"current-context": "z"})

    resolved = kubeconfig.resolve(kubeconfig=flag_file, environ={"KUBECONFIG": env_file})

    assert (resolved.context_name, resolved.files) == ("z", (flag_file,))
    with pytest.raises(InputError, match="no such file"):
        kubeconfig.resolve(kubeconfig=str(tmp_path / "missing"), environ={})


def test_context_cluster_and_user_flags_override(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path / "c", clusters=[cluster("c1", "https://1"), cluster("c2", "https://2")],
                 users=[{"name": "u1", "user": {}}, {"name": "u2", "user": {}}],
                 contexts=[context("x", "c1", "u1", "ns-x"), context("y", "c1", "u1")],
                 **{"current-context": "x"})

    resolved = kubeconfig.resolve(context="y", cluster="c2", user="u2", environ={"KUBECONFIG": path})

    assert active(resolved) == {"cluster": "c2", "user": "u2"}
    assert (resolved.context_name, resolved.namespace) == ("y", "default")
    assert active(kubeconfig.resolve(environ={"KUBECONFIG": path})) == {
        "cluster": "c1", "user": "u1", "namespace": "ns-x"}


@pytest.mark.parametrize("flags,message", [
    ({"context": "nope"}, 'context "nope" not found in the kubeconfig'),
    ({"cluster": "nope"}, 'cluster "nope" not found in the kubeconfig'),
    ({"user": "nope"}, 'user "nope" not found in the kubeconfig'),
])
def test_unknown_names_are_input_errors(tmp_path: pathlib.Path, flags: dict[str, str], message: str) -> None:
    path = write(tmp_path / "c", clusters=[cluster("c", "https://1")], users=[{"name": "u", "user": {}}],
                 contexts=[context("x", "c", "u")], **{"current-context": "x"})
    with pytest.raises(InputError, match=message):
        kubeconfig.resolve(environ={"KUBECONFIG": path}, **flags)


def test_no_configuration_says_where_it_looked(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(InputError, match="no kubeconfig found"):
        kubeconfig.resolve(environ={})
    empty = tmp_path / "empty"
    empty.write_text("")
    with pytest.raises(InputError, match=f"^{empty}: no current-context; pass --context$"):
        kubeconfig.resolve(environ={"KUBECONFIG": str(empty)})


def test_in_cluster_when_there_is_no_kubeconfig(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(kubeconfig, "IN_CLUSTER_DIR", str(tmp_path))
    (tmp_path / "token").write_text("t")
    (tmp_path / "namespace").write_text("apps\n")
    env = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}

    resolved = kubeconfig.resolve(environ=env)

    assert (resolved.config, resolved.namespace, resolved.context_name) == (None, "apps", "in-cluster")
    with pytest.raises(InputError):  # an explicit kubeconfig is never traded for in-cluster
        kubeconfig.resolve(kubeconfig=str(tmp_path / "missing"), environ=env)


def test_malformed_kubeconfig_names_the_file(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad"
    bad.write_text("clusters: {a: 1}\n")
    with pytest.raises(InputError, match=f"{bad}: invalid kubeconfig: clusters must be a list"):
        kubeconfig.resolve(environ={"KUBECONFIG": str(bad)})

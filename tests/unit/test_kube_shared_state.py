"""Nothing shared is changed to ask one thing differently: a limited copy of
a connection leaves the original's limits alone, and the official client's
auth-provider loader neither touches the root logger nor runs an exec plugin
a second time."""

from __future__ import annotations

import json
import logging
import pathlib
import sys
from collections.abc import Iterator

import pytest

from kubectl_podsec.kube.client import ApiError, Cluster
from kubectl_podsec.kube.options import ConnectionOptions

from .fake_apiserver import FakeApiServer, Reply, running, status

VERSION = {"major": "1", "minor": "37", "gitVersion": "v1.37.2"}


@pytest.fixture
def fake() -> Iterator[FakeApiServer]:
    with running() as server:
        yield server


def test_a_limited_copy_asks_once_and_leaves_the_original_as_it_was(fake: FakeApiServer,
                                                                      tmp_path: pathlib.Path) -> None:
    fake.on("GET", "/version", status(503, "ServiceUnavailable", "busy"), Reply(200, VERSION))
    cluster = Cluster(ConnectionOptions(kubeconfig=fake.kubeconfig(tmp_path), request_timeout=20.0))
    waits: list[float] = []
    cluster.sleep = waits.append  # type: ignore[assignment]

    brief = cluster.limited(3.0, 1)
    with pytest.raises(ApiError) as raised:
        brief.version()

    assert str(raised.value) == f"{fake.url} answered 503 to GET /version: busy"  # sent once
    assert (brief.timeout, brief.attempts) == (3.0, 1)
    assert (cluster.timeout, cluster.attempts) == (20.0, 5)
    assert cluster.version() == VERSION and waits == []
    assert cluster.requests == brief.requests == 2  # one count for the connection they share


def test_the_auth_provider_loader_runs_no_exec_plugin_and_leaves_the_root_logger(
        fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    """A user with an exec plugin that supplies a client certificate, and an
    auth-provider with no usable token: the plugin runs once (ours), the
    request goes without a bearer token."""
    runs = tmp_path / "runs"
    plugin = tmp_path / "plugin.py"
    plugin.write_text(
        "import json, pathlib\n"
        f"path = pathlib.Path({str(runs)!r})\n"
        "path.write_text(path.read_text() + 'x' if path.exists() else 'x')\n"
        "print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1', 'kind': 'ExecCredential',"
        " 'status': {'clientCertificateData': 'cert', 'clientKeyData': 'key'}}))\n")
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "c", "cluster": {"server": fake.url}}],
        "users": [{"name": "u", "user": {
            "auth-provider": {"name": "oidc", "config": {"id-token": "not-a-jwt"}},
            "exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                     "args": [str(plugin)], "interactiveMode": "Never"}}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}]}))
    fake.on("GET", "/version", Reply(200, VERSION))
    handlers = list(logging.getLogger().handlers)

    Cluster(ConnectionOptions(kubeconfig=str(path))).version()

    assert runs.read_text() == "x"
    assert fake.requests("/version")[0].header("Authorization") == []
    assert logging.getLogger().handlers == handlers

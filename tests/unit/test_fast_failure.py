"""Faults fail fast: a refused connection at once, a server that never answers
within --request-timeout, retries within it, and an exec credential plugin
that hangs within it. Real sockets on 127.0.0.1; the time limits are generous
(the behaviour asserted is the exit code, the message and the attempts)."""

from __future__ import annotations

import contextlib
import json
import pathlib
import socket
import sys
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from kubectl_podsec.cli.main import cli
from kubectl_podsec.kube import transport
from kubectl_podsec.kube.client import ApiError, Cluster
from kubectl_podsec.kube.options import ConnectionOptions

from .fake_apiserver import running, status

SLOW = 3.0  # far above what each case needs, far below the retries and waits it replaces


def kubeconfig(tmp_path: pathlib.Path, server: str, user: dict[str, object] | None = None) -> str:
    path = tmp_path / "config"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "c", "cluster": {"server": server, "insecure-skip-tls-verify": True}}],
        "users": [{"name": "u", "user": user or {"token": "t"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}]}))
    return str(path)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens here once it is closed


@contextlib.contextmanager
def silent_listener() -> Iterator[int]:
    """A port that takes connections (the kernel's backlog) and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


def run(args: list[str]) -> tuple[int, str, float]:
    started = time.monotonic()
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stderr, time.monotonic() - started


def test_a_refused_connection_fails_at_once_without_retries(tmp_path: pathlib.Path) -> None:
    port = closed_port()
    cluster = Cluster(ConnectionOptions(kubeconfig=kubeconfig(tmp_path, f"https://127.0.0.1:{port}")))
    waits: list[float] = []
    cluster.sleep = waits.append  # type: ignore[assignment]

    with pytest.raises(ApiError) as raised:
        cluster.version()

    assert str(raised.value) == (f"cannot reach https://127.0.0.1:{port} (connection refused); "
                                 "check --context or KUBECONFIG")
    assert (cluster.requests, waits, raised.value.exit_code) == (1, [], 3)


@pytest.mark.parametrize("command,exit_code", [(["whoami"], 3), (["check", "-A"], 3),
                                               (["version", "-o", "json"], 0)])
def test_commands_against_a_closed_port_end_in_well_under_a_second(
        tmp_path: pathlib.Path, command: list[str], exit_code: int) -> None:
    port = closed_port()
    started = time.monotonic()
    result = CliRunner().invoke(cli, [*command, "--kubeconfig",
                                      kubeconfig(tmp_path, f"https://127.0.0.1:{port}")])
    took = time.monotonic() - started

    assert result.exit_code == exit_code  # version reports the server as unreachable
    assert f"cannot reach https://127.0.0.1:{port} (connection refused)" in result.output
    assert took < SLOW


def test_a_name_that_does_not_resolve_is_not_retried(tmp_path: pathlib.Path) -> None:
    cluster = Cluster(ConnectionOptions(kubeconfig=kubeconfig(tmp_path, "https://no-such-host.invalid:6443")))
    waits: list[float] = []
    cluster.sleep = waits.append  # type: ignore[assignment]

    with pytest.raises(ApiError) as raised:
        cluster.version()

    assert str(raised.value).startswith("cannot reach https://no-such-host.invalid:6443 (")
    assert (cluster.requests, waits) == (1, [])


@pytest.mark.parametrize("command", [["whoami"], ["check", "-A"]])
def test_a_silent_server_costs_one_request_timeout(tmp_path: pathlib.Path, command: list[str]) -> None:
    with silent_listener() as port:
        config = kubeconfig(tmp_path, f"https://127.0.0.1:{port}")
        code, err, took = run([*command, "--kubeconfig", config, "--request-timeout", "0.5s"])

    assert code == 3
    assert err.startswith(f"error: timed out after 0.5s waiting for https://127.0.0.1:{port} (")
    assert took < SLOW


def test_without_request_timeout_a_silent_tls_handshake_is_given_up_as_go_does(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "TLS_HANDSHAKE_TIMEOUT", 0.5)  # 10 s, as client-go, in use
    with silent_listener() as port:
        cluster = Cluster(ConnectionOptions(kubeconfig=kubeconfig(tmp_path, f"https://127.0.0.1:{port}")))
        with pytest.raises(ApiError) as raised:
            cluster.version()

    assert str(raised.value) == (f"timed out after 0.5s for the TLS handshake waiting for "
                                 f"https://127.0.0.1:{port} (GET /version); "
                                 "raise --request-timeout or check the connection")
    assert cluster.requests == 1


def test_request_timeout_bounds_a_request_with_its_retries(tmp_path: pathlib.Path) -> None:
    with running() as fake:
        fake.on("GET", "/version", status(503, "ServiceUnavailable", "etcd is unhappy"))
        cluster = Cluster(ConnectionOptions(kubeconfig=fake.kubeconfig(tmp_path), request_timeout=1.0))
        started = time.monotonic()
        with pytest.raises(ApiError) as raised:
            cluster.version()
        took = time.monotonic() - started
        sent = len(fake.requests("/version"))

    # waits of about 0.25 s, 0.5 s and 1 s: the third would pass the second allowed
    assert 2 <= sent < transport.MAX_ATTEMPTS
    assert str(raised.value) == f"{fake.url} answered 503 to GET /version after {sent} attempts: etcd is unhappy"
    assert took < SLOW


def test_a_hanging_exec_plugin_is_stopped_at_request_timeout_and_named(tmp_path: pathlib.Path) -> None:
    script = tmp_path / "hang.py"
    script.write_text("import time\ntime.sleep(60)\n")
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                     "args": [str(script)], "interactiveMode": "Never"}}
    config = kubeconfig(tmp_path, f"https://127.0.0.1:{closed_port()}", user)

    code, err, took = run(["whoami", "--kubeconfig", config, "--request-timeout", "1s"])

    assert code == 3
    assert err == (f'error: cannot get credentials for context "x": exec plugin {sys.executable} '
                   "gave no credentials within 1s (--request-timeout)\n")
    assert took < SLOW + 1

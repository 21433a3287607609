"""Integration tests against a real kube-apiserver and etcd (scripts/test-cluster).

Every test here is marked `cluster`. They are skipped only when PODSEC_SKIP_CLUSTER=1, which the
run then reports at the top and at the bottom; a control plane that cannot start makes them ERROR
with its log tail. The instances are left running for the next run (`scripts/test-cluster down`
stops them), unless this session started one and PODSEC_CLUSTER_TEARDOWN=1.

A real kube-controller-manager runs beside the API server (scripts/test-cluster): workloads get
their pods from the real controllers (as the controllers' service accounts), namespaces get their
`default` ServiceAccount and finish terminating, and admin/edit/view have their aggregated rules.
No scheduler or kubelet: pods stay Pending.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .control_plane import Cluster, ClusterError, bring_up, pinned_k8s_version, profile_status, run_script

HERE = Path(__file__).resolve().parent
SKIP_CLUSTER = os.environ.get("PODSEC_SKIP_CLUSTER") == "1"
SKIP_MESSAGE = "PODSEC_SKIP_CLUSTER=1: integration tests against a real kube-apiserver are SKIPPED"


def pytest_report_header() -> str | None:
    return f"!!! {SKIP_MESSAGE} !!!" if SKIP_CLUSTER else None


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SKIP_CLUSTER:
        terminalreporter.write_sep("!", SKIP_MESSAGE, red=True, bold=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.cluster)
            if SKIP_CLUSTER:
                item.add_marker(pytest.mark.skip(reason=SKIP_MESSAGE))


def _bring_up_or_fail(profile: str) -> Cluster:
    """The running profile; an ERROR (never a skip) with the log tail when it cannot start."""
    try:
        return bring_up(profile)
    except ClusterError as error:
        failure = str(error)
    pytest.fail(failure, pytrace=False)


def _session_cluster(profile: str) -> Iterator[Cluster]:
    started_here = not profile_status(profile)["up"]
    yield _bring_up_or_fail(profile)
    if started_here and os.environ.get("PODSEC_CLUSTER_TEARDOWN") == "1":
        result = run_script("down", "--profile", profile)
        assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """The default instance: PodSecurity defaults privileged, no exemptions."""
    yield from _session_cluster("default")


@pytest.fixture(scope="session")
def restricted_cluster() -> Iterator[Cluster]:
    """A second instance whose defaults are restricted:latest, exempting exempt-ns,
    runtimeClass exempt-rc and user exempt-user; started only when a test asks for it."""
    yield from _session_cluster("restricted")


@pytest.fixture
def namespace(cluster: Cluster, request: pytest.FixtureRequest) -> str:
    """A fresh namespace in the default instance, with a unique name; left for the next run's
    `down` (deleting thousands of them would only slow the suite)."""
    return cluster.create_namespace(request.node.name)


@pytest.fixture(scope="session")
def pinned_version() -> str:
    return pinned_k8s_version()

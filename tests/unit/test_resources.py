"""The resource table: --kind names, paths, and the version an object is posted at."""

from __future__ import annotations

import pytest

from kubectl_podsec.errors import UsageError
from kubectl_podsec.kube.resources import WORKLOAD_RESOURCES, parse_kinds, resource_for


def test_every_kind_by_default_and_by_any_name() -> None:
    assert parse_kinds(()) == WORKLOAD_RESOURCES
    picked = parse_kinds(("deploy,Pod", "cronjobs", "STS", "cj"))
    assert [r.kind for r in picked] == ["Pod", "Deployment", "StatefulSet", "CronJob"]


def test_unknown_kind() -> None:
    with pytest.raises(UsageError, match='--kind: "service" is not a kind with a pod spec'):
        parse_kinds(("service",))


def test_paths_and_versions() -> None:
    deploy = resource_for("Deployment", "apps/v1")
    assert deploy is not None
    assert deploy.collection_path("web") == "/apis/apps/v1/namespaces/web/deployments"
    assert deploy.collection_path(None) == "/apis/apps/v1/deployments"
    pod = resource_for("Pod", "v1")
    assert pod is not None and pod.object_path("web", "p") == "/api/v1/namespaces/web/pods/p"
    old = resource_for("Deployment", "apps/v1beta1")
    assert old is not None and old.collection_path("x") == "/apis/apps/v1beta1/namespaces/x/deployments"
    assert resource_for("Deployment", "v1") is None
    assert resource_for("Service", "v1") is None

"""The pod Pod Security sees after the API server's create strategy, which on
1.19 to 1.26 syncs seccomp annotations and fields (applySeccompVersionSkew):
both ways up to 1.24, annotations to fields on 1.25 and 1.26, nothing after."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubectl_podsec.admission import seccomp_skew
from kubectl_podsec.admission.workloads import PodTemplate

POD = "seccomp.security.alpha.kubernetes.io/pod"
APP = "container.seccomp.security.alpha.kubernetes.io/app"


def pod(annotations: dict[str, str] | None = None, pod_sc: dict[str, Any] | None = None,
        app_sc: dict[str, Any] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "x"}
    if app_sc is not None:
        container["securityContext"] = app_sc
    spec: dict[str, Any] = {"containers": [container]}
    if pod_sc is not None:
        spec["securityContext"] = pod_sc
    meta: dict[str, Any] = {"name": "p"}
    if annotations is not None:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


RUNTIME_DEFAULT = {"seccompProfile": {"type": "RuntimeDefault"}}


@pytest.mark.parametrize("before,after", [
    (pod({POD: "runtime/default"}), pod({POD: "runtime/default"}, RUNTIME_DEFAULT)),
    (pod({POD: "docker/default"}, {"runAsUser": 1}),
     pod({POD: "docker/default"}, {"runAsUser": 1, "seccompProfile": {"type": "RuntimeDefault"}})),
    (pod({POD: "unconfined"}), pod({POD: "unconfined"}, {"seccompProfile": {"type": "Unconfined"}})),
    (pod({POD: "localhost/prof.json"}),
     pod({POD: "localhost/prof.json"}, {"seccompProfile": {"type": "Localhost", "localhostProfile": "prof.json"}})),
    (pod({POD: "localhost/"}), pod({POD: "localhost/"})),  # no profile: no field
    (pod({POD: "bogus"}), pod({POD: "bogus"})),
    # an existing field wins over the annotation, and is not overwritten
    (pod({POD: "unconfined"}, RUNTIME_DEFAULT), pod({POD: "unconfined"}, RUNTIME_DEFAULT)),
    # a field without its annotation gets one
    (pod(None, RUNTIME_DEFAULT), pod({POD: "runtime/default"}, RUNTIME_DEFAULT)),
    (pod(None, None, {"seccompProfile": {"type": "Localhost"}}), pod(None, None, {"seccompProfile": {"type": "Localhost"}})),
    # containers by name
    (pod({APP: "runtime/default"}), pod({APP: "runtime/default"}, None, RUNTIME_DEFAULT)),
    (pod(None, None, {"seccompProfile": {"type": "Unconfined"}}),
     pod({APP: "unconfined"}, None, {"seccompProfile": {"type": "Unconfined"}})),
], ids=["runtime-default", "docker-default", "unconfined", "localhost", "empty-localhost", "unknown",
        "field-wins", "field-to-annotation", "field-without-form", "container", "container-field"])
def test_seccomp_sync(before: dict[str, Any], after: dict[str, Any]) -> None:
    original = copy.deepcopy(before)

    synced = seccomp_skew.sync(template(before))

    assert (synced.metadata, synced.spec) == (after["metadata"], after["spec"])
    assert before == original  # a copy: the input is left alone


def template(obj: dict[str, Any]) -> PodTemplate:
    return PodTemplate(obj["metadata"], obj["spec"], "")


@pytest.mark.parametrize("minor, expected", [
    (18, pod({POD: "runtime/default"}, None, {"seccompProfile": {"type": "Unconfined"}})),
    (19, pod({POD: "runtime/default", APP: "unconfined"}, RUNTIME_DEFAULT, {"seccompProfile": {"type": "Unconfined"}})),
    (24, pod({POD: "runtime/default", APP: "unconfined"}, RUNTIME_DEFAULT, {"seccompProfile": {"type": "Unconfined"}})),
    (25, pod({POD: "runtime/default"}, RUNTIME_DEFAULT, {"seccompProfile": {"type": "Unconfined"}})),
    (26, pod({POD: "runtime/default"}, RUNTIME_DEFAULT, {"seccompProfile": {"type": "Unconfined"}})),
    (27, pod({POD: "runtime/default"}, None, {"seccompProfile": {"type": "Unconfined"}})),
    (None, pod({POD: "runtime/default"}, None, {"seccompProfile": {"type": "Unconfined"}})),
])
def test_which_servers_sync_which_way(minor: int | None, expected: dict[str, Any]) -> None:
    """A pod annotation without its field, and a container field without its annotation."""
    before = template(pod({POD: "runtime/default"}, None, {"seccompProfile": {"type": "Unconfined"}}))

    after = seccomp_skew.apply(before, minor)

    assert (after.metadata, after.spec) == (expected["metadata"], expected["spec"])
    assert (after is before) == (minor is None or not 19 <= minor <= 26)

"""The pod Pod Security sees after PodSecurityPolicy: the 1.19-1.24 pod create
strategy syncs seccomp annotations and fields (applySeccompVersionSkew)."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_podsec.psp_admission import sync_seccomp

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
    assert sync_seccomp(before) == after

"""Small builders for PSP and pod dicts used by the tests/psp tables."""

from __future__ import annotations

import copy
from typing import Any

# The four required strategies, all permissive, and every volume type.
BASE_SPEC: dict[str, Any] = {
    "runAsUser": {"rule": "RunAsAny"},
    "seLinux": {"rule": "RunAsAny"},
    "supplementalGroups": {"rule": "RunAsAny"},
    "fsGroup": {"rule": "RunAsAny"},
    "volumes": ["*"],
}

PRIVILEGED_SPEC: dict[str, Any] = {
    **BASE_SPEC,
    "privileged": True,
    "allowedCapabilities": ["*"],
    "hostNetwork": True, "hostPID": True, "hostIPC": True,
    "hostPorts": [{"min": 0, "max": 65535}],
    "allowedUnsafeSysctls": ["*"],
    "allowedProcMountTypes": ["Default", "Unmasked"],
}


def psp(name: str = "psp", annotations: dict[str, str] | None = None,
        base: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy", "metadata": metadata,
            "spec": {**copy.deepcopy(BASE_SPEC if base is None else base), **spec}}


def container(name: str = "app", **security_context: Any) -> dict[str, Any]:
    built: dict[str, Any] = {"name": name, "image": "nginx"}
    if security_context:
        built["securityContext"] = security_context
    return built


def pod(*containers: dict[str, Any], name: str = "web", annotations: dict[str, Any] | None = None,
        **spec: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": "team"}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": list(containers) or [container()], **spec}}

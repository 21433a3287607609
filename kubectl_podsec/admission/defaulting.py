"""The defaulting the API server applies to a pod before admission (pure;
specs/pss.md §5.5): what every pod template gets, and what only Pods get."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .workloads import PodTemplate

_APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def _sourceless(volume: Any) -> bool:
    if not isinstance(volume, dict):
        return False
    for key, value in volume.items():
        if value is not None and key != "name":
            return False
    return True


def _volumes(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A volume without any source becomes an emptyDir (SetDefaults_Volume)."""
    volumes = spec.get("volumes")
    if not isinstance(volumes, list):
        return {}
    for volume in volumes:
        if _sourceless(volume):
            break
    else:  # the usual case: every volume has its source
        return {}
    return {"volumes": [{**v, "emptyDir": {}} if _sourceless(v) else v for v in volumes]}


def _host_ports(container: Any) -> Any:
    ports = container.get("ports") if isinstance(container, dict) else None
    if not isinstance(ports, list):
        return container
    fixed = [
        {**p, "hostPort": p["containerPort"]}
        if isinstance(p, dict) and not p.get("hostPort") and p.get("containerPort") is not None
        else p
        for p in ports
    ]
    return container if fixed == ports else {**container, "ports": fixed}


def _host_network_ports(spec: Mapping[str, Any]) -> dict[str, Any]:
    """With host networking every container port is a host port (Pods only)."""
    if spec.get("hostNetwork") is not True:
        return {}
    changed = {}
    for key in ("containers", "initContainers"):
        containers = spec.get(key)
        if isinstance(containers, list):
            fixed = [_host_ports(c) for c in containers]
            if any(a is not b for a, b in zip(fixed, containers)):
                changed[key] = fixed
    return changed


def _apparmor_field(annotation: str) -> dict[str, str] | None:
    if annotation == "unconfined":
        return {"type": "Unconfined"}
    if annotation == "runtime/default":
        return {"type": "RuntimeDefault"}
    if annotation.startswith("localhost/"):
        profile = annotation[len("localhost/"):]
        # Upstream validation drops invalid profiles: padded, or over PATH_MAX - 1.
        if profile and profile.strip() == profile and len(profile.encode()) <= 4095:
            return {"type": "Localhost", "localhostProfile": profile}
    return None


def _apparmor_container(container: Any, annotations: Mapping[str, Any], pod_profile: Any) -> Any:
    if not isinstance(container, dict):
        return container
    annotation = annotations.get(_APPARMOR_PREFIX + str(container.get("name") or ""))
    sc = container.get("securityContext")
    if not isinstance(annotation, str) or (isinstance(sc, dict) and sc.get("appArmorProfile")):
        return container
    field = _apparmor_field(annotation)
    if field is None or field == pod_profile:
        return container
    return {**container, "securityContext": {**(sc if isinstance(sc, dict) else {}),
                                             "appArmorProfile": field}}


def _apparmor(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """Deprecated AppArmor annotations become fields when the container sets none
    and the result differs from the pod-level profile (pod strategy, >= 1.30)."""
    annotations = meta.get("annotations")
    if not isinstance(annotations, dict) or not any(
            isinstance(k, str) and k.startswith(_APPARMOR_PREFIX) for k in annotations):
        return {}
    if isinstance(spec.get("os"), dict) and spec["os"].get("name") == "windows":
        return {}
    pod_sc = spec.get("securityContext")
    pod_profile = pod_sc.get("appArmorProfile") if isinstance(pod_sc, dict) else None
    changed = {}
    for key in _CONTAINER_LISTS:
        containers = spec.get(key)
        if isinstance(containers, list):
            fixed = [_apparmor_container(c, annotations, pod_profile) for c in containers]
            if any(a is not b for a, b in zip(fixed, containers)):
                changed[key] = fixed
    return changed


APPARMOR_FIELDS_MINOR = 30  # the first release whose pod strategy copies AppArmor annotations to fields


def _defaulted_spec(meta: Mapping[str, Any], spec: Mapping[str, Any], is_pod: bool,
                    apparmor: bool = True) -> Mapping[str, Any]:
    """The spec after defaulting; the input is never changed, and only what
    changes is copied (most specs need nothing: they come back as they are)."""
    out = spec
    if "volumes" in spec and (changed := _volumes(spec)):
        out = {**out, **changed}
    if is_pod:
        if changed := _host_network_ports(out):
            out = {**out, **changed}
        if apparmor and (changed := _apparmor(meta, out)):
            out = {**out, **changed}
    return out


def default_pod(pod: Mapping[str, Any], server_minor: int | None = None) -> dict[str, Any]:
    """The Pod object as admission would see it after the API server's decoding,
    defaulting and create strategy (a new dict; the input is left alone), on a
    server of minor version `server_minor` (None: the newest)."""
    out = dict(pod)
    spec, meta = out.get("spec"), out.get("metadata")
    apparmor = server_minor is None or server_minor >= APPARMOR_FIELDS_MINOR
    if isinstance(spec, dict):
        out["spec"] = dict(_defaulted_spec(meta if isinstance(meta, dict) else {}, spec, True, apparmor))
    return out


def default_template(template: PodTemplate, is_pod: bool, server_minor: int | None = None) -> PodTemplate:
    """The template after defaulting: Pods get the full pod defaulting (on a
    server of minor `server_minor`, None: the newest), workload templates only
    the defaulting shared by every pod template."""
    apparmor = server_minor is None or server_minor >= APPARMOR_FIELDS_MINOR
    spec = _defaulted_spec(template.metadata, template.spec, is_pod, apparmor)
    return template if spec is template.spec else PodTemplate(template.metadata, spec, template.path)

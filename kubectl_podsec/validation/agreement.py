"""Seccomp and AppArmor: annotations and fields must agree (validateSeccompAnnotationsAndFields,
validateAppArmorAnnotationsAndFieldsMatchOnCreate), and the API server's copy of AppArmor
annotations into fields before it validates a Pod (applyAppArmorVersionSkew)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .field import FieldError, forbidden
from .metadata import APPARMOR_CONTAINER, SECCOMP_CONTAINER, SECCOMP_POD
from .security import apparmor_field_is_valid
from .source import Json

_TYPE_MISMATCH = "{} type in annotation and field must match"
_PROFILE_MISMATCH = "{} profile in annotation and field must match"


def all_containers(spec: Json, path: str) -> Iterator[tuple[Json, str]]:
    """podshelper.VisitContainersWithPath: init, regular, then ephemeral containers."""
    for key in ("initContainers", "containers", "ephemeralContainers"):
        items = spec.get(key)
        if isinstance(items, list):
            for i, ctr in enumerate(items):
                if isinstance(ctr, dict):
                    yield ctr, f"{path}.{key}[{i}]"


def _profile(holder: Any, key: str) -> Json | None:
    if not isinstance(holder, dict):
        return None
    value = holder.get(key)
    return value if isinstance(value, dict) else None


def seccomp(annotations: dict[str, str], spec: Json, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    pod_field = _profile(spec.get("securityContext"), "seccompProfile")
    if pod_field is not None and SECCOMP_POD in annotations:
        errs += _match("seccomp", annotations[SECCOMP_POD], pod_field, f"{path}.securityContext.seccompProfile")
    for ctr, at in all_containers(spec, path):
        field = _profile(ctr.get("securityContext"), "seccompProfile")
        key = SECCOMP_CONTAINER + str(ctr.get("name", ""))
        if field is not None and key in annotations:
            errs += _match("seccomp", annotations[key], field, f"{at}.securityContext.seccompProfile")
    return errs


def apparmor(annotations: dict[str, str], spec: Json, path: str) -> list[FieldError]:
    if _is_windows(spec):
        return []
    errs: list[FieldError] = []
    pod_field = _profile(spec.get("securityContext"), "appArmorProfile")
    for ctr, at in all_containers(spec, path):
        field = _profile(ctr.get("securityContext"), "appArmorProfile") or pod_field
        key = APPARMOR_CONTAINER + str(ctr.get("name", ""))
        if field is not None and key in annotations:
            errs += _match("apparmor", annotations[key], field, f"{at}.securityContext.appArmorProfile")
    return errs


def _match(what: str, annotation: str, field: Json, path: str) -> list[FieldError]:
    kind, local = field.get("type"), field.get("localhostProfile")
    if kind == "Unconfined":
        ok = annotation == "unconfined"
    elif kind == "RuntimeDefault":
        ok = annotation == "runtime/default" or (what == "seccomp" and annotation == "docker/default")
    elif kind == "Localhost":
        if not annotation.startswith("localhost/"):
            ok = False
        elif local is None or annotation[len("localhost/"):] != local:
            return [forbidden(f"{path}.localhostProfile", _PROFILE_MISMATCH.format(what))]
        else:
            ok = True
    else:
        ok = True
    return [] if ok else [forbidden(f"{path}.type", _TYPE_MISMATCH.format(what))]


def sync_apparmor(annotations: dict[str, str], spec: dict[str, Any]) -> None:
    """applyAppArmorVersionSkew (Pods only, not Windows): a valid container annotation without
    a container field becomes the field, unless it equals the pod's profile."""
    if _is_windows(spec):
        return
    pod_field = _profile(spec.get("securityContext"), "appArmorProfile")
    for ctr, _ in all_containers(spec, "spec"):
        key = APPARMOR_CONTAINER + str(ctr.get("name", ""))
        context = ctr.get("securityContext")
        if key not in annotations or _profile(context, "appArmorProfile") is not None:
            continue
        field = _field_for_annotation(annotations[key])
        if field is None or field == _canonical(pod_field):
            continue
        if not isinstance(context, dict):
            context = {}
            ctr["securityContext"] = context  # type: ignore[index]
        context["appArmorProfile"] = field


def _field_for_annotation(annotation: str) -> dict[str, str] | None:
    if annotation == "unconfined":
        return {"type": "Unconfined"}
    if annotation == "runtime/default":
        return {"type": "RuntimeDefault"}
    local = annotation[len("localhost/"):] if annotation.startswith("localhost/") else ""
    if local and apparmor_field_is_valid("Localhost", local):
        return {"type": "Localhost", "localhostProfile": local}
    return None


def _canonical(field: Json | None) -> dict[str, str] | None:
    if field is None:
        return None
    out = {"type": field.get("type", "")}
    if field.get("localhostProfile") is not None:
        out["localhostProfile"] = field["localhostProfile"]
    return out


def _is_windows(spec: Json) -> bool:
    os = spec.get("os")
    return isinstance(os, dict) and os.get("name") == "windows"

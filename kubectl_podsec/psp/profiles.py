"""Seccomp and AppArmor profiles, which PSP controls through annotations.

Upstream: pkg/security/podsecuritypolicy/seccomp/strategy.go and apparmor/strategy.go (1.24).
Profiles compare in annotation form; the 1.19+ ``seccompProfile`` fields are translated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..pss.text import go_quote
from .fielderrors import FieldError, Path, forbidden
from .podshape import annotations_of, container_context, pod_context
from .policy import PodSecurityPolicy

SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
APPARMOR_CONTAINER_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
RUNTIME_DEFAULT = "runtime/default"
DOCKER_DEFAULT = "docker/default"
_ANNOTATIONS = Path.of("pod", "metadata", "annotations")


def seccomp_from_field(profile: Mapping[str, Any]) -> str:
    """A ``seccompProfile`` field in annotation form; "" when it has no such form."""
    kind = profile.get("type")
    if kind == "Unconfined":
        return "unconfined"
    if kind == "RuntimeDefault":
        return RUNTIME_DEFAULT
    if kind == "Localhost" and profile.get("localhostProfile") is not None:
        return "localhost/" + str(profile["localhostProfile"])
    return ""


def generate_seccomp(psp: PodSecurityPolicy, pod: Mapping[str, Any]) -> str:
    """The pod annotation value after mutation ("" leaves the pod alone)."""
    existing = annotations_of(pod).get(SECCOMP_POD) or ""
    if existing:
        return existing
    field = pod_context(pod).get("seccompProfile")
    if field is not None:
        return seccomp_from_field(field)  # 1.19+: every PSP adds this annotation
    return psp.seccomp_default or ""


def validate_pod_seccomp(psp: PodSecurityPolicy, pod: Mapping[str, Any]) -> list[FieldError]:
    profile = annotations_of(pod).get(SECCOMP_POD) or ""
    field = pod_context(pod).get("seccompProfile")
    if not profile and field is not None:
        profile = seccomp_from_field(field)
    return _validate_seccomp(psp, _ANNOTATIONS.key(SECCOMP_POD), profile)


def validate_container_seccomp(psp: PodSecurityPolicy, pod: Mapping[str, Any],
                               container: Mapping[str, Any]) -> list[FieldError]:
    name = container.get("name") or ""
    path = _ANNOTATIONS.key(SECCOMP_CONTAINER_PREFIX + name)
    return _validate_seccomp(psp, path, _container_seccomp(pod, container))


def _container_seccomp(pod: Mapping[str, Any], container: Mapping[str, Any]) -> str:
    """Container field, container annotation (even empty), pod field, pod annotation."""
    field = container_context(container).get("seccompProfile")
    if field is not None:
        return seccomp_from_field(field)
    annotations = annotations_of(pod)
    key = SECCOMP_CONTAINER_PREFIX + (container.get("name") or "")
    if key in annotations:
        return annotations[key] or ""
    pod_field = pod_context(pod).get("seccompProfile")
    if pod_field is not None:
        return seccomp_from_field(pod_field)
    return annotations.get(SECCOMP_POD) or ""


def _validate_seccomp(psp: PodSecurityPolicy, path: Path, profile: str) -> list[FieldError]:
    allowed, allow_any = _allowed_seccomp(psp.seccomp_allowed)
    if not allow_any and not allowed and profile:
        return [forbidden(path, "seccomp may not be set")]
    if (not allowed and not profile) or allow_any or profile in allowed:
        return []
    detail = f"{profile} is not an allowed seccomp profile. Valid values are {psp.seccomp_allowed or ''}"
    return [forbidden(path, detail)]


def _allowed_seccomp(annotation: str | None) -> tuple[frozenset[str], bool]:
    """Allowed profiles and whether ``*`` is present; docker/ and runtime/default are one."""
    if annotation is None:
        return frozenset(), False
    allowed: set[str] = set()
    allow_any = False
    for profile in annotation.split(","):
        if profile == "*":
            allow_any = True
            continue
        if profile in (DOCKER_DEFAULT, RUNTIME_DEFAULT):
            allowed.update((DOCKER_DEFAULT, RUNTIME_DEFAULT))
        allowed.add(profile)
    return frozenset(allowed), allow_any


def generate_apparmor(psp: PodSecurityPolicy, pod: Mapping[str, Any],
                      container: Mapping[str, Any]) -> tuple[str, str] | None:
    """(annotation key, default profile) to write for ``container``, or None."""
    key = APPARMOR_CONTAINER_PREFIX + (container.get("name") or "")
    if annotations_of(pod).get(key) or not psp.apparmor_default:
        return None
    return key, psp.apparmor_default


def validate_apparmor(psp: PodSecurityPolicy, pod: Mapping[str, Any],
                      container: Mapping[str, Any]) -> list[FieldError]:
    if psp.apparmor_allowed is None:
        return []
    key = APPARMOR_CONTAINER_PREFIX + (container.get("name") or "")
    path = _ANNOTATIONS.key(key)
    profile = annotations_of(pod).get(key) or ""
    if not profile:
        # any list, even "runtime/default," with its empty entry, demands a profile
        return [forbidden(path, "AppArmor profile must be set")]
    if profile not in psp.apparmor_allowed.split(","):
        detail = f"{profile} is not an allowed profile. Allowed values: {go_quote(psp.apparmor_allowed)}"
        return [forbidden(path, detail)]
    return []

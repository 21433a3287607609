"""The security contexts of plain.py: "nothing to report" for the common shapes of a
container's and a pod's securityContext, "look closer" (False) for anything else (procMount,
Windows and SELinux options, sysctls ...), like plain_containers.py; Localhost profiles are
judged by their exact rules. Also the small checks both modules use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import formats
from .field import FieldError, Findings
from .security import apparmor_field, seccomp_field
from .source import Reader

_CTX_KEYS = frozenset(("capabilities", "privileged", "runAsUser", "runAsGroup", "runAsNonRoot",
                       "readOnlyRootFilesystem", "allowPrivilegeEscalation", "seccompProfile", "appArmorProfile"))
_CAPABILITY_KEYS = frozenset(("add", "drop"))
_POD_CTX_KEYS = frozenset(("runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup", "supplementalGroups",
                           "supplementalGroupsPolicy", "fsGroupChangePolicy", "seLinuxChangePolicy",
                           "seccompProfile", "appArmorProfile"))
_POD_CTX_CHOICES = (("fsGroupChangePolicy", (None, "OnRootMismatch", "Always")),
                    ("supplementalGroupsPolicy", (None, "Merge", "Strict")),
                    ("seLinuxChangePolicy", (None, "Recursive", "MountOption")))
_PROFILES = ({"type": "RuntimeDefault"}, {"type": "Unconfined"})
_FLAG_TYPES = (bool, type(None))


def clean(check: Callable[[Reader], list[FieldError] | None]) -> bool:
    """Whether the exact rule `check` finds no error and records no doubt."""
    findings = Findings()
    return not check(Reader(findings)) and not findings.doubts


def ascii_or_none(value: Any) -> bool:
    """What Reader.string / opt_str read without a doubt (None reads as "")."""
    return value is None or (type(value) is str and value.isascii())


def is_id(value: Any) -> bool:
    """An absent ID, or one IsValidUserID / IsValidGroupID accepts."""
    return value is None or (type(value) is int and 0 <= value <= formats.MAX_INT32)


def _flags(ctx: dict[str, Any], keys: tuple[str, ...]) -> bool:
    for key in keys:
        if type(ctx.get(key)) not in _FLAG_TYPES:
            return False
    return True


def _profiles(ctx: dict[str, Any]) -> bool:
    """seccompProfile and appArmorProfile: the two common values at once, others by the rule."""
    seccomp, apparmor = ctx.get("seccompProfile"), ctx.get("appArmorProfile")
    if seccomp is not None and seccomp not in _PROFILES and \
            (type(seccomp) is not dict or not clean(lambda r: seccomp_field(r, seccomp, "seccompProfile"))):
        return False
    return apparmor is None or apparmor in _PROFILES or \
        (type(apparmor) is dict and clean(lambda r: apparmor_field(r, apparmor, "appArmorProfile")))


def container_context(ctx: Any) -> bool:
    """ValidateSecurityContext finds nothing (no procMount, Windows or SELinux options)."""
    if ctx is None:
        return True
    if type(ctx) is not dict or not ctx.keys() <= _CTX_KEYS:
        return False
    if not is_id(ctx.get("runAsUser")) or not is_id(ctx.get("runAsGroup")) or \
            not _flags(ctx, ("privileged", "allowPrivilegeEscalation", "runAsNonRoot", "readOnlyRootFilesystem")):
        return False
    capabilities = ctx.get("capabilities")
    if capabilities is not None:
        if type(capabilities) is not dict or not capabilities.keys() <= _CAPABILITY_KEYS:
            return False
        for key in ("add", "drop"):
            names = capabilities.get(key)
            if names is None:
                continue
            if type(names) is not list:
                return False
            for name in names:
                if type(name) is not str or not name.isascii():
                    return False
    if ctx.get("allowPrivilegeEscalation") is False and \
            (ctx.get("privileged") is True or "CAP_SYS_ADMIN" in ((capabilities or {}).get("add") or ())):
        return False
    return _profiles(ctx)


def pod_context(ctx: Any) -> bool:
    """validatePodSpecSecurityContext finds nothing (no sysctls, Windows or SELinux options)."""
    if ctx is None:
        return True
    if type(ctx) is not dict or not ctx.keys() <= _POD_CTX_KEYS:
        return False
    if not (is_id(ctx.get("runAsUser")) and is_id(ctx.get("runAsGroup")) and is_id(ctx.get("fsGroup"))) or \
            not _flags(ctx, ("runAsNonRoot",)):
        return False
    groups = ctx.get("supplementalGroups")
    if groups is not None and (type(groups) is not list or not all(type(g) is int and is_id(g) for g in groups)):
        return False
    for key, choices in _POD_CTX_CHOICES:
        if ctx.get(key) not in choices:
            return False
    return _profiles(ctx)

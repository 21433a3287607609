"""allowedUnsafeSysctls and forbiddenSysctls (upstream sysctl/mustmatchpatterns.go, 1.22+)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..pss.text import go_quote
from .fielderrors import FieldError, Path, forbidden
from .podshape import pod_context
from .policy import PodSecurityPolicy

SAFE_SYSCTLS = (
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
)


def validate(psp: PodSecurityPolicy, pod: Mapping[str, Any]) -> list[FieldError]:
    errors = []
    path = Path.of("pod", "spec", "securityContext", "sysctls")  # sic: upstream's "pod." prefix
    for i, sysctl in enumerate(pod_context(pod).get("sysctls") or ()):
        name = (sysctl or {}).get("name") or ""
        if _matches(name, psp.forbidden_sysctls):
            errors.append(forbidden(path.index(i), f"sysctl {go_quote(name)} is not allowed"))
        elif name not in SAFE_SYSCTLS and not _matches(name, psp.allowed_unsafe_sysctls):
            errors.append(forbidden(path.index(i), f"unsafe sysctl {go_quote(name)} is not allowed"))
    return errors


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    """Exact names, or ``prefix*`` patterns (a lone ``*`` matches everything)."""
    return any(name.startswith(p[:-1]) if p.endswith("*") else name == p for p in patterns)

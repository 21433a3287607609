"""allowPrivilegeEscalation (restricted, v1.8+; Windows pods exempt from v1.25).

Privilege escalation (such as via set-user-ID or set-group-ID file mode) should
not be allowed.
Restricted fields: spec.{containers,initContainers,ephemeralContainers}[*]
.securityContext.allowPrivilegeEscalation.
Allowed values: false (required).
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import containers_phrase


def allow_privilege_escalation_1_8(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    for c in spec.containers:  # the common case first: nothing to report
        if c.security_context is None or c.security_context.allow_privilege_escalation is not False:
            break
    else:
        return ALLOWED
    bad = [
        c.name for c in spec.containers
        if c.security_context is None or c.security_context.allow_privilege_escalation is not False
    ]
    return forbidden(
        "allowPrivilegeEscalation != false",
        f"{containers_phrase(bad)} must set securityContext.allowPrivilegeEscalation=false",
    )


def allow_privilege_escalation_1_25(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    if spec.os_name == "windows":
        return ALLOWED
    return allow_privilege_escalation_1_8(meta, spec)


CHECK = Check(
    "allowPrivilegeEscalation",
    Level.RESTRICTED,
    (Variant(8, allow_privilege_escalation_1_8), Variant(25, allow_privilege_escalation_1_25)),
)

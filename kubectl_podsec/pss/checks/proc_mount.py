"""procMount (baseline, v1.0+; v1.35 relaxes it for user-namespaced pods).

The default /proc masks are set up to reduce attack surface, and should be
required unless the pod is in a user namespace ("hostUsers: false").
Restricted fields: spec.containers[*].securityContext.procMount,
spec.initContainers[*].securityContext.procMount (and ephemeral containers).
Allowed values: undefined/null, "Default" (any value if hostUsers is false, v1.35+).
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import containers_phrase, join_quote


def proc_mount_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    for c in spec.containers:  # the common case first: nothing to report
        sc = c.security_context
        if sc is not None and sc.proc_mount is not None and sc.proc_mount != "Default":
            break
    else:
        return ALLOWED
    bad_containers: list[str] = []
    bad_types: set[str] = set()
    for c in spec.containers:
        sc = c.security_context
        if sc is None or sc.proc_mount is None or sc.proc_mount == "Default":
            continue
        bad_containers.append(c.name)
        bad_types.add(sc.proc_mount)
    return forbidden(
        "procMount",
        f"{containers_phrase(bad_containers)} must not set securityContext.procMount to "
        f"{join_quote(sorted(bad_types))}",
    )


def proc_mount_1_35(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    if spec.user_namespaced:
        return ALLOWED
    return proc_mount_1_0(meta, spec)


CHECK = Check(
    "procMount", Level.BASELINE, (Variant(0, proc_mount_1_0), Variant(35, proc_mount_1_35))
)

"""capabilities_baseline (baseline, v1.0+; overridden in restricted from v1.22).

Adding additional capabilities beyond the default set must be disallowed.
Restricted fields: spec.containers[*].securityContext.capabilities.add,
spec.initContainers[*].securityContext.capabilities.add (and ephemeral containers).
Allowed values: undefined/empty, AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID,
KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT.
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import containers_phrase, join_quote

ALLOWED_1_0 = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})


def capabilities_baseline_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    for c in spec.containers:  # the common case first: nothing to report
        sc = c.security_context
        if sc is not None and sc.capabilities is not None and not ALLOWED_1_0.issuperset(sc.capabilities.add):
            break
    else:
        return ALLOWED
    bad_containers: list[str] = []
    bad_caps: set[str] = set()
    for c in spec.containers:
        sc = c.security_context
        if sc is None or sc.capabilities is None:
            continue
        extra = [cap for cap in sc.capabilities.add if cap not in ALLOWED_1_0]
        if extra:
            bad_containers.append(c.name)
            bad_caps.update(extra)
    return forbidden(
        "non-default capabilities",
        f"{containers_phrase(bad_containers)} must not include "
        f"{join_quote(sorted(bad_caps))} in securityContext.capabilities.add",
    )


CHECK = Check("capabilities_baseline", Level.BASELINE, (Variant(0, capabilities_baseline_1_0),))

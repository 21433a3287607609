"""sysctls (baseline; the safe set grows in v1.27, v1.29, v1.32 and v1.37).

Sysctls can disable security mechanisms or affect all containers on a host, and
should be disallowed except for an allowed "safe" subset: namespaced in the
container or the pod, and isolated from other pods or processes on the node.
Restricted fields: spec.securityContext.sysctls[*].name.
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckFn, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec

ALLOWED_1_0 = frozenset({
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
})
ALLOWED_1_27 = ALLOWED_1_0 | {"net.ipv4.ip_local_reserved_ports"}
ALLOWED_1_29 = ALLOWED_1_27 | {
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
ALLOWED_1_32 = ALLOWED_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
ALLOWED_1_37 = ALLOWED_1_32 | {"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}


def _sysctls(allowed: frozenset[str]) -> CheckFn:
    def check(meta: PodMetadata, spec: PodSpec) -> CheckResult:
        if spec.security_context is None or not spec.security_context.sysctls:
            return ALLOWED
        # In spec order, neither sorted nor de-duplicated nor quoted.
        bad = [name for name in spec.security_context.sysctls if name not in allowed]
        return forbidden("forbidden sysctls", ", ".join(bad)) if bad else ALLOWED

    return check


sysctls_1_0 = _sysctls(ALLOWED_1_0)
sysctls_1_27 = _sysctls(ALLOWED_1_27)
sysctls_1_29 = _sysctls(ALLOWED_1_29)
sysctls_1_32 = _sysctls(ALLOWED_1_32)
sysctls_1_37 = _sysctls(ALLOWED_1_37)

CHECK = Check(
    "sysctls",
    Level.BASELINE,
    (
        Variant(0, sysctls_1_0),
        Variant(27, sysctls_1_27),
        Variant(29, sysctls_1_29),
        Variant(32, sysctls_1_32),
        Variant(37, sysctls_1_37),
    ),
)

"""hostNamespaces (baseline, v1.0+).

Sharing the host namespaces must be disallowed.
Restricted fields: spec.hostNetwork, spec.hostPID, spec.hostIPC.
Allowed values: undefined/null, false.
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec


def host_namespaces_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    if not (spec.host_network or spec.host_pid or spec.host_ipc):
        return ALLOWED
    flags = [
        f"{name}=true"
        for name, on in (
            ("hostNetwork", spec.host_network),
            ("hostPID", spec.host_pid),
            ("hostIPC", spec.host_ipc),
        )
        if on
    ]
    return forbidden("host namespaces", ", ".join(flags))


CHECK = Check("hostNamespaces", Level.BASELINE, (Variant(0, host_namespaces_1_0),))

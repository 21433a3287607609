"""hostPorts (baseline, v1.0+).

HostPorts should be disallowed entirely (recommended) or restricted to a known list.
Restricted fields: spec.containers[*].ports[*].hostPort,
spec.initContainers[*].ports[*].hostPort (and ephemeral containers).
Allowed values: undefined/0.
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import containers_phrase, pluralize


def host_ports_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    for c in spec.containers:  # the common case first: nothing to report
        if any(c.host_ports):
            break
    else:
        return ALLOWED
    bad_containers: list[str] = []
    ports: set[str] = set()
    for c in spec.containers:
        used = [str(p) for p in c.host_ports if p != 0]
        if used:
            bad_containers.append(c.name)
            ports.update(used)
    # Ports are sorted as strings, as upstream's string set does.
    return forbidden(
        "hostPort",
        f"{containers_phrase(bad_containers)} {pluralize('uses', 'use', bad_containers)} "
        f"{pluralize('hostPort', 'hostPorts', ports)} {', '.join(sorted(ports))}",
    )


CHECK = Check("hostPorts", Level.BASELINE, (Variant(0, host_ports_1_0),))

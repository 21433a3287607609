"""hostProbesAndHostLifecycle (baseline, v1.34+).

Probes and lifecycle handlers must not point at another host.
Restricted fields: spec.containers[*].{livenessProbe,readinessProbe,startupProbe}
.{httpGet,tcpSocket}.host and spec.containers[*].lifecycle.{postStart,preStop}
.{httpGet,tcpSocket}.host (and init and ephemeral containers).
Allowed values: undefined/"".
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import containers_phrase, join_quote, pluralize


def host_probes_and_host_lifecycle_1_34(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    for c in spec.containers:  # the common case first: nothing to report
        if c.probe_hosts:
            break
    else:
        return ALLOWED
    containers: set[str] = set()
    hosts: set[str] = set()
    for c in spec.containers:
        if c.probe_hosts:
            containers.add(c.name)
            hosts.update(c.probe_hosts)
    # Unlike every other check, container names are de-duplicated and sorted here.
    return forbidden(
        "probe or lifecycle host",
        f"{containers_phrase(sorted(containers))} {pluralize('uses', 'use', containers)} "
        f"{pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hosts)} "
        f"{join_quote(sorted(hosts))}",
    )


CHECK = Check(
    "hostProbesAndHostLifecycle",
    Level.BASELINE,
    (Variant(34, host_probes_and_host_lifecycle_1_34),),
)

"""windowsHostProcess (baseline, v1.0+).

Pod and containers must not set securityContext.windowsOptions.hostProcess to true.
Restricted fields: spec.securityContext.windowsOptions.hostProcess and
spec.{containers,initContainers}[*].securityContext.windowsOptions.hostProcess.
Allowed values: undefined/false.
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import containers_phrase, setters


def windows_host_process_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    psc = spec.security_context
    pod_bad = psc is not None and psc.windows_host_process is True
    for c in spec.containers:  # the common case first: nothing to report
        if c.security_context is not None and c.security_context.windows_host_process is True:
            break
    else:
        if not pod_bad:
            return ALLOWED
    bad = [
        c.name for c in spec.containers
        if c.security_context is not None and c.security_context.windows_host_process is True
    ]
    return forbidden(
        "hostProcess",
        f"{setters('pod' if pod_bad else '', containers_phrase(bad))} "
        "must not set securityContext.windowsOptions.hostProcess=true",
    )


CHECK = Check("windowsHostProcess", Level.BASELINE, (Variant(0, windows_host_process_1_0),))

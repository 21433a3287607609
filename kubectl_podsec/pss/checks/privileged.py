"""privileged (baseline, v1.0+).

Privileged Pods disable most security mechanisms and must be disallowed.
Restricted fields: spec.containers[*].securityContext.privileged,
spec.initContainers[*].securityContext.privileged (and ephemeral containers).
Allowed values: undefined/null, false.
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import containers_phrase


def privileged_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    for c in spec.containers:  # the common case first: nothing to report
        if c.security_context is not None and c.security_context.privileged is True:
            break
    else:
        return ALLOWED
    bad = [
        c.name for c in spec.containers
        if c.security_context is not None and c.security_context.privileged is True
    ]
    return forbidden(
        "privileged", f"{containers_phrase(bad)} must not set securityContext.privileged=true"
    )


CHECK = Check("privileged", Level.BASELINE, (Variant(0, privileged_1_0),))

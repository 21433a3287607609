"""runAsUser (restricted, v1.23+; relaxed for user-namespaced pods from v1.35).

Containers must not set runAsUser to 0, unless the pod is in a user namespace.
Restricted fields: spec.securityContext.runAsUser and
spec.{containers,initContainers,ephemeralContainers}[*].securityContext.runAsUser.
Allowed values: any non-zero value, undefined/null.
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import containers_phrase, setters


def run_as_user_1_23(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    psc = spec.security_context
    pod_bad = psc is not None and psc.run_as_user == 0
    for c in spec.containers:  # the common case first: nothing to report
        if c.security_context is not None and c.security_context.run_as_user == 0:
            break
    else:
        if not pod_bad:
            return ALLOWED
    bad = [
        c.name for c in spec.containers
        if c.security_context is not None and c.security_context.run_as_user == 0
    ]
    who = setters("pod" if pod_bad else "", containers_phrase(bad))
    return forbidden("runAsUser=0", f"{who} must not set runAsUser=0")


def run_as_user_1_35(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    if spec.user_namespaced:
        return ALLOWED
    return run_as_user_1_23(meta, spec)


CHECK = Check(
    "runAsUser", Level.RESTRICTED, (Variant(23, run_as_user_1_23), Variant(35, run_as_user_1_35))
)

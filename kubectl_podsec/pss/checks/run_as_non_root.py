"""runAsNonRoot (restricted, v1.0+; relaxed for user-namespaced pods from v1.35).

Containers must be required to run as non-root users, unless the pod is in a
user namespace ("hostUsers: false").
Restricted fields: spec.securityContext.runAsNonRoot and
spec.{containers,initContainers,ephemeralContainers}[*].securityContext.runAsNonRoot.
Allowed values: true; undefined/null at container level if the pod sets true.
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import containers_phrase, setters

REASON = "runAsNonRoot != true"


def run_as_non_root_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    psc = spec.security_context
    pod_value = None if psc is None else psc.run_as_non_root
    for c in spec.containers:  # the common case first: nothing to report
        value = None if c.security_context is None else c.security_context.run_as_non_root
        if value is False or (value is None and pod_value is not True):
            break
    else:
        if pod_value is not False:
            return ALLOWED
    explicit: list[str] = []
    implicit: list[str] = []
    for c in spec.containers:
        value = None if c.security_context is None else c.security_context.run_as_non_root
        if value is False:
            explicit.append(c.name)
        elif value is None and pod_value is not True:
            implicit.append(c.name)
    if pod_value is False or explicit:
        who = setters("pod" if pod_value is False else "", containers_phrase(explicit))
        return forbidden(REASON, f"{who} must not set securityContext.runAsNonRoot=false")
    return forbidden(
        REASON, f"pod or {containers_phrase(implicit)} must set securityContext.runAsNonRoot=true"
    )


def run_as_non_root_1_35(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    if spec.user_namespaced:
        return ALLOWED
    return run_as_non_root_1_0(meta, spec)


CHECK = Check(
    "runAsNonRoot",
    Level.RESTRICTED,
    (Variant(0, run_as_non_root_1_0), Variant(35, run_as_non_root_1_35)),
)

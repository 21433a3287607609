"""seccompProfile_restricted (restricted, v1.19+; overrides seccompProfile_baseline).

Seccomp profile must be explicitly set to one of the allowed values. Both the
Unconfined profile and the absence of a profile are prohibited. Windows pods are
exempt from v1.25.
Restricted fields: spec.securityContext.seccompProfile.type and
spec.{containers,initContainers,ephemeralContainers}[*].securityContext.seccompProfile.type.
Allowed values: 'RuntimeDefault', 'Localhost'; undefined/nil at container level
if the pod sets an allowed value.
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import containers_phrase, join_quote, setters
from .seccomp_profile_baseline import VALID_TYPES

OVERRIDES = ("seccompProfile_baseline",)


def seccomp_profile_restricted_1_19(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    psc = spec.security_context
    pod_type = None if psc is None else psc.seccomp_profile_type
    if pod_type is None or pod_type in VALID_TYPES:  # the common case first: nothing to report
        for c in spec.containers:
            value = None if c.security_context is None else c.security_context.seccomp_profile_type
            if (pod_type is None if value is None else value not in VALID_TYPES):
                break
        else:
            return ALLOWED
    bad_values: set[str] = set()
    pod_bad = pod_type is not None and pod_type not in VALID_TYPES
    if pod_bad:
        bad_values.add(str(pod_type))
    pod_set = pod_type is not None and not pod_bad
    explicit: list[str] = []
    implicit: list[str] = []
    for c in spec.containers:
        value = None if c.security_context is None else c.security_context.seccomp_profile_type
        if value is None:
            if not pod_set:
                implicit.append(c.name)
        elif value not in VALID_TYPES:
            explicit.append(c.name)
            bad_values.add(value)
    if pod_bad or explicit:
        return forbidden(
            "seccompProfile",
            f"{setters('pod' if pod_bad else '', containers_phrase(explicit))} must not set "
            f"securityContext.seccompProfile.type to {join_quote(sorted(bad_values))}",
        )
    return forbidden(
        "seccompProfile",
        f"pod or {containers_phrase(implicit)} must set securityContext.seccompProfile.type "
        'to "RuntimeDefault" or "Localhost"',
    )


def seccomp_profile_restricted_1_25(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    if spec.os_name == "windows":
        return ALLOWED
    return seccomp_profile_restricted_1_19(meta, spec)


CHECK = Check(
    "seccompProfile_restricted",
    Level.RESTRICTED,
    (
        Variant(19, seccomp_profile_restricted_1_19, overrides=OVERRIDES),
        Variant(25, seccomp_profile_restricted_1_25, overrides=OVERRIDES),
    ),
)

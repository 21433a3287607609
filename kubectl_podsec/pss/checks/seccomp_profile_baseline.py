"""seccompProfile_baseline (baseline; annotations until v1.18, fields from v1.19).

If seccomp profiles are specified, only runtime default and localhost profiles
are allowed.
v1.0-v1.18: metadata.annotations['seccomp.security.alpha.kubernetes.io/pod'] and
metadata.annotations['container.seccomp.security.alpha.kubernetes.io/*'];
allowed: 'runtime/default', 'docker/default', 'localhost/*', undefined.
v1.19+: spec.securityContext.seccompProfile.type and
spec.{containers,initContainers}[*].securityContext.seccompProfile.type;
allowed: 'RuntimeDefault', 'Localhost', undefined.
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import containers_phrase, go_quote, join_quote, pluralize, setters

POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
VALID_TYPES = frozenset({"RuntimeDefault", "Localhost"})


def _valid_annotation(value: str) -> bool:
    return value in ("runtime/default", "docker/default") or value.startswith("localhost/")


def seccomp_profile_baseline_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    keys = [POD_ANNOTATION] + [CONTAINER_ANNOTATION_PREFIX + c.name for c in spec.containers]
    bad = {
        f"{key}={go_quote(meta.annotations[key])}"
        for key in keys
        if key in meta.annotations and not _valid_annotation(meta.annotations[key])
    }
    if not bad:
        return ALLOWED
    return forbidden(
        "seccompProfile",
        f"forbidden {pluralize('annotation', 'annotations', bad)} {', '.join(sorted(bad))}",
    )


def seccomp_profile_baseline_1_19(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    bad_values: set[str] = set()
    psc = spec.security_context
    pod_bad = False
    if psc is not None and psc.seccomp_profile_type is not None:
        if psc.seccomp_profile_type not in VALID_TYPES:
            pod_bad = True
            bad_values.add(psc.seccomp_profile_type)
    bad: list[str] = []
    for c in spec.containers:
        sc = c.security_context
        if sc is not None and sc.seccomp_profile_type is not None:
            if sc.seccomp_profile_type not in VALID_TYPES:
                bad.append(c.name)
                bad_values.add(sc.seccomp_profile_type)
    if not pod_bad and not bad:
        return ALLOWED
    return forbidden(
        "seccompProfile",
        f"{setters('pod' if pod_bad else '', containers_phrase(bad))} must not set "
        f"securityContext.seccompProfile.type to {join_quote(sorted(bad_values))}",
    )


CHECK = Check(
    "seccompProfile_baseline",
    Level.BASELINE,
    (Variant(0, seccomp_profile_baseline_1_0), Variant(19, seccomp_profile_baseline_1_19)),
)

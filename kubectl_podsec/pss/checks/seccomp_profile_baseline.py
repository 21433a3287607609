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
from ..profiles import bad_profiles
from ..text import containers_phrase, go_quote, join_quote, pluralize, setters

POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
VALID_TYPES = frozenset({"RuntimeDefault", "Localhost"})


def _valid_annotation(value: str) -> bool:
    return value in ("runtime/default", "docker/default") or value.startswith("localhost/")


def seccomp_profile_baseline_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    if not meta.annotations:
        return ALLOWED
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
    bad = bad_profiles(spec, "seccomp_profile_type", VALID_TYPES)
    if bad is None:
        return ALLOWED
    return forbidden(
        "seccompProfile",
        f"{setters('pod' if bad.pod else '', containers_phrase(bad.containers))} must not set "
        f"securityContext.seccompProfile.type to {join_quote(sorted(bad.types))}",
    )


CHECK = Check(
    "seccompProfile_baseline",
    Level.BASELINE,
    (Variant(0, seccomp_profile_baseline_1_0), Variant(19, seccomp_profile_baseline_1_19)),
)

"""appArmorProfile (baseline, v1.0+).

On supported hosts the 'runtime/default' AppArmor profile is applied by default;
the baseline policy prevents overriding or disabling it, or restricts overrides
to an allowed set of profiles.
Restricted fields: metadata.annotations['container.apparmor.security.beta.kubernetes.io/*']
(allowed: 'runtime/default', 'localhost/*', empty, undefined) and
spec.securityContext.appArmorProfile.type,
spec.{containers,initContainers,ephemeralContainers}[*].securityContext.appArmorProfile.type
(allowed: 'RuntimeDefault', 'Localhost', undefined).
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..profiles import BadProfiles, bad_profiles
from ..text import containers_phrase, go_quote, join_quote, pluralize, setters

ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
VALID_TYPES = frozenset({"RuntimeDefault", "Localhost"})


def _valid_annotation(value: str) -> bool:
    return value in ("", "runtime/default") or value.startswith("localhost/")


def app_armor_profile_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    bad = bad_profiles(spec, "app_armor_profile_type", VALID_TYPES)
    annotations = sorted(
        f"{key}={go_quote(value)}"
        for key, value in meta.annotations.items()
        if key.startswith(ANNOTATION_PREFIX) and not _valid_annotation(value)
    ) if meta.annotations else []
    if bad is None:
        if not annotations:
            return ALLOWED
        bad = BadProfiles(False, [], set())
    values = sorted(bad.types) + annotations
    annotation_setter = pluralize("annotation", "annotations", annotations) if annotations else ""
    return forbidden(
        pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", values),
        f"{setters('pod' if bad.pod else '', containers_phrase(bad.containers), annotation_setter)} "
        f"must not set AppArmor profile type to {join_quote(values)}",
    )


CHECK = Check("appArmorProfile", Level.BASELINE, (Variant(0, app_armor_profile_1_0),))

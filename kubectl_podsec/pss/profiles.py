"""Which parts of a pod set a profile type (seccomp, AppArmor) outside an allowed set."""

from __future__ import annotations

from typing import NamedTuple

from .podspec import PodSpec


class BadProfiles(NamedTuple):
    pod: bool  # the pod-level profile has a forbidden type
    containers: list[str]  # containers whose own profile has a forbidden type
    types: set[str]  # the forbidden types found


def bad_profiles(spec: PodSpec, field: str, valid: frozenset[str]) -> BadProfiles | None:
    """`field` is the profile-type attribute of both security contexts, e.g.
    "seccomp_profile_type"; a profile that is absent is never bad here. None
    when no part sets a forbidden type (the common case, found first)."""
    pod_type: str | None = (None if spec.security_context is None
                            else getattr(spec.security_context, field))
    pod_bad = pod_type is not None and pod_type not in valid
    if not pod_bad:
        for c in spec.containers:
            value = None if c.security_context is None else getattr(c.security_context, field)
            if value is not None and value not in valid:
                break
        else:
            return None
    types: set[str] = set()
    if pod_type is not None and pod_bad:
        types.add(pod_type)
    containers = []
    for c in spec.containers:
        value = None if c.security_context is None else getattr(c.security_context, field)
        if value is not None and value not in valid:
            containers.append(c.name)
            types.add(value)
    return BadProfiles(pod_bad, containers, types)

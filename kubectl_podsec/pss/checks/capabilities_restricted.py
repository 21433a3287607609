"""capabilities_restricted (restricted, v1.22+; overrides capabilities_baseline).

Containers must drop ALL capabilities, and are only permitted to add back the
NET_BIND_SERVICE capability. Windows pods are exempt from v1.25.
Restricted fields: spec.{containers,initContainers,ephemeralContainers}[*]
.securityContext.capabilities.drop (must include ALL) and .capabilities.add
(undefined/empty or NET_BIND_SERVICE).
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import containers_phrase, join_quote

OVERRIDES = ("capabilities_baseline",)
ADDABLE = frozenset({"NET_BIND_SERVICE"})


def capabilities_restricted_1_22(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    for c in spec.containers:  # the common case first: nothing to report
        sc = c.security_context
        if (sc is None or sc.capabilities is None or "ALL" not in sc.capabilities.drop
                or not ADDABLE.issuperset(sc.capabilities.add)):
            break
    else:
        return ALLOWED
    missing_drop: list[str] = []
    adding: list[str] = []
    bad_caps: set[str] = set()
    for c in spec.containers:
        sc = c.security_context
        if sc is None or sc.capabilities is None:
            missing_drop.append(c.name)
            continue
        if "ALL" not in sc.capabilities.drop:
            missing_drop.append(c.name)
        extra = [cap for cap in sc.capabilities.add if cap != "NET_BIND_SERVICE"]
        if extra:
            adding.append(c.name)
            bad_caps.update(extra)
    details = []
    if missing_drop:
        details.append(
            f'{containers_phrase(missing_drop)} must set securityContext.capabilities.drop=["ALL"]'
        )
    if adding:
        details.append(
            f"{containers_phrase(adding)} must not include {join_quote(sorted(bad_caps))} "
            "in securityContext.capabilities.add"
        )
    return forbidden("unrestricted capabilities", "; ".join(details))


def capabilities_restricted_1_25(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    if spec.os_name == "windows":
        return ALLOWED
    return capabilities_restricted_1_22(meta, spec)


CHECK = Check(
    "capabilities_restricted",
    Level.RESTRICTED,
    (
        Variant(22, capabilities_restricted_1_22, overrides=OVERRIDES),
        Variant(25, capabilities_restricted_1_25, overrides=OVERRIDES),
    ),
)

"""Update strategies of Deployments, DaemonSets and StatefulSets after apps/v1 defaulting: the
valid shapes are recognised, anything that could fail is doubted (no error is claimed)."""

from __future__ import annotations

import re

from .field import FieldError, forbidden
from .source import Json, Reader

_PERCENT = re.compile(r"^[0-9]+%$")


def _int_or_percent(value: object) -> tuple[int, bool] | None:
    """(value, is_percent) for a valid non-negative int or percentage, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31:
        return value, False
    if isinstance(value, str) and _PERCENT.match(value):
        return int(value[:-1]), True
    return None


def _within_100(parsed: tuple[int, bool]) -> bool:
    return not parsed[1] or parsed[0] <= 100


def deployment(r: Reader, strategy: Json | None) -> list[FieldError]:
    """ValidateDeploymentStrategy."""
    strategy = strategy or {}
    r.only(strategy, ("type", "rollingUpdate"), "spec.strategy")
    kind = r.string(strategy, "type", "spec.strategy") or "RollingUpdate"
    rolling = r.obj(strategy, "rollingUpdate", "spec.strategy")
    if kind == "Recreate":
        if rolling is not None:
            return [forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")]
        return []
    rolling = rolling or {}
    r.only(rolling, ("maxUnavailable", "maxSurge"), "spec.strategy.rollingUpdate")
    unavailable = _int_or_percent(rolling.get("maxUnavailable", "25%"))
    surge = _int_or_percent(rolling.get("maxSurge", "25%"))
    if kind != "RollingUpdate" or unavailable is None or surge is None or not _within_100(unavailable) \
            or (unavailable[0] == 0 and surge[0] == 0):
        r.doubt("spec.strategy: this strategy is not modelled")
    return []


def daemon_set(r: Reader, strategy: Json | None) -> None:
    """ValidateDaemonSetUpdateStrategy."""
    strategy = strategy or {}
    r.only(strategy, ("type", "rollingUpdate"), "spec.updateStrategy")
    kind = r.string(strategy, "type", "spec.updateStrategy") or "RollingUpdate"
    if kind == "OnDelete":
        return
    rolling = r.obj(strategy, "rollingUpdate", "spec.updateStrategy") or {}
    r.only(rolling, ("maxUnavailable", "maxSurge"), "spec.updateStrategy.rollingUpdate")
    unavailable = _int_or_percent(rolling.get("maxUnavailable", 1))
    surge = _int_or_percent(rolling.get("maxSurge", 0))
    if kind != "RollingUpdate" or unavailable is None or surge is None or not _within_100(unavailable) \
            or not _within_100(surge) or (unavailable[0] != 0) == (surge[0] != 0):
        r.doubt("spec.updateStrategy: this strategy is not modelled")


def stateful_set(r: Reader, spec: Json) -> None:
    """The update strategy and the claim retention policy of a StatefulSet."""
    strategy = r.obj(spec, "updateStrategy", "spec") or {}
    r.only(strategy, ("type", "rollingUpdate"), "spec.updateStrategy")
    kind = r.string(strategy, "type", "spec.updateStrategy") or "RollingUpdate"
    rolling = r.obj(strategy, "rollingUpdate", "spec.updateStrategy")
    partition = (rolling or {}).get("partition", 0)
    if kind not in ("RollingUpdate", "OnDelete") or (kind == "OnDelete" and rolling is not None) or \
            (rolling is not None and set(rolling) - {"partition"}) or \
            not (isinstance(partition, int) and not isinstance(partition, bool) and 0 <= partition < 2**31):
        r.doubt("spec.updateStrategy: this strategy is not modelled")
    policy = r.obj(spec, "persistentVolumeClaimRetentionPolicy", "spec") or {}
    r.only(policy, ("whenDeleted", "whenScaled"), "spec.persistentVolumeClaimRetentionPolicy")
    for key in ("whenDeleted", "whenScaled"):
        if r.string(policy, key, "spec.persistentVolumeClaimRetentionPolicy") not in ("", "Retain", "Delete"):
            r.doubt(f"spec.persistentVolumeClaimRetentionPolicy.{key}: not modelled")

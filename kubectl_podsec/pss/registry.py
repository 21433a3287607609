"""The explicit list of checks, validated and precomputed per policy version.

Never discovered by importing modules by name: the tuple below is the registry
(which also keeps it intact when frozen into a binary).
"""

from __future__ import annotations

from typing import NamedTuple

from .check import Check, CheckFn
from .checks import (
    allow_privilege_escalation,
    app_armor_profile,
    capabilities_baseline,
    capabilities_restricted,
    host_namespaces,
    host_path_volumes,
    host_ports,
    host_probes_and_host_lifecycle,
    privileged,
    proc_mount,
    proc_mount_restricted,
    restricted_volumes,
    run_as_non_root,
    run_as_user,
    se_linux_options,
    seccomp_profile_baseline,
    seccomp_profile_restricted,
    sysctls,
    windows_host_process,
)
from .levels import Level

_MODULES = (
    allow_privilege_escalation,
    app_armor_profile,
    capabilities_baseline,
    capabilities_restricted,
    host_namespaces,
    host_path_volumes,
    host_ports,
    host_probes_and_host_lifecycle,
    privileged,
    proc_mount,
    proc_mount_restricted,
    restricted_volumes,
    run_as_non_root,
    run_as_user,
    se_linux_options,
    seccomp_profile_baseline,
    seccomp_profile_restricted,
    sysctls,
    windows_host_process,
)
CHECKS: tuple[Check, ...] = tuple(m.CHECK for m in _MODULES)
# Each check module's docstring quotes what the standard restricts.
DESCRIPTIONS: dict[str, str] = {m.CHECK.id: (m.__doc__ or m.CHECK.id).strip() for m in _MODULES}


class RegistryError(Exception):
    pass


def validate(checks: tuple[Check, ...]) -> None:
    """The same rules upstream's registry enforces before it will evaluate anything."""
    levels: dict[str, Level] = {}
    for check in checks:
        if check.id in levels:
            raise RegistryError(f"multiple checks registered for ID {check.id}")
        levels[check.id] = check.level
        if check.level not in (Level.BASELINE, Level.RESTRICTED):
            raise RegistryError(f"check {check.id}: invalid level {check.level}")
        if not check.variants:
            raise RegistryError(f"check {check.id}: empty")
        minimums = [v.minimum for v in check.variants]
        if minimums[0] < 0:
            raise RegistryError(f"check {check.id}: undefined version found")
        for a, b in zip(minimums, minimums[1:]):
            if a == b:
                raise RegistryError(f"check {check.id}: duplicate version v1.{b}")
            if b < a:
                raise RegistryError(f"check {check.id}: versions must be strictly increasing")
    for check in checks:
        for variant in check.variants:
            if variant.overrides and check.level is not Level.RESTRICTED:
                raise RegistryError(f"check {check.id}: only restricted checks may set overrides")
            for target in variant.overrides:
                if levels.get(target, Level.BASELINE) is not Level.BASELINE:
                    raise RegistryError(f"check {check.id}: overrides restricted check {target}")


class OrderedCheck(NamedTuple):
    id: str
    check: CheckFn


class Registry:
    """The checks of each level at every v1.<minor> up to `max_minor`, in message
    order; each table is computed on first use (start-up stays fast)."""

    def __init__(self, checks: tuple[Check, ...], skipped: frozenset[str] = frozenset()) -> None:
        validate(checks)
        self.checks = checks
        # Left out of every level's list after overrides are applied: a skipped
        # restricted check does not bring back the baseline check it overrides.
        self.skipped = skipped
        # With no checks at all every pod is allowed, as upstream's empty registry does.
        self.max_minor = max((c.variants[-1].minimum for c in checks), default=0)
        # Keyed by (level name, minor): str and int hash in C, an enum member does not.
        self._tables: dict[tuple[str, int], tuple[OrderedCheck, ...]] = {}

    def checks_for(self, level: Level, minor: int) -> tuple[OrderedCheck, ...]:
        key = (level.value, minor)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = tuple(
                entry for entry in _checks_at(self.checks, level, minor) if entry.id not in self.skipped)
        return table

    def without(self, skipped: frozenset[str]) -> Registry:
        """The same checks with these IDs left out (a level minus chosen checks)."""
        return Registry(self.checks, self.skipped | skipped)


def _checks_at(checks: tuple[Check, ...], level: Level, minor: int) -> tuple[OrderedCheck, ...]:
    # Baseline IDs first, then restricted, each sorted byte-wise; overridden ones dropped.
    chosen = {}
    overridden: set[str] = set()
    for check in checks:
        variant = check.variant_at(minor)
        if variant is None or check.level.strictness > level.strictness:
            continue
        chosen[check.id] = (check.level, variant.check)
        if level is Level.RESTRICTED:
            overridden.update(variant.overrides)
    order = sorted(chosen, key=lambda cid: (chosen[cid][0].strictness, cid))
    return tuple(OrderedCheck(cid, chosen[cid][1]) for cid in order if cid not in overridden)


def build(checks: tuple[Check, ...] = CHECKS) -> Registry:
    return Registry(checks)


REGISTRY = build()
NEWEST_MINOR = REGISTRY.max_minor

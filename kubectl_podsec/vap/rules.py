"""Which CEL rule stands for which engine variant, and the rules of a level:version.

The table is keyed by the engine's own variant functions, so the policy takes
its checks, their order and their overrides from the engine's registry; a new
variant in the engine without a CEL form here is an error, never a silent gap.
"""

from __future__ import annotations

from collections.abc import Callable

from ..pss.check import CheckFn
from ..pss.checks import (
    allow_privilege_escalation as ape, app_armor_profile, capabilities_baseline,
    capabilities_restricted as caps, host_namespaces, host_path_volumes, host_ports,
    host_probes_and_host_lifecycle as probes, privileged, proc_mount, restricted_volumes,
    run_as_non_root as ranr, run_as_user as rau, se_linux_options as selinux,
    seccomp_profile_baseline as seccomp_b, seccomp_profile_restricted as seccomp_r, sysctls,
    windows_host_process,
)
from ..pss.levels import Level
from ..pss.registry import REGISTRY
from . import rules_baseline as b
from . import rules_restricted as r
from .rule import Rule

RULES: dict[CheckFn, Callable[[str], Rule]] = {
    app_armor_profile.app_armor_profile_1_0: b.app_armor_profile_1_0,
    capabilities_baseline.capabilities_baseline_1_0: b.capabilities_baseline_1_0,
    host_namespaces.host_namespaces_1_0: b.host_namespaces_1_0,
    host_path_volumes.host_path_volumes_1_0: b.host_path_volumes_1_0,
    host_ports.host_ports_1_0: b.host_ports_1_0,
    probes.host_probes_and_host_lifecycle_1_34: b.host_probes_and_host_lifecycle_1_34,
    privileged.privileged_1_0: b.privileged_1_0,
    proc_mount.proc_mount_1_0: b.proc_mount_1_0,  # also procMount_restricted's only variant
    proc_mount.proc_mount_1_35: b.proc_mount_1_35,
    selinux.se_linux_options_1_0: b.se_linux_options(selinux.TYPES_1_0),
    selinux.se_linux_options_1_31: b.se_linux_options(selinux.TYPES_1_31),
    seccomp_b.seccomp_profile_baseline_1_0: b.seccomp_profile_baseline_1_0,
    seccomp_b.seccomp_profile_baseline_1_19: b.seccomp_profile_baseline_1_19,
    sysctls.sysctls_1_0: b.sysctls(sysctls.ALLOWED_1_0),
    sysctls.sysctls_1_27: b.sysctls(sysctls.ALLOWED_1_27),
    sysctls.sysctls_1_29: b.sysctls(sysctls.ALLOWED_1_29),
    sysctls.sysctls_1_32: b.sysctls(sysctls.ALLOWED_1_32),
    sysctls.sysctls_1_37: b.sysctls(sysctls.ALLOWED_1_37),
    windows_host_process.windows_host_process_1_0: b.windows_host_process_1_0,
    ape.allow_privilege_escalation_1_8: r.allow_privilege_escalation_1_8,
    ape.allow_privilege_escalation_1_25: r.exempting(r.WINDOWS, r.allow_privilege_escalation_1_8),
    caps.capabilities_restricted_1_22: r.capabilities_restricted_1_22,
    caps.capabilities_restricted_1_25: r.exempting(r.WINDOWS, r.capabilities_restricted_1_22),
    restricted_volumes.restricted_volumes_1_0: r.restricted_volumes_1_0,
    ranr.run_as_non_root_1_0: r.run_as_non_root_1_0,
    ranr.run_as_non_root_1_35: r.exempting(r.USER_NAMESPACED, r.run_as_non_root_1_0),
    rau.run_as_user_1_23: r.run_as_user_1_23,
    rau.run_as_user_1_35: r.exempting(r.USER_NAMESPACED, r.run_as_user_1_23),
    seccomp_r.seccomp_profile_restricted_1_19: r.seccomp_profile_restricted_1_19,
    seccomp_r.seccomp_profile_restricted_1_25: r.exempting(r.WINDOWS, r.seccomp_profile_restricted_1_19),
}


class MissingRule(Exception):
    """An engine variant has no CEL form (a new upstream variant not yet translated)."""


def checks_in_force(level: Level, minor: int) -> tuple[str, ...]:
    """The check IDs the engine evaluates at level:v1.<minor>, in message order."""
    return tuple(entry.id for entry in REGISTRY.checks_for(level, minor))


def rules_for(level: Level, minor: int, skipped: frozenset[str] = frozenset()) -> tuple[Rule, ...]:
    """One rule per check in force at level:v1.<minor> but not skipped, in the
    engine's order (so the first failing validation is PSA's first reason)."""
    found = []
    for entry in REGISTRY.checks_for(level, minor):
        if entry.id in skipped:
            continue
        builder = RULES.get(entry.check)
        if builder is None:
            raise MissingRule(f"no CEL form for {entry.id} at v1.{minor}")
        found.append(builder(entry.id))
    return tuple(found)

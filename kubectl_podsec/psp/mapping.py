"""The Pod Security Standard a PodSecurityPolicy is equivalent to (specs/psp.md §4).

Source: the official "Mapping PodSecurityPolicies to Pod Security Standards" table.  A PSP
is ``restricted`` when every restricted cell holds, else ``baseline`` when every baseline
cell holds, else ``privileged``.  Fields the table has no opinion on are not examined.
Where the table leaves room, the rule is "could this PSP admit a pod the level forbids?":

* seLinux is read strictly: RunAsAny fails baseline, as the table says;
* seccomp: no ``allowedProfileNames`` annotation means pods may not set a profile at all,
  which baseline accepts and restricted does not; ``docker/default`` counts as
  ``runtime/default`` (upstream treats them as one);
* AppArmor: no annotation means any profile, ``unconfined`` included, so it fails both
  levels; an empty entry (trailing comma) is harmless because the PSP code demands a
  profile whenever the list exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..pss.levels import Level  # the levels the rest of the tool speaks
from .policy import (
    APPARMOR_ALLOWED,
    MUST_RUN_AS,
    MUST_RUN_AS_NON_ROOT,
    SECCOMP_ALLOWED,
    PodSecurityPolicy,
    parse_policy,
    provider_errors,
)

BASELINE_CAPABILITIES = ("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
                         "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID",
                         "SYS_CHROOT")
RESTRICTED_VOLUMES = ("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                      "persistentVolumeClaim", "projected", "secret")
SELINUX_TYPES = ("container_t", "container_init_t", "container_kvm_t")
_DEFAULT_PROFILES = ("runtime/default", "docker/default")


@dataclass(frozen=True)
class Finding:
    """A table cell the policy fails: ``field`` holds ``found`` but ``level`` needs ``required``."""

    field: str
    found: str  # the value as compact JSON, or "unset"
    required: str
    level: Level


@dataclass(frozen=True)
class PolicyMapping:
    policy: str
    level: Level
    findings: tuple[Finding, ...]  # every failed cell, in table order
    unusable: tuple[str, ...] = ()  # provider errors: admission never uses this policy

    @property
    def blockers(self) -> tuple[Finding, ...]:
        """The findings that keep the policy from the next stricter level."""
        target = {Level.PRIVILEGED: Level.BASELINE, Level.BASELINE: Level.RESTRICTED}.get(self.level)
        return tuple(f for f in self.findings if f.level is target)


def map_policy(policy: PodSecurityPolicy | Mapping[str, Any]) -> PolicyMapping:
    """Map one PSP (a dict or a parsed policy) to its strictest equivalent level."""
    psp = policy if isinstance(policy, PodSecurityPolicy) else parse_policy(policy)
    findings = tuple(f for row in _ROWS for f in row(psp))
    levels = {f.level for f in findings}
    level = (Level.PRIVILEGED if Level.BASELINE in levels
             else Level.BASELINE if Level.RESTRICTED in levels else Level.RESTRICTED)
    return PolicyMapping(psp.name, level, findings, provider_errors(psp))


def _show(value: Any) -> str:
    return "unset" if value is None else json.dumps(value, separators=(", ", ": "))


def _both(field: str, found: Any, required: str) -> Iterator[Finding]:
    """A cell that reads "Baseline & Restricted": failing it fails both levels."""
    yield Finding(field, _show(found), required, Level.BASELINE)
    yield Finding(field, _show(found), required, Level.RESTRICTED)


def _privileged(psp: PodSecurityPolicy) -> Iterator[Finding]:
    if psp.privileged:
        yield from _both("spec.privileged", True, "false or unset")


def _capabilities(field: str, values: tuple[str, ...]) -> Iterator[Finding]:
    if any(c not in BASELINE_CAPABILITIES for c in values):
        yield Finding(field, _show(list(values)), "a subset of " + ", ".join(BASELINE_CAPABILITIES),
                      Level.BASELINE)
    if any(c != "NET_BIND_SERVICE" for c in values):
        yield Finding(field, _show(list(values)), "empty, or only NET_BIND_SERVICE", Level.RESTRICTED)


def _added_capabilities(psp: PodSecurityPolicy) -> Iterator[Finding]:
    yield from _capabilities("spec.defaultAddCapabilities", psp.default_add_capabilities)
    yield from _capabilities("spec.allowedCapabilities", psp.allowed_capabilities)


def _dropped_capabilities(psp: PodSecurityPolicy) -> Iterator[Finding]:
    if "ALL" not in psp.required_drop_capabilities:
        found = list(psp.required_drop_capabilities) or None
        yield Finding("spec.requiredDropCapabilities", _show(found), "must include ALL",
                      Level.RESTRICTED)


def _volumes(psp: PodSecurityPolicy) -> Iterator[Finding]:
    found = _show(list(psp.volumes))
    if "hostPath" in psp.volumes or "*" in psp.volumes:
        yield Finding("spec.volumes", found, "anything except hostPath and *", Level.BASELINE)
    if any(v not in RESTRICTED_VOLUMES for v in psp.volumes):
        yield Finding("spec.volumes", found, "a subset of " + ", ".join(RESTRICTED_VOLUMES),
                      Level.RESTRICTED)


def _host(psp: PodSecurityPolicy) -> Iterator[Finding]:
    if psp.host_network:
        yield from _both("spec.hostNetwork", True, "false or unset")
    if psp.host_ports:
        ports = [{"min": r.min, "max": r.max} for r in psp.host_ports]
        yield from _both("spec.hostPorts", ports, "empty or unset")
    if psp.host_pid:
        yield from _both("spec.hostPID", True, "false or unset")
    if psp.host_ipc:
        yield from _both("spec.hostIPC", True, "false or unset")


def _selinux(psp: PodSecurityPolicy) -> Iterator[Finding]:
    if psp.se_linux.rule != MUST_RUN_AS:
        yield from _both("spec.seLinux.rule", psp.se_linux.rule or None, "MustRunAs")
        return
    options = psp.se_linux.options
    if options is None:
        return
    path = "spec.seLinux.seLinuxOptions."
    if options.user:
        yield from _both(path + "user", options.user, "unset")
    if options.role:
        yield from _both(path + "role", options.role, "unset")
    if options.type and options.type not in SELINUX_TYPES:
        yield from _both(path + "type", options.type, "unset, or one of " + ", ".join(SELINUX_TYPES))


def _run_as_user(psp: PodSecurityPolicy) -> Iterator[Finding]:
    if psp.run_as_user.rule != MUST_RUN_AS_NON_ROOT:
        yield Finding("spec.runAsUser.rule", _show(psp.run_as_user.rule or None),
                      MUST_RUN_AS_NON_ROOT, Level.RESTRICTED)


def _escalation(psp: PodSecurityPolicy) -> Iterator[Finding]:
    if psp.allow_privilege_escalation:
        yield Finding("spec.allowPrivilegeEscalation", "true", "false", Level.RESTRICTED)


def _sysctls_and_proc_mount(psp: PodSecurityPolicy) -> Iterator[Finding]:
    if psp.allowed_unsafe_sysctls:
        yield from _both("spec.allowedUnsafeSysctls", list(psp.allowed_unsafe_sysctls),
                         "empty or unset")
    if any(t != "Default" for t in psp.allowed_proc_mount_types):
        yield from _both("spec.allowedProcMountTypes", list(psp.allowed_proc_mount_types),
                         'empty, or ["Default"]')


def _seccomp(psp: PodSecurityPolicy) -> Iterator[Finding]:
    field = f"metadata.annotations[{SECCOMP_ALLOWED}]"
    if psp.seccomp_allowed is None:
        yield Finding(field, "unset", "runtime/default or localhost/* profiles (no empty entry)",
                      Level.RESTRICTED)
        return
    entries = psp.seccomp_allowed.split(",")
    found = _show(psp.seccomp_allowed)
    if any(e and e not in _DEFAULT_PROFILES and not e.startswith("localhost/") for e in entries):
        yield Finding(field, found, "runtime/default or localhost/* profiles, "
                      "optionally a trailing comma to allow unset", Level.BASELINE)
    if any(e not in _DEFAULT_PROFILES and not e.startswith("localhost/") for e in entries):
        yield Finding(field, found, "runtime/default or localhost/* profiles (no empty entry)",
                      Level.RESTRICTED)


def _apparmor(psp: PodSecurityPolicy) -> Iterator[Finding]:
    field = f"metadata.annotations[{APPARMOR_ALLOWED}]"
    entries = None if psp.apparmor_allowed is None else psp.apparmor_allowed.split(",")
    if entries is None or any(e and e != "runtime/default" and not e.startswith("localhost/")
                              for e in entries):
        yield from _both(field, psp.apparmor_allowed, "runtime/default or localhost/* profiles")


_ROWS: tuple[Callable[[PodSecurityPolicy], Iterator[Finding]], ...] = (
    _privileged, _added_capabilities, _dropped_capabilities, _volumes, _host, _selinux,
    _run_as_user, _escalation, _sysctls_and_proc_mount, _seccomp, _apparmor,
)

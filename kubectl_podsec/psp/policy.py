"""A PodSecurityPolicy (policy/v1beta1) decoded into frozen values.

``parse_policy`` applies the API's only default (``allowPrivilegeEscalation: true``) and
rejects wrong-typed fields.  It does not run API validation: a PSP with an unknown rule
or a missing range decodes fine, and ``provider_errors`` then says why upstream's
provider factory (pkg/security/podsecuritypolicy/factory.go) would skip it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import PolicyDecodeError
from .fielderrors import Path
from .schema import ListOf, MapOf, Obj, Scalar, check

PSP_ANNOTATION = "kubernetes.io/psp"  # on pods: the policy that admitted them
SECCOMP_DEFAULT = "seccomp.security.alpha.kubernetes.io/defaultProfileName"
SECCOMP_ALLOWED = "seccomp.security.alpha.kubernetes.io/allowedProfileNames"
APPARMOR_DEFAULT = "apparmor.security.beta.kubernetes.io/defaultProfileName"
APPARMOR_ALLOWED = "apparmor.security.beta.kubernetes.io/allowedProfileNames"

MUST_RUN_AS = "MustRunAs"
MAY_RUN_AS = "MayRunAs"
RUN_AS_ANY = "RunAsAny"
MUST_RUN_AS_NON_ROOT = "MustRunAsNonRoot"

_S, _B = Scalar.STRING, Scalar.BOOLEAN
_RANGES = ListOf(Obj({"min": Scalar.INT64, "max": Scalar.INT64}))
_ID_STRATEGY = Obj({"rule": _S, "ranges": _RANGES})
_SE_LINUX_OPTIONS = Obj({"user": _S, "role": _S, "type": _S, "level": _S})
_SPEC = Obj({
    "privileged": _B, "hostNetwork": _B, "hostPID": _B, "hostIPC": _B,
    "defaultAddCapabilities": ListOf(_S), "requiredDropCapabilities": ListOf(_S),
    "allowedCapabilities": ListOf(_S), "volumes": ListOf(_S),
    "hostPorts": ListOf(Obj({"min": Scalar.INT32, "max": Scalar.INT32})),
    "seLinux": Obj({"rule": _S, "seLinuxOptions": _SE_LINUX_OPTIONS}),
    "runAsUser": _ID_STRATEGY, "runAsGroup": _ID_STRATEGY,
    "supplementalGroups": _ID_STRATEGY, "fsGroup": _ID_STRATEGY,
    "readOnlyRootFilesystem": _B, "defaultAllowPrivilegeEscalation": _B,
    "allowPrivilegeEscalation": _B,
    "allowedHostPaths": ListOf(Obj({"pathPrefix": _S, "readOnly": _B})),
    "allowedFlexVolumes": ListOf(Obj({"driver": _S})),
    "allowedCSIDrivers": ListOf(Obj({"name": _S})),
    "allowedUnsafeSysctls": ListOf(_S), "forbiddenSysctls": ListOf(_S),
    "allowedProcMountTypes": ListOf(_S),
    "runtimeClass": Obj({"allowedRuntimeClassNames": ListOf(_S),
                         "defaultRuntimeClassName": _S}),
})
_DOCUMENT = Obj({"kind": _S, "apiVersion": _S,
                 "metadata": Obj({"name": _S, "annotations": MapOf(_S)}), "spec": _SPEC})


@dataclass(frozen=True)
class IDRange:
    min: int
    max: int

    def __str__(self) -> str:
        return f"{{{self.min} {self.max}}}"  # Go's %v of policy.IDRange

    def contains(self, value: int) -> bool:
        return self.min <= value <= self.max


@dataclass(frozen=True)
class IDStrategy:
    """``runAsUser``, ``runAsGroup``, ``supplementalGroups`` or ``fsGroup``."""

    rule: str
    ranges: tuple[IDRange, ...] = ()

    def ranges_text(self) -> str:
        return "[" + " ".join(str(r) for r in self.ranges) + "]"  # Go's %v of []IDRange

    def allows(self, value: int) -> bool:
        return any(r.contains(value) for r in self.ranges)


@dataclass(frozen=True)
class SELinuxOptions:
    user: str = ""
    role: str = ""
    type: str = ""
    level: str = ""


@dataclass(frozen=True)
class SELinuxStrategy:
    rule: str
    options: SELinuxOptions | None = None


@dataclass(frozen=True)
class HostPath:
    path_prefix: str
    read_only: bool


@dataclass(frozen=True)
class RuntimeClassStrategy:
    allowed: tuple[str, ...]
    default: str | None


@dataclass(frozen=True)
class PodSecurityPolicy:
    """The fields of one PSP that admission reads; tuples keep the source order."""

    name: str
    run_as_user: IDStrategy
    se_linux: SELinuxStrategy
    supplemental_groups: IDStrategy
    fs_group: IDStrategy
    run_as_group: IDStrategy | None = None
    privileged: bool = False
    default_add_capabilities: tuple[str, ...] = ()
    required_drop_capabilities: tuple[str, ...] = ()
    allowed_capabilities: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    host_network: bool = False
    host_pid: bool = False
    host_ipc: bool = False
    host_ports: tuple[IDRange, ...] = ()
    read_only_root_filesystem: bool = False
    default_allow_privilege_escalation: bool | None = None
    allow_privilege_escalation: bool = True  # the API default when omitted
    allowed_host_paths: tuple[HostPath, ...] = ()
    allowed_flex_volumes: tuple[str, ...] = ()
    allowed_csi_drivers: tuple[str, ...] = ()
    allowed_unsafe_sysctls: tuple[str, ...] = ()
    forbidden_sysctls: tuple[str, ...] = ()
    allowed_proc_mount_types: tuple[str, ...] = ()
    runtime_class: RuntimeClassStrategy | None = None
    # None when the annotation is absent: upstream tells "absent" from "empty" for lists
    seccomp_default: str | None = None
    seccomp_allowed: str | None = None
    apparmor_default: str | None = None
    apparmor_allowed: str | None = None


def parse_policy(document: object) -> PodSecurityPolicy:
    """Decode a PSP dict (Kubernetes JSON keys); raise ``PolicyDecodeError`` if malformed."""
    check(document, _DOCUMENT, Path(), PolicyDecodeError)
    if not isinstance(document, Mapping):
        raise PolicyDecodeError("", "expected a PodSecurityPolicy object")
    kind = document.get("kind")
    if kind not in (None, "PodSecurityPolicy"):
        raise PolicyDecodeError("kind", f"expected PodSecurityPolicy, got {kind}")
    metadata = document.get("metadata") or {}
    name = metadata.get("name") or ""
    if not name:
        raise PolicyDecodeError("metadata.name", "a PodSecurityPolicy needs a name")
    annotations = metadata.get("annotations") or {}
    return _build(name, document.get("spec") or {}, annotations)


def _build(name: str, spec: Mapping[str, Any], notes: Mapping[str, str]) -> PodSecurityPolicy:
    se_linux = spec.get("seLinux") or {}
    options = se_linux.get("seLinuxOptions")
    runtime_class = spec.get("runtimeClass")
    allow_escalation = spec.get("allowPrivilegeEscalation")
    return PodSecurityPolicy(
        name=name,
        run_as_user=_id_strategy(spec.get("runAsUser")),
        se_linux=SELinuxStrategy(se_linux.get("rule") or "", _selinux(options)),
        supplemental_groups=_id_strategy(spec.get("supplementalGroups")),
        fs_group=_id_strategy(spec.get("fsGroup")),
        run_as_group=None if spec.get("runAsGroup") is None else _id_strategy(spec["runAsGroup"]),
        privileged=bool(spec.get("privileged")),
        default_add_capabilities=_strings(spec.get("defaultAddCapabilities")),
        required_drop_capabilities=_strings(spec.get("requiredDropCapabilities")),
        allowed_capabilities=_strings(spec.get("allowedCapabilities")),
        volumes=_strings(spec.get("volumes")),
        host_network=bool(spec.get("hostNetwork")),
        host_pid=bool(spec.get("hostPID")),
        host_ipc=bool(spec.get("hostIPC")),
        host_ports=_ranges(spec.get("hostPorts")),
        read_only_root_filesystem=bool(spec.get("readOnlyRootFilesystem")),
        default_allow_privilege_escalation=spec.get("defaultAllowPrivilegeEscalation"),
        allow_privilege_escalation=True if allow_escalation is None else allow_escalation,
        allowed_host_paths=tuple(  # a null entry decodes as pathPrefix "", which matches all
            HostPath((p or {}).get("pathPrefix") or "", bool((p or {}).get("readOnly")))
            for p in spec.get("allowedHostPaths") or ()),
        allowed_flex_volumes=_names(spec.get("allowedFlexVolumes"), "driver"),
        allowed_csi_drivers=_names(spec.get("allowedCSIDrivers"), "name"),
        allowed_unsafe_sysctls=_strings(spec.get("allowedUnsafeSysctls")),
        forbidden_sysctls=_strings(spec.get("forbiddenSysctls")),
        allowed_proc_mount_types=_strings(spec.get("allowedProcMountTypes")),
        runtime_class=None if runtime_class is None else RuntimeClassStrategy(
            _strings(runtime_class.get("allowedRuntimeClassNames")),
            runtime_class.get("defaultRuntimeClassName")),
        seccomp_default=notes.get(SECCOMP_DEFAULT), seccomp_allowed=notes.get(SECCOMP_ALLOWED),
        apparmor_default=notes.get(APPARMOR_DEFAULT), apparmor_allowed=notes.get(APPARMOR_ALLOWED),
    )


def _strings(values: list[str | None] | None) -> tuple[str, ...]:
    return tuple(v or "" for v in values or ())


def _names(entries: list[dict[str, Any] | None] | None, key: str) -> tuple[str, ...]:
    return tuple((e or {}).get(key) or "" for e in entries or ())


def _ranges(entries: list[dict[str, Any] | None] | None) -> tuple[IDRange, ...]:
    return tuple(IDRange((e or {}).get("min") or 0, (e or {}).get("max") or 0)
                 for e in entries or ())


def _id_strategy(options: Mapping[str, Any] | None) -> IDStrategy:
    options = options or {}
    return IDStrategy(options.get("rule") or "", _ranges(options.get("ranges")))


def _selinux(options: Mapping[str, Any] | None) -> SELinuxOptions | None:
    if options is None:
        return None
    return SELinuxOptions(*(options.get(k) or "" for k in ("user", "role", "type", "level")))


def provider_errors(psp: PodSecurityPolicy) -> tuple[str, ...]:
    """Why upstream cannot build a provider for ``psp`` (factory.go order); empty if it can."""
    checks = (
        _rule_error("RunAsUser", psp.run_as_user, (MUST_RUN_AS, MUST_RUN_AS_NON_ROOT, RUN_AS_ANY),
                    "MustRunAs requires at least one range"),
        None if psp.run_as_group is None else _group_error("RunAsGroup", psp.run_as_group),
        _selinux_error(psp.se_linux),
        _group_error("FSGroup", psp.fs_group),
        _group_error("SupplementalGroups", psp.supplemental_groups),
    )
    return tuple(e for e in checks if e)


def _group_error(kind: str, strategy: IDStrategy) -> str | None:
    if strategy.rule in (MUST_RUN_AS, MAY_RUN_AS) and not strategy.ranges:
        return f"ranges must be supplied for {strategy.rule}"
    return _rule_error(kind, strategy, (MUST_RUN_AS, MAY_RUN_AS, RUN_AS_ANY), "")


def _rule_error(kind: str, strategy: IDStrategy, rules: tuple[str, ...],
                no_range: str) -> str | None:
    if strategy.rule not in rules:
        return f"Unrecognized {kind} strategy type {strategy.rule}"
    if no_range and strategy.rule == MUST_RUN_AS and not strategy.ranges:
        return no_range
    return None


def _selinux_error(strategy: SELinuxStrategy) -> str | None:
    if strategy.rule not in (MUST_RUN_AS, RUN_AS_ANY):
        return f"Unrecognized SELinuxContext strategy type {strategy.rule}"
    if strategy.rule == MUST_RUN_AS and strategy.options is None:
        return "MustRunAs requires SELinuxOptions"
    return None

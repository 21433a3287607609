"""Every upstream check table test, ported with the same pods and the same strings.

Source: k8s.io/pod-security-admission@v0.37.2, policy/check_*_test.go (one
section per Go test function, ids are `<GoTest>/<case name>`), then
policy/registry_test.go and policy/checks_test.go, then the evaluation order
and aggregation rules of specs/pss.md §1.3-§1.4.

Pods are plain dicts with the Kubernetes JSON keys. Where a Go test expects an
allowed result, the reason and detail are expected to be empty, as upstream
compares them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from kubectl_podsec.pss import Evaluator, LevelVersion, Version, evaluate
from kubectl_podsec.pss.check import Check, CheckFn, CheckResult, Variant, forbidden
from kubectl_podsec.pss.checks import (
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
from kubectl_podsec.pss.levels import Level
from kubectl_podsec.pss.podspec import pod_metadata, pod_spec
from kubectl_podsec.pss.registry import CHECKS, NEWEST_MINOR, REGISTRY, RegistryError, build, validate

# --- helpers -----------------------------------------------------------------


def case(
    test: str,
    name: str,
    fn: CheckFn,
    spec: Mapping[str, Any] | None = None,
    *,
    meta: Mapping[str, Any] | None = None,
    allowed: bool = False,
    reason: str = "",
    detail: str = "",
) -> Any:
    return pytest.param(fn, meta or {}, spec or {}, allowed, reason, detail, id=f"{test}/{name}")


def sc(**fields: Any) -> dict[str, Any]:
    """A container securityContext."""
    return dict(fields)


def ctr(name: str, security_context: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, **fields}
    if security_context is not None:
        out["securityContext"] = dict(security_context)
    return out


def caps(add: list[str] | None = None, drop: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if add is not None:
        out["add"] = add
    if drop is not None:
        out["drop"] = drop
    return {"capabilities": out}


def http_get(host: str = "") -> dict[str, Any]:
    return {"httpGet": {"host": host} if host else {}}


def tcp_socket(host: str = "") -> dict[str, Any]:
    return {"tcpSocket": {"host": host} if host else {}}


def sysctl_pod(*names_values: tuple[str, str]) -> dict[str, Any]:
    return {"securityContext": {"sysctls": [{"name": n, "value": v} for n, v in names_values]}}


APPARMOR = "container.apparmor.security.beta.kubernetes.io/"
WINDOWS = {"os": {"name": "windows"}}
LINUX = {"os": {"name": "linux"}}


# --- check_*_test.go -----------------------------------------------------------

APE = allow_privilege_escalation
APE_MULTIPLE = {
    "containers": [
        ctr("a"),
        ctr("b", sc(allowPrivilegeEscalation=None)),
        ctr("c", sc(allowPrivilegeEscalation=True)),
        ctr("d", sc(allowPrivilegeEscalation=False)),
    ]
}
ALLOW_PRIVILEGE_ESCALATION = [
    case("TestAllowPrivilegeEscalation_1_25", "multiple containers",
         APE.allow_privilege_escalation_1_25, APE_MULTIPLE,
         reason="allowPrivilegeEscalation != false",
         detail='containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false'),
    case("TestAllowPrivilegeEscalation_1_25", "windows pod, admit without checking privilegeEscalation",
         APE.allow_privilege_escalation_1_25, {**WINDOWS, "containers": [ctr("a")]}, allowed=True),
    case("TestAllowPrivilegeEscalation_1_25", "linux pod, reject if security context is not set",
         APE.allow_privilege_escalation_1_25, {**LINUX, "containers": [ctr("a")]},
         reason="allowPrivilegeEscalation != false",
         detail='container "a" must set securityContext.allowPrivilegeEscalation=false'),
    case("TestAllowPrivilegeEscalation_1_8", "multiple containers",
         APE.allow_privilege_escalation_1_8, APE_MULTIPLE,
         reason="allowPrivilegeEscalation != false",
         detail='containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false'),
]

APP_ARMOR_ALLOWED = [
    case("TestCheckAppArmor_Allowed", "container with default AppArmor + extra annotations",
         app_armor_profile.app_armor_profile_1_0, {},
         meta={"annotations": {APPARMOR + "test": "runtime/default", "env": "prod"}}, allowed=True),
    case("TestCheckAppArmor_Allowed", "container with local AppArmor + extra annotations",
         app_armor_profile.app_armor_profile_1_0, {},
         meta={"annotations": {APPARMOR + "test": "localhost/sec-profile01", "env": "dev"}}, allowed=True),
    case("TestCheckAppArmor_Allowed", "container with no AppArmor annotations",
         app_armor_profile.app_armor_profile_1_0, {}, meta={"annotations": {"env": "dev"}}, allowed=True),
    case("TestCheckAppArmor_Allowed", "container with no annotations",
         app_armor_profile.app_armor_profile_1_0, {}, meta={}, allowed=True),
    case("TestCheckAppArmor_Allowed", "pod with runtime default",
         app_armor_profile.app_armor_profile_1_0,
         {"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}, allowed=True),
    case("TestCheckAppArmor_Allowed", "container with localhost profile",
         app_armor_profile.app_armor_profile_1_0,
         {"containers": [ctr("foo", sc(appArmorProfile={"type": "RuntimeDefault"}))]}, allowed=True),
]
APP_ARMOR_FORBIDDEN = [
    case("TestCheckAppArmor_Forbidden", "unconfined pod",
         app_armor_profile.app_armor_profile_1_0,
         {"securityContext": {"appArmorProfile": {"type": "Unconfined"}}},
         reason="forbidden AppArmor profile",
         detail='pod must not set AppArmor profile type to "Unconfined"'),
    case("TestCheckAppArmor_Forbidden", "unconfined container",
         app_armor_profile.app_armor_profile_1_0,
         {
             "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
             "containers": [ctr("foo", sc(appArmorProfile={"type": "Unconfined"}))],
         },
         reason="forbidden AppArmor profile",
         detail='container "foo" must not set AppArmor profile type to "Unconfined"'),
    case("TestCheckAppArmor_Forbidden", "unconfined init container",
         app_armor_profile.app_armor_profile_1_0,
         {
             "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
             "containers": [ctr("foo")],
             "initContainers": [ctr("bar", sc(appArmorProfile={"type": "Unconfined"}))],
         },
         reason="forbidden AppArmor profile",
         detail='container "bar" must not set AppArmor profile type to "Unconfined"'),
    case("TestCheckAppArmor_Forbidden", "multiple containers",
         app_armor_profile.app_armor_profile_1_0, {},
         meta={"annotations": {
             APPARMOR: "bogus",
             APPARMOR + "a": "",
             APPARMOR + "b": "runtime/default",
             APPARMOR + "c": "localhost/",
             APPARMOR + "d": "localhost/foo",
             APPARMOR + "e": "unconfined",
             APPARMOR + "f": "unknown",
         }},
         reason="forbidden AppArmor profiles",
         detail="annotations must not set AppArmor profile type to "
         + ", ".join([
             '"container.apparmor.security.beta.kubernetes.io/="bogus""',
             '"container.apparmor.security.beta.kubernetes.io/e="unconfined""',
             '"container.apparmor.security.beta.kubernetes.io/f="unknown""',
         ])),
]

CAPABILITIES_BASELINE = [
    case("TestCapabilitiesBaseline", "multiple containers",
         capabilities_baseline.capabilities_baseline_1_0,
         {"containers": [ctr("a", caps(add=["FOO", "BAR"])), ctr("b", caps(add=["BAR", "BAZ"]))]},
         reason="non-default capabilities",
         detail='containers "a", "b" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add'),
]

CR = capabilities_restricted
CAPS_MULTIPLE = {
    "containers": [
        ctr("a", caps(add=["FOO", "BAR"])),
        ctr("b", caps(add=["BAR", "BAZ"])),
        ctr("c", caps(add=["NET_BIND_SERVICE", "CHOWN"], drop=["ALL", "FOO"])),
    ]
}
CAPS_MULTIPLE_DETAIL = (
    'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; '
    'containers "a", "b", "c" must not include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add'
)
CAPABILITIES_RESTRICTED = [
    case("TestCapabilitiesRestricted_1_25", "multiple containers", CR.capabilities_restricted_1_25,
         CAPS_MULTIPLE, reason="unrestricted capabilities", detail=CAPS_MULTIPLE_DETAIL),
    case("TestCapabilitiesRestricted_1_25", "windows pod, admit without checking capabilities",
         CR.capabilities_restricted_1_25, {**WINDOWS, "containers": [ctr("a")]}, allowed=True),
    case("TestCapabilitiesRestricted_1_25", "linux pod, reject if security context is not set",
         CR.capabilities_restricted_1_25, {**LINUX, "containers": [ctr("a")]},
         reason="unrestricted capabilities",
         detail='container "a" must set securityContext.capabilities.drop=["ALL"]'),
    case("TestCapabilitiesRestricted_1_22", "multiple containers", CR.capabilities_restricted_1_22,
         CAPS_MULTIPLE, reason="unrestricted capabilities", detail=CAPS_MULTIPLE_DETAIL),
]

HOST_NAMESPACES = [
    case("TestHostNamespaces", "multiple host namespaces", host_namespaces.host_namespaces_1_0,
         {"hostNetwork": True, "hostIPC": True, "hostPID": True},
         reason="host namespaces", detail="hostNetwork=true, hostPID=true, hostIPC=true"),
]

HOST_PATH_VOLUMES = [
    case("TestHostPathVolumes", "host path volumes", host_path_volumes.host_path_volumes_1_0,
         {"volumes": [
             {"name": "a", "hostPath": {}},
             {"name": "b", "hostPath": {}},
             {"name": "c", "emptyDir": {}},
         ]},
         reason="hostPath volumes", detail='volumes "a", "b"'),
]

HOST_PORTS = [
    case("TestHostPort", "one container, one host port", host_ports.host_ports_1_0,
         {"containers": [
             ctr("a", ports=[{"hostPort": 0}]),
             ctr("b", ports=[{"hostPort": 0}, {"hostPort": 20}]),
         ]},
         reason="hostPort", detail='container "b" uses hostPort 20'),
    case("TestHostPort", "multiple containers, multiple host port", host_ports.host_ports_1_0,
         {"containers": [
             ctr("a", ports=[{"hostPort": 0}]),
             ctr("b", ports=[{"hostPort": 0}, {"hostPort": 10}, {"hostPort": 20}]),
             ctr("c", ports=[{"hostPort": 0}, {"hostPort": 10}, {"hostPort": 30}]),
         ]},
         reason="hostPort", detail='containers "b", "c" use hostPorts 10, 20, 30'),
]

HP = host_probes_and_host_lifecycle.host_probes_and_host_lifecycle_1_34
PROBE_HOST = "probe or lifecycle host"
HOST_PROBES = [
    case("TestHostProbesAndHostLifecycle", "valid pod with unset hosts", HP,
         {"containers": [ctr(
             "a",
             livenessProbe=http_get(),
             readinessProbe=tcp_socket(),
             lifecycle={"postStart": http_get()},
         )]},
         allowed=True),
    case("TestHostProbesAndHostLifecycle", "invalid pod with local host IP as probe host", HP,
         {"containers": [ctr(
             "a",
             livenessProbe=http_get("127.0.0.1"),
             readinessProbe=tcp_socket("::1"),
             startupProbe=http_get("localhost"),
         )]},
         reason=PROBE_HOST,
         detail='container "a" uses probe or lifecycle hosts "127.0.0.1", "::1", "localhost"'),
    case("TestHostProbesAndHostLifecycle", "invalid httpget host in liveness probe", HP,
         {"containers": [ctr("a", livenessProbe=http_get("invalid.host"))]},
         reason=PROBE_HOST, detail='container "a" uses probe or lifecycle host "invalid.host"'),
    case("TestHostProbesAndHostLifecycle", "invalid tcpsocket host in readiness probe", HP,
         {"containers": [ctr("b", readinessProbe=tcp_socket("invalid.host"))]},
         reason=PROBE_HOST, detail='container "b" uses probe or lifecycle host "invalid.host"'),
    case("TestHostProbesAndHostLifecycle", "invalid httpget host in startup probe", HP,
         {"containers": [ctr("c", startupProbe=http_get("invalid.host"))]},
         reason=PROBE_HOST, detail='container "c" uses probe or lifecycle host "invalid.host"'),
    case("TestHostProbesAndHostLifecycle", "invalid poststart tcpsocket host", HP,
         {"containers": [ctr("d", lifecycle={"postStart": tcp_socket("invalid.host")})]},
         reason=PROBE_HOST, detail='container "d" uses probe or lifecycle host "invalid.host"'),
    case("TestHostProbesAndHostLifecycle", "invalid prestop httpget host", HP,
         {"containers": [ctr("e", lifecycle={"preStop": http_get("another.invalid.host")})]},
         reason=PROBE_HOST, detail='container "e" uses probe or lifecycle host "another.invalid.host"'),
    case("TestHostProbesAndHostLifecycle", "multiple containers with multiple invalid hosts", HP,
         {"containers": [
             ctr("valid"),
             ctr("invalid1", livenessProbe=http_get("a.com")),
             ctr("invalid2", lifecycle={"preStop": tcp_socket("b.com")}, startupProbe=http_get("a.com")),
         ]},
         reason=PROBE_HOST,
         detail='containers "invalid1", "invalid2" use probe or lifecycle hosts "a.com", "b.com"'),
    case("TestHostProbesAndHostLifecycle", "invalid ipv4 host in probe", HP,
         {"containers": [ctr("a", livenessProbe=http_get("8.8.8.8"))]},
         reason=PROBE_HOST, detail='container "a" uses probe or lifecycle host "8.8.8.8"'),
    case("TestHostProbesAndHostLifecycle", "invalid ipv6 host in probe", HP,
         {"containers": [ctr("a", livenessProbe=tcp_socket("2001:4860:4860::8888"))]},
         reason=PROBE_HOST, detail='container "a" uses probe or lifecycle host "2001:4860:4860::8888"'),
    case("TestHostProbesAndHostLifecycle", "invalid host in initcontainer", HP,
         {"initContainers": [ctr("init", livenessProbe=http_get("invalid.init.host"))]},
         reason=PROBE_HOST, detail='container "init" uses probe or lifecycle host "invalid.init.host"'),
]

PRIVILEGED = [
    case("TestPrivileged", "privileged", privileged.privileged_1_0,
         {"containers": [
             ctr("a"),
             ctr("b", sc()),
             ctr("c", sc(privileged=False)),
             ctr("d", sc(privileged=True)),
             ctr("e", sc(privileged=True)),
         ]},
         reason="privileged", detail='containers "d", "e" must not set securityContext.privileged=true'),
]

PROC_MOUNT_CONTAINERS = [
    ctr("a"),
    ctr("b", sc()),
    ctr("c", sc(procMount="Default")),
    ctr("d", sc(procMount="Unmasked")),
    ctr("e", sc(procMount="other")),
]
PROC_MOUNT_DETAIL = 'containers "d", "e" must not set securityContext.procMount to "Unmasked", "other"'
PROC_MOUNT_RESTRICTED_FN = proc_mount_restricted.CHECK.variants[0].check
PROC_MOUNT = [
    case("TestProcMountBaseline", "procMount", proc_mount.proc_mount_1_35,
         {"containers": PROC_MOUNT_CONTAINERS, "hostUsers": True},
         reason="procMount", detail=PROC_MOUNT_DETAIL),
    case("TestProcMountBaseline", "procMount with userns", proc_mount.proc_mount_1_35,
         {"containers": PROC_MOUNT_CONTAINERS, "hostUsers": False}, allowed=True),
    # TestProcMountRestricted runs procMount_1_0 with hostUsers true and false;
    # procMount_restricted (v1.35) is that same function.
    *(
        case("TestProcMountRestricted", f"procMount ({label}, hostUsers={users})", fn,
             {"containers": PROC_MOUNT_CONTAINERS, "hostUsers": users},
             reason="procMount", detail=PROC_MOUNT_DETAIL)
        for label, fn in (("procMount_1_0", proc_mount.proc_mount_1_0),
                          ("procMount_restricted", PROC_MOUNT_RESTRICTED_FN))
        for users in (True, False)
    ),
]

B_TYPES = (
    ("b1", "hostPath"), ("b2", "gcePersistentDisk"), ("b3", "awsElasticBlockStore"), ("b4", "gitRepo"),
    ("b5", "nfs"), ("b6", "iscsi"), ("b7", "glusterfs"), ("b8", "rbd"), ("b9", "flexVolume"),
    ("b10", "cinder"), ("b11", "cephfs"), ("b12", "flocker"), ("b13", "fc"), ("b14", "azureFile"),
    ("b15", "vsphereVolume"), ("b16", "quobyte"), ("b17", "azureDisk"), ("b18", "photonPersistentDisk"),
    ("b19", "portworxVolume"), ("b20", "scaleIO"), ("b21", "storageos"),
)
A_TYPES = (
    ("a1", "emptyDir"), ("a2", "secret"), ("a3", "persistentVolumeClaim"), ("a4", "downwardAPI"),
    ("a5", "configMap"), ("a6", "projected"), ("a7", "csi"), ("a8", "ephemeral"), ("a9", "image"),
)
RESTRICTED_VOLUMES = [
    case("TestRestrictedVolumes", "host path volumes", restricted_volumes.restricted_volumes_1_0,
         {"volumes": [
             *({"name": n, t: {}} for n, t in A_TYPES),
             *({"name": n, t: {}} for n, t in B_TYPES),
             {"name": "c1"},  # unknown type
         ]},
         reason="restricted volume types",
         detail='volumes '
         '"b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11", "b12", "b13", "b14", '
         '"b15", "b16", "b17", "b18", "b19", "b20", "b21", "c1"'
         ' use restricted volume types '
         '"awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "fc", "flexVolume", '
         '"flocker", "gcePersistentDisk", "gitRepo", "glusterfs", '
         '"hostPath", "iscsi", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", '
         '"scaleIO", "storageos", "unknown", "vsphereVolume"'),
]

RNR = run_as_non_root.run_as_non_root_1_35
RUN_AS_NON_ROOT = [
    case("TestRunAsNonRoot", "no explicit runAsNonRoot", RNR, {"containers": [ctr("a")]},
         reason="runAsNonRoot != true",
         detail='pod or container "a" must set securityContext.runAsNonRoot=true'),
    case("TestRunAsNonRoot", "pod runAsNonRoot=false", RNR,
         {"securityContext": {"runAsNonRoot": False}, "containers": [ctr("a")]},
         reason="runAsNonRoot != true", detail="pod must not set securityContext.runAsNonRoot=false"),
    case("TestRunAsNonRoot", "containers runAsNonRoot=false", RNR,
         {"securityContext": {"runAsNonRoot": True}, "containers": [
             ctr("a"),
             ctr("b", sc()),
             ctr("c", sc(runAsNonRoot=False)),
             ctr("d", sc(runAsNonRoot=False)),
             ctr("e", sc(runAsNonRoot=True)),
             ctr("f", sc(runAsNonRoot=True)),
         ]},
         reason="runAsNonRoot != true",
         detail='containers "c", "d" must not set securityContext.runAsNonRoot=false'),
    case("TestRunAsNonRoot", "pod nil, container fallthrough", RNR,
         {"containers": [
             ctr("a"),
             ctr("b", sc()),
             ctr("d", sc(runAsNonRoot=True)),
             ctr("e", sc(runAsNonRoot=True)),
         ]},
         reason="runAsNonRoot != true",
         detail='pod or containers "a", "b" must set securityContext.runAsNonRoot=true'),
    case("TestRunAsNonRoot", "host users false allowed", RNR, {"hostUsers": False}, allowed=True),
]

RAU = run_as_user.run_as_user_1_35
RUN_AS_USER = [
    case("TestRunAsUser", "pod runAsUser=0", RAU,
         {"securityContext": {"runAsUser": 0}, "containers": [ctr("a")]},
         reason="runAsUser=0", detail="pod must not set runAsUser=0"),
    case("TestRunAsUser", "pod runAsUser=non-zero", RAU,
         {"securityContext": {"runAsUser": 1000}, "containers": [ctr("a")]}, allowed=True),
    case("TestRunAsUser", "pod runAsUser=nil", RAU,
         {"securityContext": {"runAsUser": None}, "containers": [ctr("a")]}, allowed=True),
    case("TestRunAsUser", "containers runAsUser=0", RAU,
         {"securityContext": {"runAsUser": 1000}, "containers": [
             ctr("a"),
             ctr("b", sc()),
             ctr("c", sc(runAsUser=0)),
             ctr("d", sc(runAsUser=0)),
             ctr("e", sc(runAsUser=1)),
             ctr("f", sc(runAsUser=1)),
         ]},
         reason="runAsUser=0", detail='containers "c", "d" must not set runAsUser=0'),
    case("TestRunAsUser", "containers runAsUser=non-zero", RAU,
         {"containers": [
             ctr("c", sc(runAsUser=1)),
             ctr("d", sc(runAsUser=2)),
             ctr("e", sc(runAsUser=3)),
             ctr("f", sc(runAsUser=4)),
         ]},
         allowed=True),
    case("TestRunAsUser", "host users false allowed", RAU, {"hostUsers": False}, allowed=True),
]


def selinux(**opts: str) -> dict[str, Any]:
    return {"seLinuxOptions": opts}


SEL = se_linux_options.se_linux_options_1_31
VALID_SELINUX_CONTAINERS = [
    ctr("a", selinux(type="container_t")),
    ctr("b", selinux(type="container_init_t")),
    ctr("c", selinux(type="container_kvm_t")),
    ctr("d", selinux(type="container_engine_t")),
]
INVALID_SELINUX_CONTAINERS = [
    ctr("e", selinux(type="bar")),
    ctr("f", selinux(user="bar")),
    ctr("g", selinux(role="baz")),
]
SE_LINUX_OPTIONS = [
    case("TestSELinuxOptions", "invalid pod and containers", SEL,
         {"securityContext": selinux(type="foo", user="bar", role="baz"),
          "containers": VALID_SELINUX_CONTAINERS + INVALID_SELINUX_CONTAINERS},
         reason="seLinuxOptions",
         detail='pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: '
         'types "bar", "foo"; user may not be set; role may not be set'),
    case("TestSELinuxOptions", "invalid pod", SEL,
         {"securityContext": selinux(type="foo", user="bar", role="baz"),
          "containers": VALID_SELINUX_CONTAINERS},
         reason="seLinuxOptions",
         detail='pod set forbidden securityContext.seLinuxOptions: type "foo"; user may not be set; '
         "role may not be set"),
    case("TestSELinuxOptions", "invalid containers", SEL,
         {"securityContext": selinux(),
          "containers": VALID_SELINUX_CONTAINERS + INVALID_SELINUX_CONTAINERS},
         reason="seLinuxOptions",
         detail='containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: type "bar"; '
         "user may not be set; role may not be set"),
    case("TestSELinuxOptions", "bad type", SEL, {"securityContext": selinux(type="bad")},
         reason="seLinuxOptions", detail='pod set forbidden securityContext.seLinuxOptions: type "bad"'),
    case("TestSELinuxOptions", "bad user", SEL, {"securityContext": selinux(user="bad")},
         reason="seLinuxOptions", detail="pod set forbidden securityContext.seLinuxOptions: user may not be set"),
    case("TestSELinuxOptions", "bad role", SEL, {"securityContext": selinux(role="bad")},
         reason="seLinuxOptions", detail="pod set forbidden securityContext.seLinuxOptions: role may not be set"),
]

SPB = seccomp_profile_baseline
SECCOMP = "seccomp.security.alpha.kubernetes.io/pod"
CSECCOMP = "container.seccomp.security.alpha.kubernetes.io/"
ABC = {"containers": [ctr("a"), ctr("b"), ctr("c")]}


def seccomp(kind: str) -> dict[str, Any]:
    return {"seccompProfile": {"type": kind}}


SECCOMP_CONTAINERS = [
    ctr("a"),
    ctr("b", sc()),
    ctr("c", seccomp("Unconfined")),
    ctr("d", seccomp("Unconfined")),
    ctr("e", seccomp("RuntimeDefault")),
    ctr("f", seccomp("RuntimeDefault")),
]
SECCOMP_FALLTHROUGH = [
    ctr("a"),
    ctr("b", sc()),
    ctr("d", seccomp("RuntimeDefault")),
    ctr("e", seccomp("RuntimeDefault")),
]
SECCOMP_PROFILE_BASELINE = [
    case("TestSeccompProfileBaseline_1_0", "pod seccomp invalid", SPB.seccomp_profile_baseline_1_0, {},
         meta={"annotations": {SECCOMP: "unconfined"}},
         reason="seccompProfile",
         detail='forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"'),
    case("TestSeccompProfileBaseline_1_0", "containers seccomp invalid", SPB.seccomp_profile_baseline_1_0, ABC,
         meta={"annotations": {CSECCOMP + "a": "unconfined", CSECCOMP + "b": "unknown"}},
         reason="seccompProfile",
         detail='forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", '
         'container.seccomp.security.alpha.kubernetes.io/b="unknown"'),
    case("TestSeccompProfileBaseline_1_0", "pod and containers seccomp invalid",
         SPB.seccomp_profile_baseline_1_0, ABC,
         meta={"annotations": {
             SECCOMP: "unconfined", CSECCOMP + "a": "unconfined", CSECCOMP + "b": "unknown"}},
         reason="seccompProfile",
         detail='forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", '
         'container.seccomp.security.alpha.kubernetes.io/b="unknown", '
         'seccomp.security.alpha.kubernetes.io/pod="unconfined"'),
    case("TestSeccompProfileBaseline_1_19", "pod seccomp invalid", SPB.seccomp_profile_baseline_1_19,
         {"securityContext": seccomp("Unconfined"), "containers": [ctr("a")]},
         reason="seccompProfile",
         detail='pod must not set securityContext.seccompProfile.type to "Unconfined"'),
    case("TestSeccompProfileBaseline_1_19", "containers seccomp invalid", SPB.seccomp_profile_baseline_1_19,
         {"securityContext": seccomp("RuntimeDefault"), "containers": SECCOMP_CONTAINERS},
         reason="seccompProfile",
         detail='containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"'),
    case("TestSeccompProfileBaseline_1_19", "pod and containers seccomp invalid",
         SPB.seccomp_profile_baseline_1_19,
         {"securityContext": seccomp("Unconfined"), "containers": SECCOMP_CONTAINERS},
         reason="seccompProfile",
         detail='pod and containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"'),
]

SPR = seccomp_profile_restricted
MUST_SET_A = 'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'
MUST_SET_AB = (
    'pod or containers "a", "b" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'
)


def seccomp_restricted_cases(test: str, fn: CheckFn, with_os: bool) -> list[Any]:
    cases = [
        case(test, "no explicit seccomp", fn, {"containers": [ctr("a")]},
             reason="seccompProfile", detail=MUST_SET_A),
    ]
    if with_os:
        cases += [
            case(test, "no explicit seccomp, windows Pod", fn, {**WINDOWS, "containers": [ctr("a")]},
                 allowed=True),
            case(test, "no explicit seccomp, linux pod", fn, {**LINUX, "containers": [ctr("a")]},
                 reason="seccompProfile", detail=MUST_SET_A),
        ]
    cases += [
        case(test, "pod seccomp invalid", fn,
             {"securityContext": seccomp("Unconfined"), "containers": [ctr("a")]},
             reason="seccompProfile",
             detail='pod must not set securityContext.seccompProfile.type to "Unconfined"'),
        case(test, "containers seccomp invalid", fn,
             {"securityContext": seccomp("RuntimeDefault"), "containers": SECCOMP_CONTAINERS},
             reason="seccompProfile",
             detail='containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"'),
        case(test, "pod nil, container fallthrough", fn, {"containers": SECCOMP_FALLTHROUGH},
             reason="seccompProfile", detail=MUST_SET_AB),
    ]
    return cases


SECCOMP_PROFILE_RESTRICTED = [
    *seccomp_restricted_cases("TestSeccompProfileRestricted_1_25", SPR.seccomp_profile_restricted_1_25, True),
    *seccomp_restricted_cases("TestSeccompProfileRestricted_1_19", SPR.seccomp_profile_restricted_1_19, False),
]

AB_SYSCTLS = sysctl_pod(("a", ""), ("b", ""))
SYSCTLS = [
    case("TestSysctls", "forbidden sysctls", sysctls.sysctls_1_0, AB_SYSCTLS,
         reason="forbidden sysctls", detail="a, b"),
    *(
        case("TestSysctls", f"new supported sysctls not supported: {name}", sysctls.sysctls_1_0,
             sysctl_pod((name, value)), reason="forbidden sysctls", detail=name)
        for name, value in (
            ("net.ipv4.ip_local_reserved_ports", "1024-4999"),
            ("net.ipv4.tcp_keepalive_time", "7200"),
            ("net.ipv4.tcp_fin_timeout", "60"),
            ("net.ipv4.tcp_keepalive_intvl", "75"),
            ("net.ipv4.tcp_keepalive_probes", "9"),
            ("net.ipv4.tcp_rmem", "4096 87380 16777216"),
            ("net.ipv4.tcp_wmem", "4096 87380 16777216"),
        )
    ),
    case("TestSysctls_1_27", "forbidden sysctls", sysctls.sysctls_1_27, AB_SYSCTLS,
         reason="forbidden sysctls", detail="a, b"),
    case("TestSysctls_1_27", "new supported sysctls", sysctls.sysctls_1_27,
         sysctl_pod(("net.ipv4.ip_local_reserved_ports", "1024-4999")), allowed=True),
    case("TestSysctls_1_29", "forbidden sysctls", sysctls.sysctls_1_29, AB_SYSCTLS,
         reason="forbidden sysctls", detail="a, b"),
    *(
        case("TestSysctls_1_29", f"new supported sysctls: {name}", sysctls.sysctls_1_29,
             sysctl_pod((name, value)), allowed=True)
        for name, value in (
            ("net.ipv4.tcp_keepalive_time", "7200"),
            ("net.ipv4.tcp_fin_timeout", "60"),
            ("net.ipv4.tcp_keepalive_intvl", "75"),
            ("net.ipv4.tcp_keepalive_probes", "9"),
        )
    ),
    case("TestSysctls_1_32", "forbidden sysctls", sysctls.sysctls_1_32, AB_SYSCTLS,
         reason="forbidden sysctls", detail="a, b"),
    case("TestSysctls_1_32", "new supported sysctls: net.ipv4.tcp_rmem", sysctls.sysctls_1_32,
         sysctl_pod(("net.ipv4.tcp_rmem", "4096 87380 16777216")), allowed=True),
    case("TestSysctls_1_32", "new supported sysctls: net.ipv4.tcp_wmem", sysctls.sysctls_1_32,
         sysctl_pod(("net.ipv4.tcp_wmem", "4096 65536 16777216")), allowed=True),
    case("TestSysctls_1_37", "forbidden sysctls", sysctls.sysctls_1_37, AB_SYSCTLS,
         reason="forbidden sysctls", detail="a, b"),
    case("TestSysctls_1_37", "new supported sysctls: net.ipv4.tcp_slow_start_after_idle", sysctls.sysctls_1_37,
         sysctl_pod(("net.ipv4.tcp_slow_start_after_idle", "0")), allowed=True),
    case("TestSysctls_1_37", "new supported sysctls: net.ipv4.tcp_notsent_lowat", sysctls.sysctls_1_37,
         sysctl_pod(("net.ipv4.tcp_notsent_lowat", "16384")), allowed=True),
]


def host_process(value: bool | None = None) -> dict[str, Any]:
    return {"windowsOptions": {} if value is None else {"hostProcess": value}}


WINDOWS_HOST_PROCESS = [
    case("TestWindowsHostProcess", "host process", windows_host_process.windows_host_process_1_0,
         {"securityContext": host_process(True), "containers": [
             ctr("a"),
             ctr("b", sc()),
             ctr("c", host_process()),
             ctr("d", host_process(False)),
             ctr("e", host_process(True)),
             ctr("f", host_process(True)),
         ]},
         reason="hostProcess",
         detail='pod and containers "e", "f" must not set securityContext.windowsOptions.hostProcess=true'),
]

UPSTREAM_CHECK_CASES = [
    *ALLOW_PRIVILEGE_ESCALATION,
    *APP_ARMOR_ALLOWED,
    *APP_ARMOR_FORBIDDEN,
    *CAPABILITIES_BASELINE,
    *CAPABILITIES_RESTRICTED,
    *HOST_NAMESPACES,
    *HOST_PATH_VOLUMES,
    *HOST_PORTS,
    *HOST_PROBES,
    *PRIVILEGED,
    *PROC_MOUNT,
    *RESTRICTED_VOLUMES,
    *RUN_AS_NON_ROOT,
    *RUN_AS_USER,
    *SE_LINUX_OPTIONS,
    *SECCOMP_PROFILE_BASELINE,
    *SECCOMP_PROFILE_RESTRICTED,
    *SYSCTLS,
    *WINDOWS_HOST_PROCESS,
]


@pytest.mark.parametrize(("fn", "meta", "spec", "allowed", "reason", "detail"), UPSTREAM_CHECK_CASES)
def test_upstream_check_table(
    fn: CheckFn, meta: dict[str, Any], spec: dict[str, Any], allowed: bool, reason: str, detail: str
) -> None:
    result = fn(pod_metadata(meta), pod_spec(spec))
    assert (result.allowed, result.reason, result.detail) == (allowed, reason, detail)


# --- TestHostProbesAndHostLifecycleEmulation (through the evaluator) ------------

PROBE_POD_SPEC = {"containers": [{"startupProbe": http_get("localhost")}]}


@pytest.mark.parametrize(
    ("max_version", "host_check_active"),
    [
        pytest.param(None, True, id="no emulation"),
        pytest.param(34, True, id="emulate 1.34"),
        pytest.param(33, False, id="emulate 1.33"),
    ],
)
def test_host_probes_emulation(max_version: int | None, host_check_active: bool) -> None:
    evaluator = Evaluator(max_version=max_version)
    expect_allowed = not host_check_active
    for version in ("latest", "v1.34"):
        result = evaluator.evaluate(LevelVersion.parse("baseline", version), {}, PROBE_POD_SPEC)
        assert result.allowed is expect_allowed, (version, result.forbidden_reason)
    assert evaluator.evaluate(LevelVersion.parse("baseline", "v1.33"), {}, PROBE_POD_SPEC).allowed


# --- registry_test.go ----------------------------------------------------------


def generate_check(check_id: str, level: Level, minors: list[int]) -> Check:
    """upstream generateCheck: each variant fails with reason `<id>:v1.<minor>`."""

    def variant(minor: int) -> Variant:
        def check(_meta: Any, _spec: Any) -> CheckResult:
            return forbidden(f"{check_id}:v1.{minor}", "")

        return Variant(minor, check)

    return Check(check_id, level, tuple(variant(m) for m in minors))


def with_overrides(check: Check, overrides: tuple[str, ...]) -> Check:
    return Check(
        check.id, check.level, tuple(Variant(v.minimum, v.check, overrides) for v in check.variants)
    )


B, R = Level.BASELINE, Level.RESTRICTED
BASELINE_ABCD = (
    generate_check("a", B, [0]),
    generate_check("b", B, [10]),
    generate_check("c", B, [0, 5, 10]),
    generate_check("d", B, [11, 15, 20]),
)
RESTRICTED_EFGH = (
    generate_check("e", R, [0]),
    generate_check("f", R, [12, 16, 21]),
    with_overrides(generate_check("g", R, [10]), ("a",)),
    with_overrides(generate_check("h", R, [0]), ("b",)),
)
_multi = generate_check("i", R, [10, 21])
MULTI_OVERRIDE = Check("i", R, (
    Variant(10, _multi.variants[0].check, ("c",)),
    Variant(21, _multi.variants[1].check, ("d",)),
))


def reasons(evaluator: Evaluator, level: str, version: str) -> list[str]:
    result = evaluator.evaluate(LevelVersion.parse(level, version), None, None)
    return [v.reason for v in result.violations]


@pytest.mark.parametrize(
    ("level", "version", "expected"),
    [
        ("privileged", "v1.0", []),
        ("privileged", "latest", []),
        ("baseline", "v1.0", ["a:v1.0", "c:v1.0"]),
        ("baseline", "v1.4", ["a:v1.0", "c:v1.0"]),
        ("baseline", "v1.5", ["a:v1.0", "c:v1.5"]),
        ("baseline", "v1.10", ["a:v1.0", "b:v1.10", "c:v1.10"]),
        ("baseline", "v1.11", ["a:v1.0", "b:v1.10", "c:v1.10", "d:v1.11"]),
        ("baseline", "latest", ["a:v1.0", "b:v1.10", "c:v1.10", "d:v1.20"]),
        ("restricted", "v1.0", ["a:v1.0", "c:v1.0", "e:v1.0", "h:v1.0"]),
        ("restricted", "v1.4", ["a:v1.0", "c:v1.0", "e:v1.0", "h:v1.0"]),
        ("restricted", "v1.5", ["a:v1.0", "c:v1.5", "e:v1.0", "h:v1.0"]),
        ("restricted", "v1.10", ["e:v1.0", "g:v1.10", "h:v1.0", "i:v1.10"]),
        ("restricted", "v1.11", ["d:v1.11", "e:v1.0", "g:v1.10", "h:v1.0", "i:v1.10"]),
        ("restricted", "latest", ["c:v1.10", "e:v1.0", "f:v1.21", "g:v1.10", "h:v1.0", "i:v1.21"]),
        ("restricted", "v1.10000", ["c:v1.10", "e:v1.0", "f:v1.21", "g:v1.10", "h:v1.0", "i:v1.21"]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_check_registry(level: str, version: str, expected: list[str]) -> None:
    evaluator = Evaluator(registry=build(BASELINE_ABCD + RESTRICTED_EFGH + (MULTI_OVERRIDE,)))
    assert reasons(evaluator, level, version) == expected


@pytest.mark.parametrize(
    ("level", "version", "expected"),
    [
        ("privileged", "v1.0", []),
        ("privileged", "latest", []),
        ("baseline", "v1.0", []),
        ("baseline", "v1.10", []),
        ("baseline", "latest", []),
        ("restricted", "v1.0", ["e:v1.0", "h:v1.0"]),
        ("restricted", "v1.10", ["e:v1.0", "g:v1.10", "h:v1.0"]),
        ("restricted", "latest", ["e:v1.0", "f:v1.21", "g:v1.10", "h:v1.0"]),
        ("restricted", "v1.10000", ["e:v1.0", "f:v1.21", "g:v1.10", "h:v1.0"]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_check_registry_no_baseline(level: str, version: str, expected: list[str]) -> None:
    # g and h override baseline checks that are not registered: that is allowed.
    evaluator = Evaluator(registry=build(RESTRICTED_EFGH))
    assert reasons(evaluator, level, version) == expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("v1.0", ["a:v1.0", "c:v1.0"]),
        ("v1.4", ["a:v1.0", "c:v1.0"]),
        ("v1.5", ["a:v1.0", "c:v1.5"]),
        ("v1.10", ["a:v1.0", "b:v1.10", "c:v1.10"]),
        ("v1.11", ["a:v1.0", "b:v1.10", "c:v1.10", "d:v1.11"]),
        ("latest", ["a:v1.0", "b:v1.10", "c:v1.10", "d:v1.20"]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
@pytest.mark.parametrize("level", ["baseline", "restricted"])
def test_check_registry_no_restricted(level: str, version: str, expected: list[str]) -> None:
    # Restricted results are identical to baseline.
    evaluator = Evaluator(registry=build(BASELINE_ABCD))
    assert reasons(evaluator, level, version) == expected


@pytest.mark.parametrize("level", ["privileged", "baseline", "restricted"])
def test_check_registry_empty(level: str) -> None:
    # Upstream: NewEvaluator(nil, nil) succeeds and allows everything.
    evaluator = Evaluator(registry=build(()))
    assert reasons(evaluator, level, "latest") == []


# --- checks_test.go and registry validation (registry.go validateChecks) --------


def test_valid_checks() -> None:
    validate(CHECKS)
    ids = {c.id for c in CHECKS}
    for check in CHECKS:
        for variant in check.variants:
            for target in variant.overrides:
                assert target in ids, f"check {check.id} overrides non-existent check {target}"


def test_registry_is_an_explicit_tuple_of_19_checks() -> None:
    assert isinstance(CHECKS, tuple)
    assert sorted(c.id for c in CHECKS) == sorted([
        "allowPrivilegeEscalation", "appArmorProfile", "capabilities_baseline", "capabilities_restricted",
        "hostNamespaces", "hostPathVolumes", "hostPorts", "hostProbesAndHostLifecycle", "privileged",
        "procMount", "procMount_restricted", "restrictedVolumes", "runAsNonRoot", "runAsUser",
        "seLinuxOptions", "seccompProfile_baseline", "seccompProfile_restricted", "sysctls",
        "windowsHostProcess",
    ])
    assert NEWEST_MINOR == 37


def _fn(_meta: Any, _spec: Any) -> CheckResult:
    return forbidden("x", "")


@pytest.mark.parametrize(
    ("checks", "message"),
    [
        pytest.param(
            (Check("a", B, (Variant(0, _fn),)), Check("a", R, (Variant(1, _fn),))),
            "multiple checks registered for ID a",
            id="duplicate ID",
        ),
        pytest.param(
            (Check("a", Level.PRIVILEGED, (Variant(0, _fn),)),),
            "check a: invalid level privileged",
            id="privileged level",
        ),
        pytest.param((Check("a", B, ()),), "check a: empty", id="no variants"),
        pytest.param(
            (Check("a", B, (Variant(0, _fn), Variant(5, _fn), Variant(5, _fn))),),
            "check a: duplicate version v1.5",
            id="duplicate version",
        ),
        pytest.param(
            (Check("a", B, (Variant(0, _fn), Variant(10, _fn), Variant(5, _fn))),),
            "check a: versions must be strictly increasing",
            id="decreasing versions",
        ),
        pytest.param(
            (Check("a", B, (Variant(0, _fn, ("b",)),)), Check("b", B, (Variant(0, _fn),))),
            "check a: only restricted checks may set overrides",
            id="baseline check with overrides",
        ),
        pytest.param(
            (Check("e", R, (Variant(0, _fn),)), Check("g", R, (Variant(0, _fn, ("e",)),))),
            "check g: overrides restricted check e",
            id="restricted overriding restricted",
        ),
    ],
)
def test_registry_validate_rejects(checks: tuple[Check, ...], message: str) -> None:
    with pytest.raises(RegistryError) as err:
        validate(checks)
    assert str(err.value) == message
    with pytest.raises(RegistryError):
        build(checks)


# --- the built-in registry: order per level and version (pss.md §1.3) ----------

BASELINE_1_0 = [
    "appArmorProfile", "capabilities_baseline", "hostNamespaces", "hostPathVolumes", "hostPorts",
    "privileged", "procMount", "seLinuxOptions", "seccompProfile_baseline", "sysctls", "windowsHostProcess",
]
BASELINE_1_34 = [
    "appArmorProfile", "capabilities_baseline", "hostNamespaces", "hostPathVolumes", "hostPorts",
    "hostProbesAndHostLifecycle", "privileged", "procMount", "seLinuxOptions", "seccompProfile_baseline",
    "sysctls", "windowsHostProcess",
]
RESTRICTED_1_0 = [
    "appArmorProfile", "capabilities_baseline", "hostNamespaces", "hostPorts", "privileged", "procMount",
    "seLinuxOptions", "seccompProfile_baseline", "sysctls", "windowsHostProcess", "restrictedVolumes",
    "runAsNonRoot",
]
RESTRICTED_1_8 = [
    "appArmorProfile", "capabilities_baseline", "hostNamespaces", "hostPorts", "privileged", "procMount",
    "seLinuxOptions", "seccompProfile_baseline", "sysctls", "windowsHostProcess", "allowPrivilegeEscalation",
    "restrictedVolumes", "runAsNonRoot",
]
RESTRICTED_1_19 = [
    "appArmorProfile", "capabilities_baseline", "hostNamespaces", "hostPorts", "privileged", "procMount",
    "seLinuxOptions", "sysctls", "windowsHostProcess", "allowPrivilegeEscalation", "restrictedVolumes",
    "runAsNonRoot", "seccompProfile_restricted",
]
RESTRICTED_1_22 = [
    "appArmorProfile", "hostNamespaces", "hostPorts", "privileged", "procMount", "seLinuxOptions", "sysctls",
    "windowsHostProcess", "allowPrivilegeEscalation", "capabilities_restricted", "restrictedVolumes",
    "runAsNonRoot", "seccompProfile_restricted",
]
RESTRICTED_1_23 = [
    "appArmorProfile", "hostNamespaces", "hostPorts", "privileged", "procMount", "seLinuxOptions", "sysctls",
    "windowsHostProcess", "allowPrivilegeEscalation", "capabilities_restricted", "restrictedVolumes",
    "runAsNonRoot", "runAsUser", "seccompProfile_restricted",
]
RESTRICTED_1_34 = [
    "appArmorProfile", "hostNamespaces", "hostPorts", "hostProbesAndHostLifecycle", "privileged", "procMount",
    "seLinuxOptions", "sysctls", "windowsHostProcess", "allowPrivilegeEscalation", "capabilities_restricted",
    "restrictedVolumes", "runAsNonRoot", "runAsUser", "seccompProfile_restricted",
]
RESTRICTED_1_35 = [
    "appArmorProfile", "hostNamespaces", "hostPorts", "hostProbesAndHostLifecycle", "privileged",
    "seLinuxOptions", "sysctls", "windowsHostProcess", "allowPrivilegeEscalation", "capabilities_restricted",
    "procMount_restricted", "restrictedVolumes", "runAsNonRoot", "runAsUser", "seccompProfile_restricted",
]
ORDER_TABLE = [
    (Level.BASELINE, range(0, 34), BASELINE_1_0),
    (Level.BASELINE, range(34, 38), BASELINE_1_34),
    (Level.RESTRICTED, range(0, 8), RESTRICTED_1_0),
    (Level.RESTRICTED, range(8, 19), RESTRICTED_1_8),
    (Level.RESTRICTED, range(19, 22), RESTRICTED_1_19),
    (Level.RESTRICTED, range(22, 23), RESTRICTED_1_22),
    (Level.RESTRICTED, range(23, 34), RESTRICTED_1_23),
    (Level.RESTRICTED, range(34, 35), RESTRICTED_1_34),
    (Level.RESTRICTED, range(35, 38), RESTRICTED_1_35),
]


@pytest.mark.parametrize(
    ("level", "minor", "expected"),
    [
        pytest.param(level, minor, expected, id=f"{level.value}:v1.{minor}")
        for level, minors, expected in ORDER_TABLE
        for minor in minors
    ],
)
def test_evaluation_order(level: Level, minor: int, expected: list[str]) -> None:
    assert [c.id for c in REGISTRY.checks_for(level, minor)] == expected


@pytest.mark.parametrize(
    ("level", "minor", "check_id", "variant"),
    [
        pytest.param(Level.BASELINE, 18, "seccompProfile_baseline", SPB.seccomp_profile_baseline_1_0, id="seccomp 1.18"),
        pytest.param(Level.BASELINE, 19, "seccompProfile_baseline", SPB.seccomp_profile_baseline_1_19, id="seccomp 1.19"),
        pytest.param(Level.BASELINE, 26, "sysctls", sysctls.sysctls_1_0, id="sysctls 1.26"),
        pytest.param(Level.BASELINE, 27, "sysctls", sysctls.sysctls_1_27, id="sysctls 1.27"),
        pytest.param(Level.BASELINE, 31, "sysctls", sysctls.sysctls_1_29, id="sysctls 1.31"),
        pytest.param(Level.BASELINE, 32, "sysctls", sysctls.sysctls_1_32, id="sysctls 1.32"),
        pytest.param(Level.BASELINE, 37, "sysctls", sysctls.sysctls_1_37, id="sysctls 1.37"),
        pytest.param(Level.BASELINE, 30, "seLinuxOptions", se_linux_options.se_linux_options_1_0, id="selinux 1.30"),
        pytest.param(Level.BASELINE, 31, "seLinuxOptions", se_linux_options.se_linux_options_1_31, id="selinux 1.31"),
        pytest.param(Level.BASELINE, 34, "procMount", proc_mount.proc_mount_1_0, id="procMount 1.34"),
        pytest.param(Level.BASELINE, 35, "procMount", proc_mount.proc_mount_1_35, id="procMount 1.35"),
        pytest.param(Level.RESTRICTED, 35, "procMount_restricted", proc_mount.proc_mount_1_0,
                     id="procMount_restricted 1.35"),
        pytest.param(Level.RESTRICTED, 24, "allowPrivilegeEscalation", APE.allow_privilege_escalation_1_8,
                     id="APE 1.24"),
        pytest.param(Level.RESTRICTED, 25, "allowPrivilegeEscalation", APE.allow_privilege_escalation_1_25,
                     id="APE 1.25"),
        pytest.param(Level.RESTRICTED, 34, "runAsNonRoot", run_as_non_root.run_as_non_root_1_0,
                     id="runAsNonRoot 1.34"),
        pytest.param(Level.RESTRICTED, 35, "runAsNonRoot", RNR, id="runAsNonRoot 1.35"),
        pytest.param(Level.RESTRICTED, 34, "runAsUser", run_as_user.run_as_user_1_23, id="runAsUser 1.34"),
        pytest.param(Level.RESTRICTED, 35, "runAsUser", RAU, id="runAsUser 1.35"),
    ],
)
def test_variant_in_force(level: Level, minor: int, check_id: str, variant: CheckFn) -> None:
    found = {c.id: c.check for c in REGISTRY.checks_for(level, minor)}
    assert found[check_id] is variant


# --- version resolution: latest, future versions, Evaluator(max_version=N) ------


@pytest.mark.parametrize(
    ("max_version", "version", "resolved"),
    [
        pytest.param(None, "latest", "v1.37", id="latest is the newest check version"),
        pytest.param(None, "v1.99", "v1.37", id="future version clamps"),
        pytest.param(None, "v1.37", "v1.37", id="newest as is"),
        pytest.param(None, "v1.0", "v1.0", id="oldest as is"),
        pytest.param(35, "latest", "v1.35", id="cap 35 latest"),
        pytest.param(35, "v1.36", "v1.35", id="cap 35 newer"),
        pytest.param(35, "v1.20", "v1.20", id="cap 35 older kept"),
        pytest.param(40, "latest", "v1.37", id="cap above newest does not raise"),
    ],
)
def test_resolve(max_version: int | None, version: str, resolved: str) -> None:
    evaluator = Evaluator(max_version=max_version)
    assert str(evaluator.resolve(Version.parse(version))) == resolved
    evaluation = evaluator.evaluate(LevelVersion.parse("baseline", version), {}, {})
    assert str(evaluation.resolved) == resolved
    # Messages print the version as requested, not as resolved.
    assert str(evaluation.level_version) == f"baseline:{version}"


SLOW_START_SPEC = sysctl_pod(("net.ipv4.tcp_slow_start_after_idle", "0"))


@pytest.mark.parametrize(
    ("max_version", "allowed"),
    [pytest.param(None, True, id="default 1.37"), pytest.param(36, False, id="capped at 1.36")],
)
def test_max_version_caps_latest(max_version: int | None, allowed: bool) -> None:
    result = Evaluator(max_version=max_version).evaluate(
        LevelVersion.parse("baseline", "latest"), {}, SLOW_START_SPEC
    )
    assert result.allowed is allowed
    if not allowed:
        assert result.forbidden_detail == "forbidden sysctls (net.ipv4.tcp_slow_start_after_idle)"


def test_privileged_is_always_allowed() -> None:
    spec = {"hostNetwork": True, "containers": [ctr("a", sc(privileged=True))]}
    for version in ("v1.0", "latest", "v1.99"):
        result = evaluate(LevelVersion.parse("privileged", version), {}, spec)
        assert result.allowed and result.violations == ()
        assert result.forbidden_reason == result.forbidden_detail == ""


# --- aggregation (checks.go AggregateCheckResults) -----------------------------


def test_aggregate_reason_and_detail() -> None:
    spec = {
        "hostNetwork": True,
        "hostPID": True,
        "volumes": [{"name": "host", "hostPath": {"path": "/"}}],
        "containers": [ctr("a", sc(privileged=True), ports=[{"containerPort": 80, "hostPort": 80}])],
    }
    result = evaluate(LevelVersion.parse("baseline", "v1.30"), {}, spec)
    assert not result.allowed
    assert [v.check for v in result.violations] == ["hostNamespaces", "hostPathVolumes", "hostPorts", "privileged"]
    assert result.forbidden_reason == "host namespaces, hostPath volumes, hostPort, privileged"
    assert result.forbidden_detail == (
        "host namespaces (hostNetwork=true, hostPID=true), "
        'hostPath volumes (volume "host"), '
        'hostPort (container "a" uses hostPort 80), '
        'privileged (container "a" must not set securityContext.privileged=true)'
    )


def test_procmount_reason_moves_between_1_34_and_1_35() -> None:
    spec = {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [ctr("a", sc(
            privileged=True, procMount="Unmasked", seLinuxOptions={"user": "u"}, runAsUser=0,
            allowPrivilegeEscalation=False, capabilities={"drop": ["ALL"]},
        ))],
    }
    v34 = evaluate(LevelVersion.parse("restricted", "v1.34"), {}, spec)
    v35 = evaluate(LevelVersion.parse("restricted", "v1.35"), {}, spec)
    assert v34.forbidden_reason == "privileged, procMount, seLinuxOptions, runAsUser=0"
    assert v35.forbidden_reason == "privileged, seLinuxOptions, procMount, runAsUser=0"


def _custom(results: list[CheckResult]) -> Evaluator:
    def make(result: CheckResult) -> CheckFn:
        return lambda _m, _s: result

    checks = tuple(
        Check(f"c{i}", Level.BASELINE, (Variant(0, make(r)),)) for i, r in enumerate(results)
    )
    return Evaluator(registry=build(checks))


def test_aggregate_unknown_reason_and_empty_detail() -> None:
    evaluator = _custom([
        CheckResult(False, "", "d0"),
        CheckResult(True, "ignored", "ignored"),
        CheckResult(False, "r2", ""),
        CheckResult(False, "r3", "d3"),
    ])
    result = evaluator.evaluate(LevelVersion.parse("baseline", "v1.0"), {}, {})
    assert result.forbidden_reason == "unknown forbidden reason, r2, r3"
    assert result.forbidden_detail == "unknown forbidden reason (d0), r2, r3 (d3)"


def test_aggregate_allowed_is_empty() -> None:
    result = _custom([CheckResult(True)]).evaluate(LevelVersion.parse("restricted", "latest"), {}, {})
    assert result.allowed
    assert (result.forbidden_reason, result.forbidden_detail) == ("", "")

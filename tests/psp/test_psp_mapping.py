"""The official PSP → Pod Security Standards mapping table, row by row."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_podsec.psp import Level, map_policy
from tests.psp.builders import psp

SECCOMP = "seccomp.security.alpha.kubernetes.io/allowedProfileNames"
APPARMOR = "apparmor.security.beta.kubernetes.io/allowedProfileNames"
SECCOMP_FIELD = f"metadata.annotations[{SECCOMP}]"
APPARMOR_FIELD = f"metadata.annotations[{APPARMOR}]"
BASELINE_CAPS = ("a subset of AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, "
                 "NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT")
RESTRICTED_VOLUMES = ("a subset of configMap, csi, downwardAPI, emptyDir, ephemeral, "
                      "persistentVolumeClaim, projected, secret")
SECCOMP_RESTRICTED = "runtime/default or localhost/* profiles (no empty entry)"
SECCOMP_BASELINE = "runtime/default or localhost/* profiles, optionally a trailing comma to allow unset"
APPARMOR_REQUIRED = "runtime/default or localhost/* profiles"

# A restricted-equivalent PSP: each test changes one field of it.
RESTRICTED: dict[str, Any] = dict(
    annotations={SECCOMP: "runtime/default", APPARMOR: "runtime/default"},
    volumes=["configMap", "emptyDir", "projected", "secret", "downwardAPI", "persistentVolumeClaim",
             "csi", "ephemeral"],
    requiredDropCapabilities=["ALL"], allowPrivilegeEscalation=False,
    runAsUser={"rule": "MustRunAsNonRoot"},
    seLinux={"rule": "MustRunAs", "seLinuxOptions": {"type": "container_t", "level": "s0:c1"}},
)


def mapped(**changes: Any) -> list[tuple[str, str, str, str]]:
    spec = {**RESTRICTED, **changes}
    result = map_policy(psp("p", **spec))
    return [(f.level.value, f.field, f.found, f.required) for f in result.findings]


def test_the_restricted_baseline_is_restricted() -> None:
    result = map_policy(psp("p", **RESTRICTED))
    assert result.level is Level.RESTRICTED and result.findings == () and result.blockers == ()


def both(field: str, found: str, required: str) -> list[tuple[str, str, str, str]]:
    return [("baseline", field, found, required), ("restricted", field, found, required)]


ROWS = [
    ("privileged", dict(privileged=True), both("spec.privileged", "true", "false or unset")),
    ("defaultAddCapabilities baseline-safe", dict(defaultAddCapabilities=["CHOWN"]),
     [("restricted", "spec.defaultAddCapabilities", '["CHOWN"]', "empty, or only NET_BIND_SERVICE")]),
    ("defaultAddCapabilities NET_RAW", dict(defaultAddCapabilities=["NET_RAW"]),
     [("baseline", "spec.defaultAddCapabilities", '["NET_RAW"]', BASELINE_CAPS),
      ("restricted", "spec.defaultAddCapabilities", '["NET_RAW"]', "empty, or only NET_BIND_SERVICE")]),
    ("allowedCapabilities NET_BIND_SERVICE", dict(allowedCapabilities=["NET_BIND_SERVICE"]), []),
    ("allowedCapabilities *", dict(allowedCapabilities=["*"]),
     [("baseline", "spec.allowedCapabilities", '["*"]', BASELINE_CAPS),
      ("restricted", "spec.allowedCapabilities", '["*"]', "empty, or only NET_BIND_SERVICE")]),
    ("requiredDropCapabilities without ALL", dict(requiredDropCapabilities=["NET_RAW"]),
     [("restricted", "spec.requiredDropCapabilities", '["NET_RAW"]', "must include ALL")]),
    ("requiredDropCapabilities unset", dict(requiredDropCapabilities=[]),
     [("restricted", "spec.requiredDropCapabilities", "unset", "must include ALL")]),
    ("volumes hostPath", dict(volumes=["hostPath", "secret"]),
     [("baseline", "spec.volumes", '["hostPath", "secret"]', "anything except hostPath and *"),
      ("restricted", "spec.volumes", '["hostPath", "secret"]', RESTRICTED_VOLUMES)]),
    ("volumes *", dict(volumes=["*"]),
     [("baseline", "spec.volumes", '["*"]', "anything except hostPath and *"),
      ("restricted", "spec.volumes", '["*"]', RESTRICTED_VOLUMES)]),
    ("volumes nfs", dict(volumes=["nfs"]), [("restricted", "spec.volumes", '["nfs"]', RESTRICTED_VOLUMES)]),
    ("hostNetwork", dict(hostNetwork=True), both("spec.hostNetwork", "true", "false or unset")),
    ("hostPorts", dict(hostPorts=[{"min": 80, "max": 80}]),
     both("spec.hostPorts", '[{"min": 80, "max": 80}]', "empty or unset")),
    ("hostPID", dict(hostPID=True), both("spec.hostPID", "true", "false or unset")),
    ("hostIPC", dict(hostIPC=True), both("spec.hostIPC", "true", "false or unset")),
    ("seLinux RunAsAny", dict(seLinux={"rule": "RunAsAny"}),
     both("spec.seLinux.rule", '"RunAsAny"', "MustRunAs")),
    ("seLinux user, role and type",
     dict(seLinux={"rule": "MustRunAs", "seLinuxOptions": {"user": "u", "role": "r", "type": "spc_t"}}),
     both("spec.seLinux.seLinuxOptions.user", '"u"', "unset")
     + both("spec.seLinux.seLinuxOptions.role", '"r"', "unset")
     + both("spec.seLinux.seLinuxOptions.type", '"spc_t"',
            "unset, or one of container_t, container_init_t, container_kvm_t")),
    ("seLinux type container_kvm_t", dict(seLinux={"rule": "MustRunAs", "seLinuxOptions": {
        "type": "container_kvm_t"}}), []),
    ("runAsUser RunAsAny", dict(runAsUser={"rule": "RunAsAny"}),
     [("restricted", "spec.runAsUser.rule", '"RunAsAny"', "MustRunAsNonRoot")]),
    ("runAsUser MustRunAs", dict(runAsUser={"rule": "MustRunAs", "ranges": [{"min": 1, "max": 9}]}),
     [("restricted", "spec.runAsUser.rule", '"MustRunAs"', "MustRunAsNonRoot")]),
    ("no opinion fields", dict(runAsGroup={"rule": "RunAsAny"}, supplementalGroups={"rule": "RunAsAny"},
                               fsGroup={"rule": "RunAsAny"}, readOnlyRootFilesystem=False,
                               defaultAllowPrivilegeEscalation=True, forbiddenSysctls=["*"],
                               allowedHostPaths=[{"pathPrefix": "/"}], allowedFlexVolumes=[{"driver": "d"}],
                               allowedCSIDrivers=[{"name": "c"}],
                               runtimeClass={"allowedRuntimeClassNames": ["*"]}), []),
    ("no opinion on default profiles", dict(annotations={
        SECCOMP: "runtime/default", APPARMOR: "runtime/default",
        "seccomp.security.alpha.kubernetes.io/defaultProfileName": "unconfined",
        "apparmor.security.beta.kubernetes.io/defaultProfileName": "unconfined"}), []),
    ("allowPrivilegeEscalation unset (defaults to true)", dict(allowPrivilegeEscalation=None),
     [("restricted", "spec.allowPrivilegeEscalation", "true", "false")]),
    ("allowedUnsafeSysctls", dict(allowedUnsafeSysctls=["net.*"]),
     both("spec.allowedUnsafeSysctls", '["net.*"]', "empty or unset")),
    ("allowedProcMountTypes Default", dict(allowedProcMountTypes=["Default"]), []),
    ("allowedProcMountTypes Unmasked", dict(allowedProcMountTypes=["Default", "Unmasked"]),
     both("spec.allowedProcMountTypes", '["Default", "Unmasked"]', 'empty, or ["Default"]')),
    ("seccomp trailing comma", dict(annotations={SECCOMP: "runtime/default,", APPARMOR: "runtime/default"}),
     [("restricted", SECCOMP_FIELD, '"runtime/default,"', SECCOMP_RESTRICTED)]),
    ("seccomp localhost and docker/default",
     dict(annotations={SECCOMP: "localhost/a.json,docker/default", APPARMOR: "runtime/default"}), []),
    ("seccomp unconfined", dict(annotations={SECCOMP: "runtime/default,unconfined", APPARMOR: "runtime/default"}),
     [("baseline", SECCOMP_FIELD, '"runtime/default,unconfined"', SECCOMP_BASELINE),
      ("restricted", SECCOMP_FIELD, '"runtime/default,unconfined"', SECCOMP_RESTRICTED)]),
    ("seccomp *", dict(annotations={SECCOMP: "*", APPARMOR: "runtime/default"}),
     [("baseline", SECCOMP_FIELD, '"*"', SECCOMP_BASELINE),
      ("restricted", SECCOMP_FIELD, '"*"', SECCOMP_RESTRICTED)]),
    ("seccomp unset means no profile at all", dict(annotations={APPARMOR: "runtime/default"}),
     [("restricted", SECCOMP_FIELD, "unset", SECCOMP_RESTRICTED)]),
    ("AppArmor trailing comma still demands a profile",
     dict(annotations={SECCOMP: "runtime/default", APPARMOR: "runtime/default,localhost/x"}), []),
    ("AppArmor unconfined", dict(annotations={SECCOMP: "runtime/default", APPARMOR: "unconfined"}),
     both(APPARMOR_FIELD, '"unconfined"', APPARMOR_REQUIRED)),
    ("AppArmor unset allows any profile", dict(annotations={SECCOMP: "runtime/default"}),
     both(APPARMOR_FIELD, "unset", APPARMOR_REQUIRED)),
]


@pytest.mark.parametrize("changes, expected", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_mapping_rows(changes: dict[str, Any], expected: list[tuple[str, str, str, str]]) -> None:
    assert mapped(**changes) == expected


@pytest.mark.parametrize("changes, level, blockers", [
    ({}, Level.RESTRICTED, []),
    (dict(runAsUser={"rule": "RunAsAny"}), Level.BASELINE, [("restricted", "spec.runAsUser.rule")]),
    (dict(runAsUser={"rule": "RunAsAny"}, hostPID=True), Level.PRIVILEGED, [("baseline", "spec.hostPID")]),
])
def test_level_and_blockers(changes: dict[str, Any], level: Level,
                            blockers: list[tuple[str, str]]) -> None:
    result = map_policy(psp("p", **{**RESTRICTED, **changes}))
    assert result.level is level
    assert [(f.level.value, f.field) for f in result.blockers] == blockers


def test_privileged_example() -> None:
    result = map_policy(psp("privileged", base={
        "privileged": True, "allowPrivilegeEscalation": True, "allowedCapabilities": ["*"],
        "volumes": ["*"], "hostNetwork": True, "hostPorts": [{"min": 0, "max": 65535}],
        "hostIPC": True, "hostPID": True, "runAsUser": {"rule": "RunAsAny"},
        "seLinux": {"rule": "RunAsAny"}, "supplementalGroups": {"rule": "RunAsAny"},
        "fsGroup": {"rule": "RunAsAny"}}))
    assert result.level is Level.PRIVILEGED
    assert [f.field for f in result.blockers] == [
        "spec.privileged", "spec.allowedCapabilities", "spec.volumes", "spec.hostNetwork",
        "spec.hostPorts", "spec.hostPID", "spec.hostIPC", "spec.seLinux.rule", APPARMOR_FIELD]
    assert result.unusable == ()

"""Validation of one pod against one policy: exact upstream field errors, field by field."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_podsec.psp.policy import parse_policy
from kubectl_podsec.psp.provider import validate_pod
from tests.psp.builders import container, pod, psp

C = "spec.containers[0]"
SC = C + ".securityContext"
SECCOMP_POD = "pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]"
SECCOMP_APP = "pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]"
APPARMOR_APP = "pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]"
RANGE_1_65535 = [{"min": 1, "max": 65535}]
SA_TOKEN = {"sources": [
    {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
    {"downwardAPI": {"items": [{"path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
]}


def errors(policy: dict[str, Any], subject: dict[str, Any]) -> list[str]:
    return [str(e) for e in validate_pod(parse_policy(policy), subject)]


CASES = [
    # --- privileged
    ("privileged container", psp(), pod(container(privileged=True)),
     [f"{SC}.privileged: Invalid value: true: Privileged containers are not allowed"]),
    ("privileged allowed", psp(privileged=True), pod(container(privileged=True)), []),
    ("privileged false is fine", psp(), pod(container(privileged=False)), []),
    ("privileged init container", psp(),
     pod(container(), initContainers=[container("init", privileged=True)]),
     ["spec.initContainers[0].securityContext.privileged: Invalid value: true: "
      "Privileged containers are not allowed"]),
    ("privileged ephemeral container", psp(),
     pod(container(), ephemeralContainers=[container("debug", privileged=True)]),
     ["spec.ephemeralContainers[0].securityContext.privileged: Invalid value: true: "
      "Privileged containers are not allowed"]),
    # --- capabilities
    ("capability not allowed", psp(), pod(container(capabilities={"add": ["NET_ADMIN"]})),
     [f'{SC}.capabilities.add: Invalid value: "NET_ADMIN": capability may not be added']),
    ("capability allowed", psp(allowedCapabilities=["NET_ADMIN"]),
     pod(container(capabilities={"add": ["NET_ADMIN"]})), []),
    ("capability allowed by defaultAdd", psp(defaultAddCapabilities=["NET_ADMIN"]),
     pod(container(capabilities={"add": ["NET_ADMIN"]})), []),
    ("capability match is case-sensitive", psp(allowedCapabilities=["net_admin"]),
     pod(container(capabilities={"add": ["NET_ADMIN"]})),
     [f'{SC}.capabilities.add: Invalid value: "NET_ADMIN": capability may not be added']),
    ("required drop missing", psp(requiredDropCapabilities=["ALL"]),
     pod(container(capabilities={"drop": ["NET_RAW"]})),
     [f'{SC}.capabilities.drop: Invalid value: []core.Capability{{"NET_RAW"}}: '
      "ALL is required to be dropped but was not found"]),
    ("required drop with nil drop list", psp(requiredDropCapabilities=["ALL", "NET_RAW"]),
     pod(container(capabilities={"add": []})),
     [f"{SC}.capabilities.drop: Invalid value: []core.Capability(nil): "
      "ALL is required to be dropped but was not found",
      f"{SC}.capabilities.drop: Invalid value: []core.Capability(nil): "
      "NET_RAW is required to be dropped but was not found"]),
    ("required drop, two listed", psp(requiredDropCapabilities=["ALL"]),
     pod(container(capabilities={"drop": ["NET_RAW", "CHOWN"]})),
     [f'{SC}.capabilities.drop: Invalid value: []core.Capability{{"NET_RAW", "CHOWN"}}: '
      "ALL is required to be dropped but was not found"]),
    ("capabilities unset under requiredDrop", psp(requiredDropCapabilities=["ALL"]), pod(),
     [f'{SC}.capabilities: Invalid value: "null": required capabilities are not set on the securityContext']),
    ("capabilities unset, nothing required", psp(allowedCapabilities=["NET_ADMIN"]), pod(), []),
    ("* skips the required drop check", psp(allowedCapabilities=["*"], requiredDropCapabilities=["ALL"]),
     pod(container(capabilities={"add": ["SYS_ADMIN"]})), []),
    # --- volumes
    ("volume type not allowed", psp(volumes=["secret"]),
     pod(volumes=[{"name": "h", "hostPath": {"path": "/tmp"}}]),
     ['spec.volumes[0]: Invalid value: "hostPath": hostPath volumes are not allowed to be used']),
    ("cephfs is called cephFS", psp(volumes=["secret"]),
     pod(volumes=[{"name": "c", "cephfs": {"monitors": ["m"]}}]),
     ['spec.volumes[0]: Invalid value: "cephFS": cephFS volumes are not allowed to be used']),
    ("empty volumes list rejects everything", psp(volumes=[]),
     pod(volumes=[{"name": "e", "emptyDir": {}}]),
     ['spec.volumes[0]: Invalid value: "emptyDir": emptyDir volumes are not allowed to be used']),
    ("service account token passes as secret", psp(volumes=["secret"]),
     pod(volumes=[{"name": "kube-api-access-abcde", "projected": SA_TOKEN}]), []),
    ("other projections need projected", psp(volumes=["secret"]),
     pod(volumes=[{"name": "p", "projected": {"sources": [{"secret": {"name": "s"}}]}}]),
     ['spec.volumes[0]: Invalid value: "projected": projected volumes are not allowed to be used']),
    ("token with an audience needs projected", psp(volumes=["secret"]),
     pod(volumes=[{"name": "p", "projected": {"sources": [
         {"serviceAccountToken": {"path": "token", "audience": "vault"}}]}}]),
     ['spec.volumes[0]: Invalid value: "projected": projected volumes are not allowed to be used']),
    # --- allowedHostPaths
    ("host path not under any prefix", psp(allowedHostPaths=[{"pathPrefix": "/foo"}]),
     pod(volumes=[{"name": "h", "hostPath": {"path": "/etc"}}]),
     ['spec.volumes[0].hostPath.pathPrefix: Invalid value: "/etc": is not allowed to be used']),
    ("prefix matches whole segments only", psp(allowedHostPaths=[{"pathPrefix": "/foo"}]),
     pod(volumes=[{"name": "h", "hostPath": {"path": "/foobar"}}]),
     ['spec.volumes[0].hostPath.pathPrefix: Invalid value: "/foobar": is not allowed to be used']),
    ("prefix matches a child", psp(allowedHostPaths=[{"pathPrefix": "/foo/"}]),
     pod(volumes=[{"name": "h", "hostPath": {"path": "/foo/bar/"}}]), []),
    ("read-only prefix needs read-only mounts",
     psp(allowedHostPaths=[{"pathPrefix": "/var/log", "readOnly": True}]),
     pod(container(), initContainers=[{"name": "i", "volumeMounts": [
         {"name": "other", "mountPath": "/o"}, {"name": "h", "mountPath": "/l"}]}],
         volumes=[{"name": "h", "hostPath": {"path": "/var/log/pods"}}]),
     ['spec.initContainers[0].volumeMounts[1].readOnly: Invalid value: false: must be read-only']),
    ("read-only mount satisfies",
     psp(allowedHostPaths=[{"pathPrefix": "/var/log", "readOnly": True}]),
     pod({"name": "app", "volumeMounts": [{"name": "h", "mountPath": "/l", "readOnly": True}]},
         volumes=[{"name": "h", "hostPath": {"path": "/var/log"}}]), []),
    ("a read-write match wins",
     psp(allowedHostPaths=[{"pathPrefix": "/var", "readOnly": True}, {"pathPrefix": "/var/log"}]),
     pod({"name": "app", "volumeMounts": [{"name": "h", "mountPath": "/l"}]},
         volumes=[{"name": "h", "hostPath": {"path": "/var/log"}}]), []),
    ("host path type rejected first", psp(volumes=["secret"], allowedHostPaths=[{"pathPrefix": "/x"}]),
     pod(volumes=[{"name": "h", "hostPath": {"path": "/etc"}}]),
     ['spec.volumes[0]: Invalid value: "hostPath": hostPath volumes are not allowed to be used']),
    # --- allowedFlexVolumes / allowedCSIDrivers
    ("flex driver not allowed", psp(allowedFlexVolumes=[{"driver": "example/lvm"}]),
     pod(volumes=[{"name": "f", "flexVolume": {"driver": "example/x"}}]),
     ['spec.volumes[0].driver: Invalid value: "example/x": Flexvolume driver is not allowed to be used']),
    ("flex driver allowed", psp(allowedFlexVolumes=[{"driver": "example/x"}]),
     pod(volumes=[{"name": "f", "flexVolume": {"driver": "example/x"}}]), []),
    ("csi driver not allowed", psp(allowedCSIDrivers=[{"name": "csi.a"}]),
     pod(volumes=[{"name": "c", "csi": {"driver": "csi.x"}}]),
     ['spec.volumes[0].csi.driver: Invalid value: "csi.x": Inline CSI driver is not allowed to be used']),
    ("no csi list allows any driver", psp(), pod(volumes=[{"name": "c", "csi": {"driver": "x"}}]), []),
    # --- host namespaces and ports
    ("host namespaces", psp(),
     pod(hostNetwork=True, hostPID=True, hostIPC=True),
     ["spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used",
      "spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used",
      "spec.securityContext.hostIPC: Invalid value: true: Host IPC is not allowed to be used"]),
    ("host namespaces allowed", psp(hostNetwork=True, hostPID=True, hostIPC=True),
     pod(hostNetwork=True, hostPID=True, hostIPC=True), []),
    ("host port outside ranges",
     psp(hostPorts=[{"min": 80, "max": 80}, {"min": 443, "max": 443}, {"min": 1000, "max": 2000}]),
     pod({"name": "app", "ports": [{"containerPort": 80, "hostPort": 80},
                                   {"containerPort": 8080, "hostPort": 8080}]}),
     [f"{C}.hostPort: Invalid value: 8080: Host port 8080 is not allowed to be used. "
      "Allowed ports: [80,443,1000-2000]"]),
    ("host port without ranges", psp(),
     pod({"name": "app", "ports": [{"containerPort": 53, "hostPort": 53}]}),
     [f"{C}.hostPort: Invalid value: 53: Host port 53 is not allowed to be used. Allowed ports: []"]),
    ("container port alone is fine", psp(), pod({"name": "app", "ports": [{"containerPort": 80}]}), []),
    # --- runAsUser
    ("MustRunAs without a user", psp(runAsUser={"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 2000}]}),
     pod(), [f"{SC}.runAsUser: Required value"]),
    ("MustRunAs out of range",
     psp(runAsUser={"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 2000}, {"min": 5, "max": 5}]}),
     pod(container(runAsUser=0)),
     [f"{SC}.runAsUser: Invalid value: 0: must be in the ranges: [{{1000 2000}} {{5 5}}]"]),
    ("MustRunAs reads the pod-level user", psp(runAsUser={"rule": "MustRunAs", "ranges": [{"min": 1, "max": 9}]}),
     pod(securityContext={"runAsUser": 10}),
     [f"{SC}.runAsUser: Invalid value: 10: must be in the ranges: [{{1 9}}]"]),
    ("MustRunAsNonRoot without either field", psp(runAsUser={"rule": "MustRunAsNonRoot"}), pod(),
     [f"{SC}.runAsNonRoot: Required value: must be true"]),
    ("MustRunAsNonRoot with runAsNonRoot false", psp(runAsUser={"rule": "MustRunAsNonRoot"}),
     pod(container(runAsNonRoot=False)), [f"{SC}.runAsNonRoot: Invalid value: false: must be true"]),
    ("MustRunAsNonRoot with UID 0", psp(runAsUser={"rule": "MustRunAsNonRoot"}),
     pod(securityContext={"runAsUser": 0}),
     [f"{SC}.runAsUser: Invalid value: 0: running with the root UID is forbidden"]),
    ("MustRunAsNonRoot with a UID", psp(runAsUser={"rule": "MustRunAsNonRoot"}),
     pod(container(runAsUser=1000)), []),
    # --- runAsGroup, supplementalGroups, fsGroup
    ("runAsGroup required", psp(runAsGroup={"rule": "MustRunAs", "ranges": RANGE_1_65535}), pod(),
     [f"{SC}: Invalid value: []int64(nil): unable to validate empty groups against required ranges"]),
    ("runAsGroup out of range", psp(runAsGroup={"rule": "MustRunAs", "ranges": RANGE_1_65535}),
     pod(container(runAsGroup=0)),
     [f"{SC}: Invalid value: []int64{{0}}: group 0 must be in the ranges: [{{1 65535}}]"]),
    ("runAsGroup MayRunAs allows unset", psp(runAsGroup={"rule": "MayRunAs", "ranges": RANGE_1_65535}),
     pod(), []),
    ("runAsGroup MayRunAs checks a set value",
     psp(runAsGroup={"rule": "MayRunAs", "ranges": RANGE_1_65535}),
     pod(securityContext={"runAsGroup": 0}),
     [f"{SC}: Invalid value: []int64{{0}}: group 0 must be in the ranges: [{{1 65535}}]"]),
    ("supplementalGroups unset", psp(supplementalGroups={"rule": "MustRunAs", "ranges": [{"min": 1, "max": 1}]}),
     pod(), ["spec.securityContext.supplementalGroups: Invalid value: []int64(nil): "
             "unable to validate empty groups against required ranges"]),
    ("supplementalGroups explicitly empty",
     psp(supplementalGroups={"rule": "MustRunAs", "ranges": [{"min": 1, "max": 1}]}),
     pod(securityContext={"supplementalGroups": []}),
     ["spec.securityContext.supplementalGroups: Invalid value: []int64{}: "
      "unable to validate empty groups against required ranges"]),
    ("supplementalGroups out of range",
     psp(supplementalGroups={"rule": "MayRunAs", "ranges": [{"min": 1, "max": 1}]}),
     pod(securityContext={"supplementalGroups": [1, 999]}),
     ["spec.securityContext.supplementalGroups: Invalid value: []int64{1, 999}: "
      "group 999 must be in the ranges: [{1 1}]"]),
    ("fsGroup unset", psp(fsGroup={"rule": "MustRunAs", "ranges": [{"min": 2000, "max": 3000}]}), pod(),
     ["spec.securityContext.fsGroup: Invalid value: []int64(nil): "
      "unable to validate empty groups against required ranges"]),
    ("fsGroup out of range", psp(fsGroup={"rule": "MayRunAs", "ranges": [{"min": 2000, "max": 3000}]}),
     pod(securityContext={"fsGroup": 0}),
     ["spec.securityContext.fsGroup: Invalid value: []int64{0}: group 0 must be in the ranges: [{2000 3000}]"]),
    # --- seLinux
    ("seLinux options unset",
     psp(seLinux={"rule": "MustRunAs", "seLinuxOptions": {"type": "container_t"}}), pod(),
     ["spec.securityContext.seLinuxOptions: Required value", f"{SC}.seLinuxOptions: Required value"]),
    ("seLinux mismatch is reported for pod and inheriting container",
     psp(seLinux={"rule": "MustRunAs", "seLinuxOptions": {"type": "container_t", "level": "s0:c1,c2"}}),
     pod(securityContext={"seLinuxOptions": {"type": "spc_t", "level": "s0:c2,c1"}}),
     ['spec.securityContext.seLinuxOptions.type: Invalid value: "spc_t": must be container_t',
      f'{SC}.seLinuxOptions.type: Invalid value: "spc_t": must be container_t']),
    ("seLinux empty expected value prints a trailing space",
     psp(seLinux={"rule": "MustRunAs", "seLinuxOptions": {"level": "s0"}}),
     pod(securityContext={"seLinuxOptions": {"level": "s0", "user": "system_u"}}),
     ['spec.securityContext.seLinuxOptions.user: Invalid value: "system_u": must be ',
      f'{SC}.seLinuxOptions.user: Invalid value: "system_u": must be ']),
    ("seLinux RunAsAny checks nothing", psp(), pod(securityContext={"seLinuxOptions": {"type": "spc_t"}}), []),
    # --- readOnlyRootFilesystem, allowPrivilegeEscalation
    ("read-only root unset", psp(readOnlyRootFilesystem=True), pod(),
     [f'{SC}.readOnlyRootFilesystem: Invalid value: "null": '
      "ReadOnlyRootFilesystem may not be nil and must be set to true"]),
    ("read-only root false", psp(readOnlyRootFilesystem=True), pod(container(readOnlyRootFilesystem=False)),
     [f"{SC}.readOnlyRootFilesystem: Invalid value: false: ReadOnlyRootFilesystem must be set to true"]),
    ("escalation unset", psp(allowPrivilegeEscalation=False), pod(),
     [f'{SC}.allowPrivilegeEscalation: Invalid value: "null": '
      "Allowing privilege escalation for containers is not allowed"]),
    ("escalation true", psp(allowPrivilegeEscalation=False), pod(container(allowPrivilegeEscalation=True)),
     [f"{SC}.allowPrivilegeEscalation: Invalid value: true: "
      "Allowing privilege escalation for containers is not allowed"]),
    ("escalation allowed by default", psp(), pod(container(allowPrivilegeEscalation=True)), []),
    # --- sysctls
    ("sysctls", psp(forbiddenSysctls=["kernel.msg*"], allowedUnsafeSysctls=["net.core.*"]),
     pod(securityContext={"sysctls": [
         {"name": "kernel.shm_rmid_forced", "value": "1"}, {"name": "kernel.msgmax", "value": "1"},
         {"name": "net.core.somaxconn", "value": "1"}, {"name": "vm.swappiness", "value": "1"}]}),
     ['pod.spec.securityContext.sysctls[1]: Forbidden: sysctl "kernel.msgmax" is not allowed',
      'pod.spec.securityContext.sysctls[3]: Forbidden: unsafe sysctl "vm.swappiness" is not allowed']),
    ("forbidden * beats the safe list", psp(forbiddenSysctls=["*"]),
     pod(securityContext={"sysctls": [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]}),
     ['pod.spec.securityContext.sysctls[0]: Forbidden: sysctl "net.ipv4.ip_unprivileged_port_start" '
      "is not allowed"]),
    # --- allowedProcMountTypes
    ("proc mount not allowed", psp(), pod(container(procMount="Unmasked")),
     [f'{SC}.procMount: Invalid value: "Unmasked": ProcMountType is not allowed']),
    ("proc mount allowed", psp(allowedProcMountTypes=["Default", "Unmasked"]),
     pod(container(procMount="Unmasked")), []),
    ("Default proc mount is always fine", psp(), pod(container(procMount="Default")), []),
    # --- runtimeClass
    ("runtime class not allowed", psp(runtimeClass={"allowedRuntimeClassNames": ["gvisor"]}),
     pod(runtimeClassName="kata"), ['spec.runtimeClassName: Invalid value: "kata"']),
    ("runtime class *", psp(runtimeClass={"allowedRuntimeClassNames": ["*"]}), pod(runtimeClassName="kata"), []),
    ("runtime class unset", psp(runtimeClass={"allowedRuntimeClassNames": []}), pod(), []),
    ("no runtimeClass block allows any", psp(), pod(runtimeClassName="kata"), []),
]


@pytest.mark.parametrize("policy, subject, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validation(policy: dict[str, Any], subject: dict[str, Any], expected: list[str]) -> None:
    assert errors(policy, subject) == expected


SECCOMP = "seccomp.security.alpha.kubernetes.io/allowedProfileNames"
APPARMOR = "apparmor.security.beta.kubernetes.io/allowedProfileNames"
PROFILE_CASES = [
    ("no list, no profile", {}, pod(), []),
    ("no list forbids any profile", {}, pod(annotations={"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}),
     [f"{SECCOMP_POD}: Forbidden: seccomp may not be set", f"{SECCOMP_APP}: Forbidden: seccomp may not be set"]),
    ("field counts as a profile", {}, pod(container(seccompProfile={"type": "RuntimeDefault"})),
     [f"{SECCOMP_APP}: Forbidden: seccomp may not be set"]),
    ("profile not in list", {SECCOMP: "runtime/default"},
     pod(securityContext={"seccompProfile": {"type": "Unconfined"}}),
     [f"{SECCOMP_POD}: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default",
      f"{SECCOMP_APP}: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default"]),
    ("unset profile against a list", {SECCOMP: "runtime/default"}, pod(),
     [f"{SECCOMP_POD}: Forbidden:  is not an allowed seccomp profile. Valid values are runtime/default",
      f"{SECCOMP_APP}: Forbidden:  is not an allowed seccomp profile. Valid values are runtime/default"]),
    ("trailing comma allows unset", {SECCOMP: "runtime/default,"}, pod(), []),
    ("docker/default and runtime/default are one", {SECCOMP: "docker/default"},
     pod(container(seccompProfile={"type": "RuntimeDefault"}),
         annotations={"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}), []),
    ("localhost field", {SECCOMP: "localhost/prof.json"},
     pod(securityContext={"seccompProfile": {"type": "Localhost", "localhostProfile": "prof.json"}}), []),
    ("* allows anything", {SECCOMP: "*"},
     pod(annotations={"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}), []),
    ("container annotation beats pod annotation", {SECCOMP: "runtime/default"},
     pod(annotations={"seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
                      "container.seccomp.security.alpha.kubernetes.io/app": "unconfined"}),
     [f"{SECCOMP_APP}: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default"]),
    ("AppArmor without a list", {}, pod(annotations={
        "container.apparmor.security.beta.kubernetes.io/app": "unconfined"}), []),
    ("AppArmor unset with a list", {APPARMOR: "runtime/default"}, pod(),
     [f"{APPARMOR_APP}: Forbidden: AppArmor profile must be set"]),
    ("AppArmor trailing comma still needs a profile", {APPARMOR: "runtime/default,"}, pod(),
     [f"{APPARMOR_APP}: Forbidden: AppArmor profile must be set"]),
    ("AppArmor profile not allowed", {APPARMOR: "runtime/default,localhost/a"},
     pod(annotations={"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}),
     [f'{APPARMOR_APP}: Forbidden: unconfined is not an allowed profile. '
      'Allowed values: "runtime/default,localhost/a"']),
    ("AppArmor profile allowed", {APPARMOR: "runtime/default,localhost/a"},
     pod(annotations={"container.apparmor.security.beta.kubernetes.io/app": "localhost/a"}), []),
]


@pytest.mark.parametrize("annotations, subject, expected", [c[1:] for c in PROFILE_CASES],
                         ids=[c[0] for c in PROFILE_CASES])
def test_profile_validation(annotations: dict[str, str], subject: dict[str, Any],
                            expected: list[str]) -> None:
    assert errors(psp(annotations=annotations), subject) == expected


def test_errors_come_in_upstream_order() -> None:
    policy = psp(fsGroup={"rule": "MustRunAs", "ranges": [{"min": 1, "max": 1}]},
                 volumes=["configMap"], runtimeClass={"allowedRuntimeClassNames": []},
                 allowPrivilegeEscalation=False)
    subject = pod(container("a", privileged=True, allowPrivilegeEscalation=False,
                            capabilities={"add": ["SYS_ADMIN"]}),
                  initContainers=[container("i", allowPrivilegeEscalation=False)],
                  hostPID=True, runtimeClassName="kata",
                  volumes=[{"name": "h", "hostPath": {"path": "/"}}],
                  securityContext={"sysctls": [{"name": "vm.x", "value": "1"}]})
    assert errors(policy, subject) == [
        "spec.securityContext.fsGroup: Invalid value: []int64(nil): "
        "unable to validate empty groups against required ranges",
        "spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used",
        'pod.spec.securityContext.sysctls[0]: Forbidden: unsafe sysctl "vm.x" is not allowed',
        'spec.volumes[0]: Invalid value: "hostPath": hostPath volumes are not allowed to be used',
        'spec.runtimeClassName: Invalid value: "kata"',
        "spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed",
        'spec.containers[0].securityContext.capabilities.add: Invalid value: "SYS_ADMIN": capability may not be added',
    ]

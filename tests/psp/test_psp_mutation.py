"""Defaulting (mutation) by one policy: which fields it writes, in upstream's order."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubectl_podsec.psp import evaluate_policy
from tests.psp.builders import PRIVILEGED_SPEC, container, pod, psp

SC = "spec.containers[0].securityContext"
MUST_1000 = {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 2000}, {"min": 1, "max": 5}]}

CASES = [
    # --- pod level, in upstream's order
    ("supplementalGroups MustRunAs", psp(supplementalGroups=MUST_1000), pod(),
     [("spec.securityContext.supplementalGroups", None, [1000])]),
    ("explicit empty supplementalGroups is kept", psp(supplementalGroups=MUST_1000),
     pod(securityContext={"supplementalGroups": []}), []),
    ("supplementalGroups MayRunAs never writes",
     psp(supplementalGroups={"rule": "MayRunAs", "ranges": [{"min": 1, "max": 2}]}), pod(), []),
    ("fsGroup MustRunAs", psp(fsGroup=MUST_1000), pod(), [("spec.securityContext.fsGroup", None, 1000)]),
    ("fsGroup already set", psp(fsGroup=MUST_1000), pod(securityContext={"fsGroup": 7}), []),
    ("seLinux MustRunAs writes the pod level only",
     psp(seLinux={"rule": "MustRunAs", "seLinuxOptions": {"type": "container_t", "level": "s0"}}),
     pod(container(seLinuxOptions={"type": "x"})),
     [("spec.securityContext.seLinuxOptions", None, {"type": "container_t", "level": "s0"})]),
    ("seccomp default profile", psp(annotations={
        "seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default"}), pod(),
     [("metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]", None, "runtime/default")]),
    ("seccomp pod field is copied into the annotation", psp(),
     pod(securityContext={"seccompProfile": {"type": "RuntimeDefault"}}),
     [("metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]", None, "runtime/default")]),
    ("seccomp annotation already set", psp(annotations={
        "seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default"}),
     pod(annotations={"seccomp.security.alpha.kubernetes.io/pod": "localhost/x"}), []),
    ("runtime class default", psp(runtimeClass={"allowedRuntimeClassNames": ["gvisor"],
                                                "defaultRuntimeClassName": "gvisor"}), pod(),
     [("spec.runtimeClassName", None, "gvisor")]),
    ("runtime class already set", psp(runtimeClass={"allowedRuntimeClassNames": ["*"],
                                                    "defaultRuntimeClassName": "gvisor"}),
     pod(runtimeClassName="kata"), []),
    # --- containers
    ("runAsUser MustRunAs uses the first range's min", psp(runAsUser=MUST_1000),
     pod(container("a"), initContainers=[container("i")]),
     [("spec.initContainers[0].securityContext.runAsUser", None, 1000), (f"{SC}.runAsUser", None, 1000)]),
    ("pod-level runAsUser stops container defaulting", psp(runAsUser=MUST_1000),
     pod(securityContext={"runAsUser": 1500}), []),
    ("runAsGroup MustRunAs", psp(runAsGroup=MUST_1000), pod(), [(f"{SC}.runAsGroup", None, 1000)]),
    ("runAsGroup MayRunAs never writes",
     psp(runAsGroup={"rule": "MayRunAs", "ranges": [{"min": 1, "max": 2}]}), pod(), []),
    ("AppArmor default per container",
     psp(annotations={"apparmor.security.beta.kubernetes.io/defaultProfileName": "runtime/default"}),
     pod(container("a"), container("b"),
         annotations={"container.apparmor.security.beta.kubernetes.io/b": "localhost/p"}),
     [("metadata.annotations[container.apparmor.security.beta.kubernetes.io/a]", None, "runtime/default")]),
    ("AppArmor empty value is replaced",
     psp(annotations={"apparmor.security.beta.kubernetes.io/defaultProfileName": "runtime/default"}),
     pod(container("a"), annotations={"container.apparmor.security.beta.kubernetes.io/a": ""}),
     [("metadata.annotations[container.apparmor.security.beta.kubernetes.io/a]", "", "runtime/default")]),
    ("MustRunAsNonRoot sets runAsNonRoot", psp(runAsUser={"rule": "MustRunAsNonRoot"}), pod(),
     [(f"{SC}.runAsNonRoot", None, True)]),
    ("MustRunAsNonRoot leaves a UID alone", psp(runAsUser={"rule": "MustRunAsNonRoot"}),
     pod(container(runAsUser=1000)), []),
    ("MustRunAsNonRoot respects the pod level", psp(runAsUser={"rule": "MustRunAsNonRoot"}),
     pod(securityContext={"runAsNonRoot": False}), []),
    ("default add capabilities", psp(defaultAddCapabilities=["SYS_TIME", "NET_ADMIN"]), pod(),
     [(f"{SC}.capabilities.add", None, ["NET_ADMIN", "SYS_TIME"])]),
    ("a dropped default is not added", psp(defaultAddCapabilities=["NET_ADMIN"]),
     pod(container(capabilities={"drop": ["NET_ADMIN"]})), []),
    ("dropping ALL does not cancel a default add", psp(defaultAddCapabilities=["NET_ADMIN"]),
     pod(container(capabilities={"drop": ["ALL"]})),
     [(f"{SC}.capabilities.add", None, ["NET_ADMIN"])]),
    ("required drop, user lists re-sorted and de-duplicated",
     psp(requiredDropCapabilities=["ALL"], allowedCapabilities=["*"]),
     pod(container(capabilities={"add": ["SYS_TIME", "CHOWN", "CHOWN"], "drop": ["NET_RAW"]})),
     [(f"{SC}.capabilities.add", ["SYS_TIME", "CHOWN", "CHOWN"], ["CHOWN", "SYS_TIME"]),
      (f"{SC}.capabilities.drop", ["NET_RAW"], ["ALL", "NET_RAW"])]),
    ("required drop already present", psp(requiredDropCapabilities=["ALL"]),
     pod(container(capabilities={"drop": ["ALL"]})), []),
    ("read-only root filesystem", psp(readOnlyRootFilesystem=True), pod(),
     [(f"{SC}.readOnlyRootFilesystem", None, True)]),
    ("read-only root filesystem set false is kept", psp(readOnlyRootFilesystem=True),
     pod(container(readOnlyRootFilesystem=False)), []),
    ("defaultAllowPrivilegeEscalation", psp(defaultAllowPrivilegeEscalation=False), pod(),
     [(f"{SC}.allowPrivilegeEscalation", None, False)]),
    ("defaultAllowPrivilegeEscalation true", psp(defaultAllowPrivilegeEscalation=True), pod(),
     [(f"{SC}.allowPrivilegeEscalation", None, True)]),
    ("allowPrivilegeEscalation false", psp(allowPrivilegeEscalation=False), pod(),
     [(f"{SC}.allowPrivilegeEscalation", None, False)]),
    ("allowPrivilegeEscalation already set", psp(allowPrivilegeEscalation=False),
     pod(container(allowPrivilegeEscalation=True)), []),
    ("ephemeral containers are defaulted too", psp(readOnlyRootFilesystem=True),
     pod(container(readOnlyRootFilesystem=True), ephemeralContainers=[container("debug")]),
     [("spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem", None, True)]),
    # --- validating-only fields never write
    ("validating-only fields never mutate", psp(base=PRIVILEGED_SPEC, volumes=["secret"],
                                                allowedHostPaths=[{"pathPrefix": "/x"}],
                                                forbiddenSysctls=["*"]),
     pod(container(privileged=True)), []),
]


@pytest.mark.parametrize("policy, subject, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_mutation(policy: dict[str, Any], subject: dict[str, Any],
                  expected: list[tuple[str, Any, Any]]) -> None:
    result = evaluate_policy(policy, subject)
    assert [(m.path, m.old, m.new) for m in result.mutations] == expected
    assert result.mutated is bool(expected)


def test_order_of_all_mutations() -> None:
    policy = psp(
        annotations={"seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default",
                     "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default",
                     "apparmor.security.beta.kubernetes.io/defaultProfileName": "runtime/default"},
        supplementalGroups=MUST_1000, fsGroup=MUST_1000, runAsUser=MUST_1000, runAsGroup=MUST_1000,
        seLinux={"rule": "MustRunAs", "seLinuxOptions": {"level": "s0"}},
        runtimeClass={"allowedRuntimeClassNames": ["gvisor"], "defaultRuntimeClassName": "gvisor"},
        requiredDropCapabilities=["ALL"], readOnlyRootFilesystem=True, allowPrivilegeEscalation=False)
    result = evaluate_policy(policy, pod())
    assert [m.path for m in result.mutations] == [
        "spec.securityContext.supplementalGroups",
        "spec.securityContext.fsGroup",
        "spec.securityContext.seLinuxOptions",
        "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]",
        "spec.runtimeClassName",
        f"{SC}.runAsUser",
        f"{SC}.runAsGroup",
        "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]",
        f"{SC}.capabilities.drop",
        f"{SC}.readOnlyRootFilesystem",
        f"{SC}.allowPrivilegeEscalation",
    ]
    assert result.errors == ()
    # Idempotent: the mutated pod needs nothing more
    assert evaluate_policy(policy, result.pod).mutations == ()


def test_permissive_policy_creates_no_security_context() -> None:
    subject = pod()
    result = evaluate_policy(psp(base=PRIVILEGED_SPEC), subject)
    assert result.mutations == () and result.pod == subject
    assert "securityContext" not in result.pod["spec"]["containers"][0]


def test_caller_dicts_are_never_changed() -> None:
    policy = psp(runAsUser=MUST_1000, requiredDropCapabilities=["ALL"],
                 annotations={"apparmor.security.beta.kubernetes.io/defaultProfileName": "runtime/default"})
    subject = pod(container(capabilities={"drop": ["NET_RAW"]}))
    before = copy.deepcopy((policy, subject))
    result = evaluate_policy(policy, subject)
    assert (policy, subject) == before
    assert result.pod["spec"]["containers"][0]["securityContext"] == {
        "runAsUser": 1000, "capabilities": {"drop": ["ALL", "NET_RAW"]}}

"""Malformed input: one documented error type naming the field; Go value rendering."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_podsec.psp import (
    Grants,
    PodDecodeError,
    PolicyDecodeError,
    PspInputError,
    evaluate_policy,
    find_drift,
    map_policy,
    parse_policy,
    provider_errors,
    select_policy,
)
from kubectl_podsec.psp.fielderrors import GoSlice, render_value
from tests.psp.builders import container, pod, psp

BAD_PODS = [
    ("not an object", ["x"], "", "expected a pod object, got a list"),
    ("wrong kind", {"kind": "Deployment"}, "kind", "expected a Pod, got Deployment"),
    ("string UID", pod(container(runAsUser="1000")), "spec.containers[0].securityContext.runAsUser",
     'expected a 64-bit integer, got "1000"'),
    ("bool as int", pod(securityContext={"fsGroup": True}), "spec.securityContext.fsGroup",
     "expected a 64-bit integer, got true"),
    ("float UID", pod(container(runAsUser=1000.0)), "spec.containers[0].securityContext.runAsUser",
     "expected a 64-bit integer, got 1000.0"),
    ("port out of range", pod({"name": "a", "ports": [{"containerPort": 2**31}]}),
     "spec.containers[0].ports[0].containerPort", "expected a 32-bit integer, got 2147483648"),
    ("string privileged", pod(container(privileged="yes")), "spec.containers[0].securityContext.privileged",
     'expected a boolean, got "yes"'),
    ("containers not a list", pod(containers={"name": "a"}), "spec.containers",
     'expected a list, got {"name": "a"}'),
    ("null container", pod(containers=[None]), "spec.containers[0]", "expected a container, got null"),
    ("annotation value", pod(annotations={"a": 1}), "metadata.annotations[a]", "expected a string, got 1"),
    ("capability names", pod(container(capabilities={"add": [1]})),
     "spec.containers[0].securityContext.capabilities.add[0]", "expected a string, got 1"),
    ("volume source", pod(volumes=[{"name": "v", "hostPath": "/etc"}]), "spec.volumes[0].hostPath",
     'expected an object, got "/etc"'),
]


@pytest.mark.parametrize("subject, path, problem", [c[1:] for c in BAD_PODS], ids=[c[0] for c in BAD_PODS])
def test_bad_pods(subject: Any, path: str, problem: str) -> None:
    with pytest.raises(PodDecodeError) as caught:
        select_policy(subject, [psp()], Grants(user={"*"}))
    assert (caught.value.path, caught.value.problem) == (path, problem)
    assert isinstance(caught.value, PspInputError) and isinstance(caught.value, ValueError)


BAD_POLICIES = [
    ("not an object", "psp", "", 'expected an object, got "psp"'),
    ("wrong kind", {**psp(), "kind": "Pod"}, "kind", "expected PodSecurityPolicy, got Pod"),
    ("no name", psp(name=""), "metadata.name", "a PodSecurityPolicy needs a name"),
    ("string bool", psp(privileged="true"), "spec.privileged", 'expected a boolean, got "true"'),
    ("range type", psp(runAsUser={"rule": "MustRunAs", "ranges": [{"min": "1"}]}),
     "spec.runAsUser.ranges[0].min", 'expected a 64-bit integer, got "1"'),
    ("volumes not a list", psp(volumes="*"), "spec.volumes", 'expected a list, got "*"'),
]


@pytest.mark.parametrize("policy, path, problem", [c[1:] for c in BAD_POLICIES],
                         ids=[c[0] for c in BAD_POLICIES])
def test_bad_policies(policy: Any, path: str, problem: str) -> None:
    with pytest.raises(PolicyDecodeError) as caught:
        parse_policy(policy)
    assert (caught.value.path, caught.value.problem) == (path, problem)
    assert str(caught.value) == (f"{path}: {problem}" if path else problem)


def test_duplicate_policy_names() -> None:
    with pytest.raises(PolicyDecodeError, match="two PodSecurityPolicies are named a"):
        select_policy(pod(), [psp("a"), psp("a")], Grants())


def test_other_entry_points_reject_bad_input() -> None:
    with pytest.raises(PolicyDecodeError):
        map_policy({"metadata": {"name": "x"}, "spec": {"hostPID": 1}})
    with pytest.raises(PodDecodeError):
        evaluate_policy(psp(), {"spec": {"hostPID": "no"}})
    with pytest.raises(PodDecodeError):
        find_drift(pod(), {"spec": {"containers": "x"}})
    with pytest.raises(PspInputError):
        Grants(user="alpha")


def test_nulls_are_unset() -> None:
    subject = pod(container(runAsUser=None, capabilities=None), securityContext=None, volumes=None)
    assert evaluate_policy(psp(), subject).errors == ()


PROVIDER_CASES = [
    ("fine", {}, ()),
    ("unknown rules", {"runAsUser": {"rule": "X"}, "seLinux": {}, "runAsGroup": {"rule": "Y"},
                       "fsGroup": {"rule": "Z"}, "supplementalGroups": {}},
     ("Unrecognized RunAsUser strategy type X", "Unrecognized RunAsGroup strategy type Y",
      "Unrecognized SELinuxContext strategy type ", "Unrecognized FSGroup strategy type Z",
      "Unrecognized SupplementalGroups strategy type ")),
    ("missing ranges", {"runAsUser": {"rule": "MustRunAs"}, "runAsGroup": {"rule": "MayRunAs"},
                        "seLinux": {"rule": "MustRunAs"}},
     ("MustRunAs requires at least one range", "ranges must be supplied for MayRunAs",
      "MustRunAs requires SELinuxOptions")),
]


@pytest.mark.parametrize("spec, expected", [c[1:] for c in PROVIDER_CASES], ids=[c[0] for c in PROVIDER_CASES])
def test_provider_errors(spec: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert provider_errors(parse_policy(psp(**spec))) == expected


def test_allow_privilege_escalation_defaults_to_true() -> None:
    assert parse_policy(psp()).allow_privilege_escalation is True
    assert parse_policy(psp(allowPrivilegeEscalation=False)).allow_privilege_escalation is False


@pytest.mark.parametrize("text, quoted", [
    ("plain", '"plain"'), ('a"b\\c', '"a\\"b\\\\c"'), ("tab\there\n", '"tab\\there\\n"'),
    ("\x01", '"\\x01"'), ("caf\u00e9", '"caf\u00e9"'), ("\u00a0", '"\\u00a0"')])
def test_string_values_are_go_quoted(text: str, quoted: str) -> None:
    assert render_value(text) == quoted


def test_go_slices() -> None:
    assert str(GoSlice("int64", None)) == "[]int64(nil)"
    assert str(GoSlice("int64", ())) == "[]int64{}"
    assert str(GoSlice("core.Capability", ("A", "B"))) == '[]core.Capability{"A", "B"}'

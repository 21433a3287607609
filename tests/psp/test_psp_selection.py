"""Choosing a policy (specs/psp.md §1): order, mutation preference, authorisation, updates."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubectl_podsec.psp import (
    PSP_ANNOTATION,
    Grants,
    Operation,
    Outcome,
    Subject,
    UseRequest,
    select_policy,
)
from tests.psp.builders import container, pod, psp

ALL = Grants(user={"*"})
MUTATING: dict[str, Any] = {"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 1000}]}}
PRIVILEGED_ERROR = ("spec.containers[0].securityContext.privileged: Invalid value: true: "
                    "Privileged containers are not allowed")


def outcomes(admission: Any) -> list[tuple[str, str, str | None]]:
    return [(v.name, v.outcome.value, v.passed_over) for v in admission.verdicts]


def test_two_non_mutating_policies_first_by_name_wins() -> None:
    admission = select_policy(pod(), [psp("zeta"), psp("alpha")], ALL)
    assert admission.allowed and admission.policy == "alpha"
    assert admission.validated_by == "alpha"
    assert outcomes(admission) == [("alpha", "accepted", None),
                                   ("zeta", "accepted", "earlier policy alpha was chosen")]
    assert admission.pod["metadata"]["annotations"] == {PSP_ANNOTATION: "alpha"}
    assert admission.mutations == ()


def test_mutating_policy_earlier_by_name_is_passed_over() -> None:
    admission = select_policy(pod(), [psp("a-mutating", **MUTATING), psp("b-plain")], ALL)
    assert admission.policy == "b-plain"
    assert outcomes(admission) == [
        ("a-mutating", "accepted-after-mutation",
         "it would mutate the pod while policy b-plain accepts it unchanged"),
        ("b-plain", "accepted", None)]
    assert "securityContext" not in admission.pod["spec"]["containers"][0]


def test_first_mutating_policy_wins_when_none_accepts_unchanged() -> None:
    admission = select_policy(pod(container(privileged=True)),
                              [psp("c", **MUTATING), psp("b", privileged=True, **MUTATING), psp("a")],
                              ALL)
    assert admission.policy == "b"
    assert [(m.path, m.old, m.new) for m in admission.mutations] == [
        ("spec.containers[0].securityContext.runAsUser", None, 1000)]
    assert admission.pod["spec"]["containers"][0]["securityContext"] == {
        "privileged": True, "runAsUser": 1000}
    assert admission.pod["metadata"]["annotations"] == {PSP_ANNOTATION: "b"}
    assert outcomes(admission) == [
        ("a", "rejected", "it rejects the pod (1 field error)"),
        ("b", "accepted-after-mutation", None),
        ("c", "rejected", "it rejects the pod (1 field error)")]


def test_nothing_authorised() -> None:
    admission = select_policy(pod(), [psp("a"), psp("b")], Grants())
    assert not admission.allowed and admission.policy is None
    assert admission.message == 'pods "web" is forbidden: PodSecurityPolicy: unable to admit pod: []'
    assert admission.reason == "PodSecurityPolicy: unable to admit pod: []"
    reason = "neither the requesting user nor the pod's service account may use it"
    assert outcomes(admission) == [("a", "not-authorized", reason), ("b", "not-authorized", reason)]


def test_errors_of_authorised_policies_only_in_name_order() -> None:
    policies = [psp("c", volumes=["secret"]), psp("b"), psp("a", hostPID=True)]
    subject = pod(container(privileged=True), volumes=[{"name": "h", "hostPath": {"path": "/"}}])
    admission = select_policy(subject, policies, Grants(user={"a", "c"}))
    assert admission.errors == (
        PRIVILEGED_ERROR,
        'spec.volumes[0]: Invalid value: "hostPath": hostPath volumes are not allowed to be used',
        PRIVILEGED_ERROR)
    assert admission.message == (
        'pods "web" is forbidden: PodSecurityPolicy: unable to admit pod: ['
        + PRIVILEGED_ERROR
        + ' spec.volumes[0]: Invalid value: "hostPath": hostPath volumes are not allowed to be used '
        + PRIVILEGED_ERROR + "]")
    unauthorised = admission.verdict("b")
    assert unauthorised is not None and unauthorised.outcome is Outcome.NOT_AUTHORIZED
    assert unauthorised.errors == (PRIVILEGED_ERROR,)  # still shown, but not aggregated


def test_authorised_only_through_the_service_account() -> None:
    asked: list[UseRequest] = []

    def authorizer(request: UseRequest) -> bool:
        asked.append(request)
        return request.subject is Subject.SERVICE_ACCOUNT and request.policy == "b"

    admission = select_policy(pod(serviceAccountName="builder"), [psp("a"), psp("b")], authorizer)
    assert admission.policy == "b"
    chosen = admission.verdict("b")
    assert chosen is not None and chosen.authorized_via == (Subject.SERVICE_ACCOUNT,)
    assert asked[:2] == [
        UseRequest(Subject.SERVICE_ACCOUNT, "a", "team", "system:serviceaccount:team:builder",
                   ("system:serviceaccounts", "system:serviceaccounts:team")),
        UseRequest(Subject.USER, "a", "team")]


def test_without_a_service_account_name_only_the_user_is_asked() -> None:
    admission = select_policy(pod(), [psp("a")], Grants(service_account={"*"}))
    assert admission.reason == "PodSecurityPolicy: unable to admit pod: []"


def test_both_subjects_are_recorded() -> None:
    admission = select_policy(pod(serviceAccountName="default"), [psp("a")],
                              Grants(user={"a"}, service_account={"a"}))
    verdict = admission.verdict("a")
    assert verdict is not None
    assert verdict.authorized_via == (Subject.SERVICE_ACCOUNT, Subject.USER) and verdict.authorized


def test_update_accepts_only_unchanged_pods() -> None:
    admission = select_policy(pod(), [psp("a-mutating", **MUTATING)], ALL, operation=Operation.UPDATE)
    assert admission.message == 'pods "web" is forbidden: PodSecurityPolicy: unable to validate pod: []'
    assert outcomes(admission) == [("a-mutating", "accepted-after-mutation",
                                    "it would mutate the pod, which PSP does not allow on update")]


def test_update_uses_a_policy_that_validates_unchanged() -> None:
    subject = pod(container(runAsUser=1000))
    admission = select_policy(subject, [psp("a-mutating", **MUTATING), psp("b")], ALL,
                              operation=Operation.UPDATE)
    assert admission.policy == "a-mutating"  # valid and unchanged: no mutation needed
    assert admission.pod == subject and admission.mutations == ()


def test_update_tries_the_annotated_policy_first() -> None:
    subject = pod(annotations={PSP_ANNOTATION: "zeta"})
    admission = select_policy(subject, [psp("alpha"), psp("zeta")], ALL, operation=Operation.UPDATE)
    assert admission.policy == "zeta"
    assert outcomes(admission) == [
        ("zeta", "accepted", None),
        ("alpha", "accepted",
         "policy zeta, named by the pod's kubernetes.io/psp annotation, is tried first")]
    assert admission.pod["metadata"]["annotations"] == {PSP_ANNOTATION: "zeta"}


def test_create_ignores_an_incoming_annotation() -> None:
    subject = pod(annotations={PSP_ANNOTATION: "zeta"})
    admission = select_policy(subject, [psp("alpha"), psp("zeta")], ALL)
    assert admission.policy == "alpha"
    assert admission.pod["metadata"]["annotations"] == {PSP_ANNOTATION: "alpha"}


def test_pod_seccomp_field_makes_every_policy_mutate() -> None:
    subject = pod(securityContext={"seccompProfile": {"type": "RuntimeDefault"}})
    allowed = {"seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default"}
    admission = select_policy(subject, [psp("b", annotations=allowed), psp("a", annotations=allowed)], ALL)
    assert admission.policy == "a" and admission.validated_by == "a"
    assert outcomes(admission) == [("a", "accepted-after-mutation", None),
                                   ("b", "accepted-after-mutation", "earlier policy a was chosen")]
    assert admission.pod["metadata"]["annotations"] == {
        "seccomp.security.alpha.kubernetes.io/pod": "runtime/default", PSP_ANNOTATION: "a"}


@pytest.mark.parametrize("policies", [[], [psp("broken", runAsUser={"rule": "MustRunAs"})]],
                         ids=["no policies", "only unusable policies"])
def test_no_providers(policies: list[dict[str, Any]]) -> None:
    admission = select_policy(pod(), policies, ALL)
    assert admission.message == ('pods "web" is forbidden: PodSecurityPolicy: '
                                 "no providers available to validate pod request")


def test_unusable_policies_are_skipped() -> None:
    broken = psp("a-broken", fsGroup={"rule": "MustRunAs"}, runAsUser={"rule": "Nobody"})
    admission = select_policy(pod(), [broken, psp("b")], ALL)
    assert admission.policy == "b"
    verdict = admission.verdict("a-broken")
    assert verdict is not None and verdict.outcome is Outcome.UNUSABLE
    assert verdict.errors == ("Unrecognized RunAsUser strategy type Nobody",
                              "ranges must be supplied for MustRunAs")
    assert verdict.passed_over == ("the policy is invalid, so admission skips it: "
                                   "Unrecognized RunAsUser strategy type Nobody; "
                                   "ranges must be supplied for MustRunAs")


@pytest.mark.parametrize("metadata, shown", [
    ({"generateName": "web-7d5b7688f9-"}, "web-7d5b7688f9-"), ({}, "Unknown")])
def test_name_in_the_message(metadata: dict[str, str], shown: str) -> None:
    subject = pod(container(privileged=True))
    subject["metadata"] = metadata
    admission = select_policy(subject, [psp("a")], ALL)
    assert admission.message == (f'pods "{shown}" is forbidden: PodSecurityPolicy: unable to admit pod: ['
                                 + PRIVILEGED_ERROR + "]")


def test_inputs_are_not_changed() -> None:
    policies = [psp("a", **MUTATING)]
    subject = pod()
    before = copy.deepcopy((policies, subject))
    admission = select_policy(subject, policies, ALL)
    assert (policies, subject) == before
    admission.pod["spec"]["containers"].clear()
    assert subject == before[1]

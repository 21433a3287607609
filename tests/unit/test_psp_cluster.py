"""psp_cluster.ClusterAuthorizer with an in-process stand-in for Cluster: whom it asks,
in which API group, what it caches, and what it does when the server refuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from kubectl_podsec.kube.client import IMPERSONATION_REFUSED, ApiError
from kubectl_podsec.kube.options import Impersonation
from kubectl_podsec.kube.reviews import Access
from kubectl_podsec.psp import Subject, UseRequest
from kubectl_podsec.check.psp_cluster import ClusterAuthorizer, ClusterAuthorizers, controller_requester

SA = ("system:serviceaccount:team:builder", ("system:serviceaccounts", "system:serviceaccounts:team"))


class FakeCluster:
    """access/subject_access answered from `allowed` (who, group, policy); `refuse`
    makes subject_access (or impersonation) fail as the server would."""

    def __init__(self, allowed: set[tuple[str, str, str]], refuse: ApiError | None = None,
                 refuse_impersonation: bool = False) -> None:
        self.allowed, self.refuse, self.refuse_impersonation = allowed, refuse, refuse_impersonation
        self.calls: list[tuple[str, str, tuple[str, ...], str, str]] = []

    def access(self, attributes: Mapping[str, Any], identity: Impersonation | None = None) -> Access:
        who = identity.user if identity else "me"
        self.calls.append(("ssar", who or "", identity.groups if identity else (), attributes["group"],
                           attributes["name"]))
        if identity and self.refuse_impersonation:
            raise ApiError('forbidden: User "me" cannot impersonate resource "serviceaccounts"', 403,
                           IMPERSONATION_REFUSED)
        return Access((who, attributes["group"], attributes["name"]) in self.allowed)

    def subject_access(self, user: str, groups: tuple[str, ...], attributes: Mapping[str, Any]) -> Access:
        self.calls.append(("sar", user, groups, attributes["group"], attributes["name"]))
        if self.refuse:
            raise self.refuse
        return Access((user, attributes["group"], attributes["name"]) in self.allowed)


def sa_request(policy: str) -> UseRequest:
    return UseRequest(Subject.SERVICE_ACCOUNT, policy, "team", *SA)


def test_the_user_is_asked_in_policy_then_extensions_and_answers_are_cached() -> None:
    cluster = FakeCluster({("me", "extensions", "restricted")})
    authorize = ClusterAuthorizer(cluster)  # type: ignore[arg-type]

    assert authorize(UseRequest(Subject.USER, "restricted", "team")) is True
    assert authorize(UseRequest(Subject.USER, "restricted", "team")) is True
    assert authorize(UseRequest(Subject.USER, "privileged", "team")) is False

    assert cluster.calls == [("ssar", "me", (), "policy", "restricted"), ("ssar", "me", (), "extensions", "restricted"),
                             ("ssar", "me", (), "policy", "privileged"), ("ssar", "me", (), "extensions", "privileged")]


def test_the_service_account_is_a_subject_access_review_with_its_own_groups() -> None:
    cluster = FakeCluster({(SA[0], "policy", "privileged")})

    assert ClusterAuthorizer(cluster)(sa_request("privileged")) is True  # type: ignore[arg-type]
    assert cluster.calls == [("sar", SA[0], SA[1], "policy", "privileged")]


def test_a_controller_requester_is_a_subject_access_review() -> None:
    requester = controller_requester("StatefulSet")
    cluster = FakeCluster(set())

    ClusterAuthorizer(cluster, requester)(UseRequest(Subject.USER, "p", "team"))  # type: ignore[arg-type]

    assert requester == ("system:serviceaccount:kube-system:statefulset-controller",
                         ("system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"))
    assert [c[:3] for c in cluster.calls] == [("sar", *requester)] * 2


def test_refused_subject_access_reviews_fall_back_to_impersonation_once() -> None:
    cluster = FakeCluster({(SA[0], "policy", "b")}, refuse=ApiError("forbidden: no", 403, "Forbidden"))
    requester = controller_requester("Job")
    assert requester is not None
    authorize = ClusterAuthorizer(cluster, requester)  # type: ignore[arg-type]

    assert authorize(sa_request("a")) is False
    assert authorize(sa_request("b")) is True
    authorize(UseRequest(Subject.USER, "a", "team"))

    assert [c[0] for c in cluster.calls].count("sar") == 1
    assert ("ssar", SA[0], SA[1], "policy", "b") in cluster.calls
    # the server adds system:authenticated itself: it is not impersonated
    assert ("ssar", requester[0], requester[1][:2], "policy", "a") in cluster.calls
    assert authorize.notes == [("you may not create SubjectAccessReviews, so other identities were asked about "
                                "by impersonating them (the server adds system:authenticated to their groups)")]


def test_other_errors_are_not_taken_for_a_refusal() -> None:
    cluster = FakeCluster(set(), refuse=ApiError("https://x answered 500", 500))
    with pytest.raises(ApiError, match="answered 500"):
        ClusterAuthorizer(cluster)(sa_request("a"))  # type: ignore[arg-type]


def test_neither_reviews_nor_impersonation_names_what_could_not_be_asked() -> None:
    cluster = FakeCluster(set(), refuse=ApiError("forbidden: no", 403, "Forbidden"), refuse_impersonation=True)
    with pytest.raises(ApiError) as raised:
        ClusterAuthorizer(cluster)(sa_request("restricted"))  # type: ignore[arg-type]
    assert raised.value.status == 403
    assert str(raised.value) == (
        f'cannot ask whether {SA[0]} may use PodSecurityPolicy "restricted": you may neither create '
        'SubjectAccessReviews nor impersonate it (forbidden: User "me" cannot impersonate resource '
        '"serviceaccounts"); say who may use which policy with --allow and --sa-allow instead')


def test_one_authorizer_per_requester() -> None:
    authorizers = ClusterAuthorizers(FakeCluster(set()))  # type: ignore[arg-type]

    assert authorizers.for_kind("Pod") is authorizers.for_kind("PodTemplate")
    assert authorizers.for_kind("Deployment") is authorizers.for_kind("ReplicaSet")
    assert authorizers.for_kind("CronJob").requester == controller_requester("Job")
    assert authorizers.for_kind("Pod").requester is None
    assert authorizers.notes == [
        ("the requesting user for the pods of a Deployment is the controller that creates them, "
         "system:serviceaccount:kube-system:replicaset-controller"),
        ("the requesting user for the pods of a CronJob is the controller that creates them, "
         "system:serviceaccount:kube-system:job-controller")]

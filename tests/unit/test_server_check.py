"""check --server's pods of a workload: under PodSecurityPolicies they are tried
as the controller that creates them, or, where you may not impersonate it, as before."""

from __future__ import annotations

from typing import Any

from kubectl_podsec.kube.client import IMPERSONATION_REFUSED, ApiError
from kubectl_podsec.kube.options import Impersonation
from kubectl_podsec.kube.reviews import Answer
from kubectl_podsec.check.server import ServerChecker
from kubectl_podsec.admission.workloads import pod_template

DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "team"},
              "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
                  "metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "a", "image": "i"}]}}}}
CONTROLLER = "system:serviceaccount:kube-system:replicaset-controller"


class Stub:
    """The cluster calls ServerChecker makes, recorded; impersonating anyone may be refused."""

    identity = Impersonation("alice")
    context = "admin"

    def __init__(self, refuse: bool) -> None:
        self.refuse = refuse
        self.asked: list[Any] = []

    def dry_run_create(self, resource: Any, namespace: str, body: Any, impersonate: Any = True) -> Answer:
        self.asked.append(impersonate)
        if isinstance(impersonate, Impersonation) and self.refuse:
            raise ApiError('forbidden: User "admin" cannot impersonate resource "serviceaccounts"', 403,
                           IMPERSONATION_REFUSED)
        who = f"(as {impersonate.user})" if isinstance(impersonate, Impersonation) else ""
        return Answer("accepted", 201, as_user=who)


def pods_answer(refuse: bool, under_psp: bool) -> tuple[Answer, list[Any]]:
    stub = Stub(refuse)
    checker = ServerChecker(stub)  # type: ignore[arg-type]
    answer = checker._template_pod(DEPLOYMENT, pod_template(DEPLOYMENT), "team", as_controller=under_psp)
    return answer, stub.asked


def test_under_psp_the_pods_are_created_as_the_controller() -> None:
    answer, asked = pods_answer(refuse=False, under_psp=True)
    assert asked == [Impersonation(CONTROLLER)]
    assert answer.as_user == f"(as {CONTROLLER})"


def test_where_it_may_not_be_impersonated_the_chosen_identity_creates_them() -> None:
    answer, asked = pods_answer(refuse=True, under_psp=True)
    assert asked == [Impersonation(CONTROLLER), True]
    assert answer.as_user == ""


def test_without_psp_the_chosen_identity_creates_them() -> None:
    _, asked = pods_answer(refuse=False, under_psp=False)
    assert asked == [True]

"""What a server-side dry run sends, how its answer reads, and how it compares
with the offline verdict."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_podsec.admission.config import DEFAULT_CONFIG
from kubectl_podsec.check.dry_run import server_report, strip_for_create, template_pod, with_service_account
from kubectl_podsec.render.table import server_lines, server_verdict
from kubectl_podsec.kube.reviews import Access, Answer, answer, warning_text
from kubectl_podsec.admission.labels import policy_from_labels
from kubectl_podsec.pss import Evaluator, LevelVersion
from kubectl_podsec.admission.policy import PolicyResolver
from kubectl_podsec.check.checker import Checker
from kubectl_podsec.check.report import Result
from kubectl_podsec.admission.workloads import pod_template

PRIVILEGED = {"name": "app", "image": "x", "securityContext": {"privileged": True}}
PLAIN = {"name": "app", "image": "x"}
BASELINE_DENIAL = ('violates PodSecurity "baseline:latest": privileged '
                   '(container "app" must not set securityContext.privileged=true)')


def pod(container: dict[str, Any], name: str = "p") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ns"},
            "spec": {"containers": [container]}}


def deployment(container: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "ns"},
            "spec": {"replicas": 0, "template": {"metadata": {"labels": {"app": "web"}},
                                                 "spec": {"containers": [container]}}}}


# Cluster defaults given (privileged), so that no mode is unknown.
KNOWN_DEFAULTS = DEFAULT_CONFIG._replace(source="the test's configuration")


def checked(obj: dict[str, Any], labels: dict[str, str], level: str | None = None) -> Result:
    resolver = PolicyResolver(KNOWN_DEFAULTS, {"ns": labels}, labels_origin="test")
    lv = LevelVersion.parse(level) if level else None
    result = Checker(Evaluator(), resolver, "ns", lv).check(obj, None)
    assert isinstance(result, Result)
    return result


@pytest.mark.parametrize("header,text", [
    ('299 - "would violate PodSecurity \\"restricted:latest\\": x"', 'would violate PodSecurity "restricted:latest": x'),
    ('299 - "second, with comma"', "second, with comma"),
    ('299 kube-apiserver "back\\\\slash"', "back\\slash"),
    ("not a warning header", "not a warning header"),
])
def test_warning_header_text(header: str, text: str) -> None:
    assert warning_text(header) == text


@pytest.mark.parametrize("status,body,outcome", [
    (201, {"metadata": {"name": "p"}}, "accepted"),
    (409, {"kind": "Status", "reason": "AlreadyExists", "message": 'pods "p" already exists',
           "details": {"name": "p"}}, "accepted"),
    (403, {"kind": "Status", "reason": "Forbidden", "message": f'pods "p" is forbidden: {BASELINE_DENIAL}'}, "denied"),
    (403, {"kind": "Status", "reason": "Forbidden", "message":
           'pods is forbidden: User "bob" cannot create resource "pods" in API group "" in the namespace "ns"'},
     "forbidden"),
    (422, {"kind": "Status", "reason": "Invalid", "message": 'Pod "p" is invalid: spec.containers: Required value'},
     "denied"),
    (404, {"kind": "Status", "reason": "NotFound", "message": 'namespaces "ns" not found'}, "denied"),
    (500, {"kind": "Status", "message": "etcd is down"}, "error"),
    (429, "Too many requests", "error"),
])
def test_answers(status: int, body: Any, outcome: str) -> None:
    got = answer(status, body, ('299 - "w"',))
    assert got.outcome == outcome
    assert got.warnings == ("w",)
    if isinstance(body, dict) and body.get("message"):
        assert got.message == body["message"]
    if status in (201, 409):
        assert got.name == "p"


def test_strip_for_create_drops_what_the_server_sets() -> None:
    live = pod(PLAIN)
    live["metadata"].update(uid="u", resourceVersion="7", creationTimestamp="t", managedFields=[{}],
                            ownerReferences=[{"kind": "ReplicaSet"}], labels={"a": "b"}, generation=2)
    live["status"] = {"phase": "Pending"}

    body = strip_for_create(live, "other")

    assert body["metadata"] == {"name": "p", "namespace": "other", "labels": {"a": "b"}}
    assert "status" not in body
    assert live["metadata"]["uid"] == "u" and "status" in live  # the input is left alone


def test_template_pod_is_the_controllers_pod_with_namespace_and_service_account() -> None:
    """The ReplicaSet's label pod-template-hash comes too; the owner reference does not."""
    obj = deployment(PLAIN)
    obj["spec"]["template"]["metadata"]["annotations"] = {"k": "v"}
    template = pod_template(obj)
    assert template is not None

    built = template_pod(obj, template, "ns", "robot")

    assert built == {"apiVersion": "v1", "kind": "Pod",
                     "metadata": {"generateName": "web-podsec-", "namespace": "ns",
                                  "labels": {"app": "web", "pod-template-hash": "0000000000"},
                                  "annotations": {"k": "v"}},
                     "spec": {"containers": [PLAIN], "serviceAccountName": "robot"}}
    assert "serviceAccountName" not in obj["spec"]["template"]["spec"]


def test_a_statefulsets_trial_pod_carries_its_claim_volumes() -> None:
    """Without them the server rejects the pod: volumeMounts[0].name: Not found: "www"."""
    container = {**PLAIN, "volumeMounts": [{"name": "www", "mountPath": "/w"}]}
    obj = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
           "spec": {"serviceName": "db", "template": {"metadata": {"labels": {"app": "db"}},
                                                      "spec": {"containers": [container]}},
                    "volumeClaimTemplates": [{"metadata": {"name": "www"}}]}}
    template = pod_template(obj)
    assert template is not None

    built = template_pod(obj, template, "ns", None)

    assert built["metadata"]["generateName"] == "db-podsec-" and "name" not in built["metadata"]
    assert built["spec"]["volumes"] == [{"name": "www", "persistentVolumeClaim": {"claimName": "www-db-0"}}]
    assert built["spec"]["hostname"] == "db-0" and built["spec"]["subdomain"] == "db"


def test_with_service_account_reaches_a_cronjobs_pod_spec() -> None:
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [PLAIN]}}}}}}
    out = with_service_account(cron, "spec.jobTemplate.spec.template", "robot")
    assert out["spec"]["jobTemplate"]["spec"]["template"]["spec"]["serviceAccountName"] == "robot"
    assert "serviceAccountName" not in cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert with_service_account(pod(PLAIN), "", "robot")["spec"]["serviceAccountName"] == "robot"


ALLOWED = Access(True)


def test_a_privileged_deployment_agrees_object_accepted_pods_denied() -> None:
    result = checked(deployment(PRIVILEGED), {"pod-security.kubernetes.io/enforce": "baseline"})
    obj = Answer("accepted", 201, name="web", warnings=result.admission.warnings)  # warn follows enforce
    pods = Answer("denied", 403, f'pods "web-podsec-x" is forbidden: {BASELINE_DENIAL}', "Forbidden")

    server = server_report(result.admission, ALLOWED, obj, pods, "me")

    assert server.agrees is True and server.disagreements == ()
    assert server.denied is True and server.unknown is False
    assert server_verdict(server) == "PODS DENIED"
    assert server_lines(server) == [
        f'server, pods: denied by Pod Security: pods "web-podsec-x" is forbidden: {BASELINE_DENIAL}']


def test_disagreements_are_flagged() -> None:
    result = checked(pod(PLAIN), {"pod-security.kubernetes.io/enforce": "baseline"})
    denied = Answer("denied", 403, f'pods "p" is forbidden: {BASELINE_DENIAL}', "Forbidden")

    server = server_report(result.admission, ALLOWED, denied, None, "me")

    assert server.agrees is False
    assert list(server.disagreements) == [
        f'object: offline admits, the server denied it: pods "p" is forbidden: {BASELINE_DENIAL}']
    assert server_verdict(server) == "DENIED !"


@pytest.mark.parametrize("offline", [PLAIN, PRIVILEGED])
def test_a_webhooks_denial_is_not_comparable(offline: dict[str, Any]) -> None:
    """Whatever Pod Security decides offline, a webhook's denial says nothing of it."""
    result = checked(pod(offline), {"pod-security.kubernetes.io/enforce": "baseline"})
    denied = Answer("denied", 403, 'pods "p" is forbidden: admission webhook "policy" denied the request')

    server = server_report(result.admission, ALLOWED, denied, None, "me")

    assert (server.agrees, server.disagreements, server.denied) == (None, (), True)
    assert list(server.not_comparable) == [
        'object: the server said denied by admission webhook "policy", not what Pod Security would decide: '
        'pods "p" is forbidden: admission webhook "policy" denied the request']
    assert server_verdict(server) == "DENIED (admission)"
    assert server_lines(server)[-1] == (
        'NOT COMPARABLE: object: the server said denied by admission webhook "policy"')


def test_a_different_denial_message_is_a_disagreement() -> None:
    result = checked(pod(PRIVILEGED), {"pod-security.kubernetes.io/enforce": "baseline"})
    other = Answer("denied", 403, 'pods "p" is forbidden: violates PodSecurity "baseline:latest": something else')
    same = Answer("denied", 403, f'pods "p" is forbidden: {BASELINE_DENIAL}')

    assert server_report(result.admission, ALLOWED, same, None, "me").agrees is True
    assert list(server_report(result.admission, ALLOWED, other, None, "me").disagreements) == [
        ("object: denial message differs: the server says 'violates PodSecurity \"baseline:latest\": "
         f"something else', offline '{BASELINE_DENIAL}'")]


def test_warnings_are_compared_for_the_object() -> None:
    labels = {"pod-security.kubernetes.io/warn": "baseline"}
    result = checked(deployment(PRIVILEGED), labels)
    expected = result.admission.warnings
    assert expected and expected[0].startswith('would violate PodSecurity "baseline:latest"')

    with_warning = Answer("accepted", 201, warnings=expected)
    without = Answer("accepted", 201)

    assert server_report(result.admission, ALLOWED, with_warning, None, "me").agrees is True
    missing = server_report(result.admission, ALLOWED, without, None, "me")
    assert missing.disagreements[0].startswith("object: Pod Security warnings differ: the server sent none")
    assert server_verdict(server_report(result.admission, ALLOWED, with_warning, None, "me")) == "accepted (warnings)"


def test_not_permitted_is_denied_without_a_disagreement() -> None:
    result = checked(pod(PLAIN), {})
    rbac = answer(403, {"kind": "Status", "reason": "Forbidden", "message":
                        'pods is forbidden: User "bob" cannot create resource "pods" in API group "" in the namespace "ns"'}, ())

    server = server_report(result.admission, Access(False), rbac, None, "bob")

    assert server.denied is True and server.agrees is None  # nothing was said of Pod Security
    assert server_verdict(server) == "NOT PERMITTED"
    assert server_lines(server)[0] == "server: bob may not create it"


def test_pods_that_cannot_be_tried_are_unknown() -> None:
    result = checked(deployment(PLAIN), {})
    rbac = Answer("forbidden", 403, 'pods is forbidden: User "me" cannot create resource "pods"')

    server = server_report(result.admission, ALLOWED, Answer("accepted", 201), rbac, "me")

    assert (server.denied, server.unknown, server.agrees) == (False, True, True)


def test_level_mode_is_not_compared() -> None:
    result = checked(pod(PLAIN), {}, level="restricted")
    server = server_report(result.admission, ALLOWED, Answer("accepted", 201), None, "me")
    assert server.agrees is None and server.disagreements == ()


def test_policy_for_the_fixture_labels() -> None:  # the fixtures above rely on warn following enforce
    policy, _ = policy_from_labels({"pod-security.kubernetes.io/enforce": "baseline"}, DEFAULT_CONFIG.defaults)
    assert str(policy.warn) == "baseline:latest"


# --- under PodSecurityPolicy, whose denial comes first (the mutating phase) -------------------------

PSP_DENIAL = ('pods "p" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.containers[0]'
              '.securityContext.privileged: Invalid value: true: Privileged containers are not allowed]')
PSP_POD_DENIAL = PSP_DENIAL.replace('"p"', '"web-podsec-x"')


def test_a_psp_denial_agrees_with_the_same_denial() -> None:
    result = checked(pod(PRIVILEGED), {"pod-security.kubernetes.io/enforce": "baseline"})  # Pod Security denies too
    same = Answer("denied", 403, PSP_DENIAL, "Forbidden")

    server = server_report(result.admission, ALLOWED, same, None, "me", PSP_DENIAL)

    assert (server.agrees, server.disagreements, server.denied) == (True, (), True)
    # Without the PodSecurityPolicy verdict the same answer reads as a different Pod Security denial.
    assert server_report(result.admission, ALLOWED, same, None, "me").agrees is False


def test_a_psp_denial_is_compared_exactly() -> None:
    result = checked(pod(PRIVILEGED), {})
    other = Answer("denied", 403, PSP_DENIAL.replace("Privileged containers", "They"), "Forbidden")
    psa = Answer("denied", 403, f'pods "p" is forbidden: {BASELINE_DENIAL}', "Forbidden")

    assert list(server_report(result.admission, ALLOWED, other, None, "me", PSP_DENIAL).disagreements) == [
        (f"object: denial message differs: the server says {other.message.partition(' is forbidden: ')[2]!r}, "
         f"offline {PSP_DENIAL.partition(' is forbidden: ')[2]!r}")]
    assert server_report(result.admission, ALLOWED, psa, None, "me", PSP_DENIAL).agrees is False
    accepted = server_report(result.admission, ALLOWED, Answer("accepted", 201), None, "me", PSP_DENIAL)
    assert list(accepted.disagreements) == ["object: offline denies, the server accepted"]


def test_a_workloads_pods_denied_by_psp_agree_and_the_object_is_still_compared() -> None:
    result = checked(deployment(PRIVILEGED), {})
    obj = Answer("accepted", 201, name="web")
    pods = Answer("denied", 403, PSP_POD_DENIAL, "Forbidden")

    server = server_report(result.admission, ALLOWED, obj, pods, "me", PSP_DENIAL.replace('"p"', '"web-xxxxx"'))
    without = server_report(result.admission, ALLOWED, obj, pods, "me")

    assert (server.agrees, server.disagreements, server.denied) == (True, (), True)
    assert list(without.disagreements) == [f"pods: offline admits, the server denied it: {PSP_POD_DENIAL}"]
    assert server_verdict(server) == "PODS DENIED (PSP)"

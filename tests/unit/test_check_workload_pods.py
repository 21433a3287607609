"""`check` judges a workload's pods as its controller creates them (admission.controller_pods):
the enforce verdict is the pod's, after the Pod defaulting and the create strategy of the
server's version, exempted by the controller's user name; warn and audit stay the workload's
own, judged on its template as the requester. The cases of the real controllers (A, B, C);
tests/integration/test_controller_cases.py holds the same against them."""

from __future__ import annotations

from typing import Any

from kubectl_podsec.admission.config import PodSecurityConfig
from kubectl_podsec.admission.policy import PolicyResolver
from kubectl_podsec.check.checker import Checker
from kubectl_podsec.check.report import Result
from kubectl_podsec.pss import Evaluator
from kubectl_podsec.render.table import verdict
from kubectl_podsec.rollout.tally import Judge
from kubectl_podsec.pss import Version

PSA = "pod-security.kubernetes.io/"
BASELINE = {PSA + "enforce": "baseline", PSA + "warn": "baseline", PSA + "audit": "baseline"}
RESTRICTED = {PSA + "enforce": "restricted", PSA + "warn": "restricted", PSA + "audit": "restricted"}
APPARMOR = {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}
REPLICASET_CONTROLLER = "system:serviceaccount:kube-system:replicaset-controller"
EXEMPT_USER = PodSecurityConfig(exempt_usernames=frozenset({"exempt-user"}))


def deployment(spec: dict[str, Any], annotations: dict[str, str] | None = None,
               kind: str = "Deployment") -> dict[str, Any]:
    meta: dict[str, Any] = {"labels": {"app": "web"}, **({"annotations": annotations} if annotations else {})}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "web", "namespace": "ns"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": meta, "spec": spec}}}


def statefulset(volumes: list[dict[str, Any]]) -> dict[str, Any]:
    obj = deployment({"containers": [{"name": "a", "image": "x",
                                      "volumeMounts": [{"name": "www", "mountPath": "/w"}]}],
                      "volumes": volumes}, kind="StatefulSet")
    obj["spec"].update(serviceName="db", volumeClaimTemplates=[{"metadata": {"name": "www"}}])
    return obj


def check(obj: dict[str, Any], labels: dict[str, str], *, username: str | None = None,
          config: PodSecurityConfig = PodSecurityConfig(), server_minor: int | None = None) -> Result:
    resolver = PolicyResolver(config, namespace_labels={"ns": labels}, server_minor=server_minor)
    result = Checker(Evaluator(server_minor), resolver, username=username).check(obj, None)
    assert isinstance(result, Result)
    return result


def messages(result: Result) -> dict[str, str | None]:
    return {e.mode.value: e.message for e in result.admission.evaluations}


HOST_NETWORK = {"hostNetwork": True, "containers": [{"name": "a", "image": "x", "ports": [{"containerPort": 5473}]}]}


def test_a_host_network_pods_get_host_ports_the_template_does_not() -> None:
    """SetDefaults_Pod: with hostNetwork every containerPort is a hostPort, on Pods only."""
    result = check(deployment(HOST_NETWORK), BASELINE)
    assert messages(result) == {
        "enforce": 'violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), '
                   'hostPort (container "a" uses hostPort 5473)',
        "audit": 'would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',
        "warn": 'would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)'}
    assert result.warnings == ('would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',)
    assert verdict(result) == "PODS DENIED"


def test_a_apparmor_annotations_become_the_pods_fields_from_1_30() -> None:
    obj = deployment({"containers": [{"name": "a", "image": "x"}]}, APPARMOR)
    annotation_only = ('forbidden AppArmor profile (annotation must not set AppArmor profile type to '
                       '"container.apparmor.security.beta.kubernetes.io/a="unconfined"")')
    assert messages(check(obj, BASELINE)) == {
        "enforce": 'violates PodSecurity "baseline:latest": forbidden AppArmor profiles (container "a" and '
                   'annotation must not set AppArmor profile type to "Unconfined", '
                   '"container.apparmor.security.beta.kubernetes.io/a="unconfined"")',
        "audit": f'would violate PodSecurity "baseline:latest": {annotation_only}',
        "warn": f'would violate PodSecurity "baseline:latest": {annotation_only}'}
    # A 1.29 server's create strategy does not copy the annotation: the pods have it only.
    assert messages(check(obj, BASELINE, server_minor=29))["enforce"] == (
        f'violates PodSecurity "baseline:latest": {annotation_only}')


def test_a_pod_on_an_older_server_keeps_its_apparmor_annotation_only() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns", "annotations": APPARMOR},
           "spec": {"containers": [{"name": "a", "image": "x"}]}}
    enforce = messages(check(pod, BASELINE, server_minor=24))["enforce"]
    assert enforce == ('violates PodSecurity "baseline:latest": forbidden AppArmor profile (annotation must not '
                       'set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/a="unconfined"")')


def test_b_a_claim_template_replaces_the_template_volume_of_its_name() -> None:
    """updateStorage: the hostPath `www` never reaches the pod; the template still warns of it."""
    result = check(statefulset([{"name": "www", "hostPath": {"path": "/srv"}}]), BASELINE)
    assert messages(result) == {
        "enforce": None,
        "audit": 'would violate PodSecurity "baseline:latest": hostPath volumes (volume "www")',
        "warn": 'would violate PodSecurity "baseline:latest": hostPath volumes (volume "www")'}
    assert result.admission.pods_allowed is True and verdict(result) == "allowed (warnings)"


def test_b_other_template_volumes_reach_the_pods() -> None:
    obj = statefulset([{"name": "www", "emptyDir": {}}, {"name": "host", "hostPath": {"path": "/"}}])
    assert messages(check(obj, BASELINE))["enforce"] == (
        'violates PodSecurity "baseline:latest": hostPath volumes (volume "host")')


PRIVILEGED = {"containers": [{"name": "a", "image": "x", "securityContext": {"privileged": True}}]}


def test_c_an_exempt_requester_does_not_exempt_the_pods_its_controller_creates() -> None:
    """As exempt-user: the Deployment itself is exempt (no warnings, the audit annotation says
    so), its pods are created by the replicaset-controller and denied."""
    result = check(deployment(PRIVILEGED), RESTRICTED, username="exempt-user", config=EXEMPT_USER)
    adm = result.admission
    assert (adm.exempt, adm.object_exempt, adm.pods_allowed) == (None, "user", False)
    assert messages(result)["enforce"] is not None and messages(result)["enforce"].startswith(
        'violates PodSecurity "restricted:latest": privileged (container "a" must not set '
        'securityContext.privileged=true), ')
    assert messages(result)["warn"] is None and result.warnings == ()
    assert adm.audit_annotations == {PSA + "exempt": "user"}
    assert verdict(result) == "PODS DENIED"
    assert "objectExempt" in result.to_dict() and "exempt" not in result.to_dict()


def test_c_a_pod_created_by_the_exempt_user_is_exempt() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": PRIVILEGED}
    result = check(pod, RESTRICTED, username="exempt-user", config=EXEMPT_USER)
    assert (result.admission.exempt, result.admission.object_exempt) == ("user", "user")
    assert verdict(result) == "exempt (user)"


def test_c_an_exempt_controller_exempts_the_pods_not_the_workload() -> None:
    config = PodSecurityConfig(exempt_usernames=frozenset({REPLICASET_CONTROLLER}))
    result = check(deployment(PRIVILEGED), RESTRICTED, config=config)
    adm = result.admission
    assert (adm.exempt, adm.object_exempt, adm.pods_allowed) == ("user", None, True)
    assert messages(result)["enforce"] is None
    assert str(messages(result)["warn"]).startswith('would violate PodSecurity "restricted:latest": privileged')
    assert verdict(result) == "exempt (user)"


def test_a_pod_template_has_no_controller_it_is_judged_as_it_stands() -> None:
    obj = {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "t", "namespace": "ns"},
           "template": {"metadata": {}, "spec": HOST_NETWORK}}
    result = check(obj, BASELINE, username="exempt-user", config=EXEMPT_USER)
    assert result.admission.exempt == "user"  # its requester's, as before


def test_rollout_judges_the_pods_controllers_create() -> None:
    judge = Judge(Evaluator(), Version(None))
    found = judge.judge(deployment(HOST_NETWORK))
    assert found is not None and found.baseline.message == (
        "host namespaces (hostNetwork=true), hostPort (container \"a\" uses hostPort 5473)")
    hostpath = [{"name": "www", "hostPath": {"path": "/srv"}}]
    claimed = judge.judge(statefulset(hostpath))
    assert claimed is not None and claimed.baseline.message == ""
    # the same template without the claim template is another pod (the cache knows)
    unclaimed = statefulset(hostpath)
    del unclaimed["spec"]["volumeClaimTemplates"]
    found = judge.judge(unclaimed)
    assert found is not None and found.baseline.message == 'hostPath volumes (volume "www")'

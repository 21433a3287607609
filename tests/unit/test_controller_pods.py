"""The pod each controller creates, pinned to the v1.37.2 controllers (pkg/controller/...):
whole pods compared exactly, then what admission makes of them.
tests/integration/test_controller_pods.py holds the same predictions against the real ones."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubectl_podsec.admission.controller_pods import (
    STAND_IN_HASH,
    STAND_IN_UID,
    ControllerPod,
    controller_pod,
    job_from_cronjob,
)
from kubectl_podsec.admission.config import PodSecurityConfig
from kubectl_podsec.pss import Evaluator
from kubectl_podsec.admission.workloads import TemplateError
from kubectl_podsec.admission.policy import PolicyResolver
from kubectl_podsec.check.checker import Checker
from kubectl_podsec.check.report import Result

UID = "1d5c8b0a-9a3c-4a50-9d0e-5b7f0c7f7f01"
C = {"name": "a", "image": "busybox"}
LABELS = {"app": "web"}


def workload(kind: str, spec: Any, api: str = "apps/v1", **meta: Any) -> dict[str, Any]:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": "web", "namespace": "ns", **meta},
            "spec": spec}


def template(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"labels": dict(LABELS), "annotations": {"note": "x"}},
            "spec": {"containers": [dict(C)], **spec}}


def owner(kind: str, name: str = "web", uid: str = STAND_IN_UID, api: str = "apps/v1") -> list[dict[str, Any]]:
    return [{"apiVersion": api, "kind": kind, "name": name, "uid": uid, "controller": True,
             "blockOwnerDeletion": True}]


def pod(meta: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "ns", **meta}, "spec": spec}


def test_replicaset_pod_is_the_template_with_a_generated_name_and_its_owner() -> None:
    made = controller_pod(workload("ReplicaSet", {"template": template()}, uid=UID))
    assert made == ControllerPod("ReplicaSet", (), "replicaset-controller", pod(
        {"labels": LABELS, "annotations": {"note": "x"}, "ownerReferences": owner("ReplicaSet", uid=UID),
         "generateName": "web-"},
        {"containers": [C]}))
    assert made.username == "system:serviceaccount:kube-system:replicaset-controller"


def test_replication_controller_pod() -> None:
    made = controller_pod(workload("ReplicationController", {"template": template()}, api="v1"))
    assert made is not None and made.controller == "replication-controller"
    assert made.pod["metadata"]["ownerReferences"] == owner("ReplicationController", api="v1")
    assert made.stand_ins == ("metadata.ownerReferences[0].uid",)


def test_deployment_pod_comes_from_its_replicaset_with_the_pod_template_hash() -> None:
    made = controller_pod(workload("Deployment", {"template": template()}))
    rs = f"web-{STAND_IN_HASH}"
    assert made == ControllerPod("Deployment", ("ReplicaSet",), "replicaset-controller", pod(
        {"labels": {**LABELS, "pod-template-hash": STAND_IN_HASH}, "annotations": {"note": "x"},
         "ownerReferences": owner("ReplicaSet", name=rs), "generateName": f"{rs}-"},
        {"containers": [C]}),
        ("metadata.ownerReferences[0].uid", "metadata.labels.pod-template-hash", "metadata.generateName"))


def test_statefulset_claims_replace_template_volumes_of_the_same_name() -> None:
    """Case B: the hostPath named like a claim template never reaches the pod."""
    spec = {"serviceName": "svc", "ordinals": {"start": 3},
            "template": template(volumes=[{"name": "www", "hostPath": {"path": "/srv"}},
                                          {"name": "tmp", "emptyDir": {}}]),
            "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {}},
                                     {"metadata": {"name": "log"}, "spec": {}}]}
    made = controller_pod(workload("StatefulSet", spec, uid=UID))
    assert made == ControllerPod("StatefulSet", (), "statefulset-controller", pod(
        {"labels": {**LABELS, "statefulset.kubernetes.io/pod-name": "web-3", "apps.kubernetes.io/pod-index": "3",
                    "controller-revision-hash": f"web-{STAND_IN_HASH}"},
         "annotations": {"note": "x"}, "ownerReferences": owner("StatefulSet", uid=UID), "name": "web-3"},
        {"containers": [C], "hostname": "web-3", "subdomain": "svc",
         "volumes": [{"name": "www", "persistentVolumeClaim": {"claimName": "www-web-3"}},
                     {"name": "log", "persistentVolumeClaim": {"claimName": "log-web-3"}},
                     {"name": "tmp", "emptyDir": {}}]}),
        ("metadata.labels.controller-revision-hash",))


def test_daemonset_pod_gets_tolerations_and_the_node_affinity() -> None:
    spec = {"template": template(
        hostNetwork=True,
        tolerations=[{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                      "tolerationSeconds": 5}, {"operator": "Exists"}],
        affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}},
            "podAffinity": {}})}
    made = controller_pod(workload("DaemonSet", spec, uid=UID, generation=7,
                                   annotations={"deprecated.daemonset.template.generation": "4"}), node="n1")
    exists = [{"key": f"node.kubernetes.io/{k}", "operator": "Exists", "effect": e} for k, e in (
        ("not-ready", "NoExecute"), ("unreachable", "NoExecute"), ("disk-pressure", "NoSchedule"),
        ("memory-pressure", "NoSchedule"), ("pid-pressure", "NoSchedule"), ("unschedulable", "NoSchedule"),
        ("network-unavailable", "NoSchedule"))]
    assert made == ControllerPod("DaemonSet", (), "daemon-set-controller", pod(
        {"labels": {**LABELS, "pod-template-generation": "4", "controller-revision-hash": STAND_IN_HASH},
         "annotations": {"note": "x"}, "ownerReferences": owner("DaemonSet", uid=UID), "generateName": "web-"},
        {"containers": [C], "hostNetwork": True,
         "tolerations": [exists[0], {"operator": "Exists"}, *exists[1:]],
         "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
             {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]}},
             "podAffinity": {}}}),
        ("metadata.labels.controller-revision-hash",))


@pytest.mark.parametrize(("annotation", "label"), [(None, "1"), ("0", "1"), ("x", "1"), ("3", "3")])
def test_daemonset_template_generation(annotation: str | None, label: str) -> None:
    meta: dict[str, Any] = {} if annotation is None else {
        "annotations": {"deprecated.daemonset.template.generation": annotation}}
    made = controller_pod(workload("DaemonSet", {"template": template()}, **meta))
    assert made is not None and made.pod["metadata"]["labels"]["pod-template-generation"] == label


def test_job_pod_gets_the_selector_labels_and_the_tracking_finalizer() -> None:
    made = controller_pod(workload("Job", {"template": template()}, api="batch/v1", uid=UID))
    assert made == ControllerPod("Job", (), "job-controller", pod(
        {"labels": {**LABELS, "job-name": "web", "batch.kubernetes.io/job-name": "web", "controller-uid": UID,
                    "batch.kubernetes.io/controller-uid": UID},
         "annotations": {"note": "x"}, "finalizers": ["batch.kubernetes.io/job-tracking"],
         "ownerReferences": owner("Job", uid=UID, api="batch/v1"), "generateName": "web-"},
        {"containers": [C]}))


def test_indexed_job_pod_of_index_zero() -> None:
    spec = {"manualSelector": True, "completionMode": "Indexed", "backoffLimitPerIndex": 2,
            "template": template(initContainers=[{"name": "i", "image": "x", "env": [{"name": "E", "value": "1"}]}])}
    made = controller_pod(workload("Job", spec, api="batch/v1", uid=UID))
    assert made is not None
    env = {"name": "JOB_COMPLETION_INDEX",
           "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['batch.kubernetes.io/job-completion-index']"}}}
    index = {"batch.kubernetes.io/job-completion-index": "0"}
    assert made.pod["metadata"]["labels"] == {**LABELS, **index}
    assert made.pod["metadata"]["annotations"] == {"note": "x", **index,
                                                  "batch.kubernetes.io/job-index-failure-count": "0"}
    assert made.pod["metadata"]["generateName"] == "web-0-"
    assert made.pod["spec"] == {"hostname": "web-0", "containers": [{**C, "env": [env]}],
                                "initContainers": [{"name": "i", "image": "x", "env": [{"name": "E", "value": "1"},
                                                                                      env]}]}


def test_cronjob_job_as_kubectl_creates_it_and_its_pod() -> None:
    cronjob = workload("CronJob", {"schedule": "@daily", "jobTemplate": {
        "metadata": {"labels": {"team": "t"}, "annotations": {"a": "b"}}, "spec": {"template": template()}}},
        api="batch/v1", uid=UID)
    assert job_from_cronjob(cronjob, "manual") == {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "manual", "annotations": {"cronjob.kubernetes.io/instantiate": "manual", "a": "b"},
                     "labels": {"team": "t"}, "namespace": "ns",
                     "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "web", "uid": UID,
                                          "controller": True}]},
        "spec": {"template": template()}}
    made = controller_pod(cronjob)
    assert made is not None and (made.kind, made.via, made.controller) == ("CronJob", ("Job",), "job-controller")
    assert made.pod["metadata"]["generateName"] == "web-0-"
    assert made.pod["metadata"]["labels"]["job-name"] == "web-0"
    assert made.pod["metadata"]["annotations"] == {"note": "x"}  # the Job's annotations stay on the Job


@pytest.mark.parametrize("obj", [
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [C]}},
    {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "p"}, "template": template()},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "p"}},
    {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "p"}, "spec": {}},
    {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "p"}, "spec": {"schedule": "@daily"}},
])
def test_no_controller_pod(obj: dict[str, Any]) -> None:
    assert controller_pod(obj) is None


@pytest.mark.parametrize("obj", [
    workload("StatefulSet", {"ordinals": {"start": "1"}, "template": template()}),
    workload("Deployment", {"template": []}),
    workload("CronJob", {"jobTemplate": {"spec": {"template": "x"}}}, api="batch/v1"),
])
def test_templates_of_the_wrong_shape(obj: dict[str, Any]) -> None:
    with pytest.raises(TemplateError):
        controller_pod(obj)


@pytest.mark.parametrize("obj", [
    workload("CronJob", [], api="batch/v1"),
    workload("CronJob", {"jobTemplate": "x"}, api="batch/v1"),
    workload("StatefulSet", {"template": template(), "volumeClaimTemplates": "x"}),
])
def test_odd_fields_around_the_template(obj: dict[str, Any]) -> None:
    made = controller_pod(obj)
    assert made is None if obj["kind"] == "CronJob" else made is not None


def test_the_input_is_left_alone() -> None:
    obj = workload("StatefulSet", {"template": template(volumes=[{"name": "v", "hostPath": {"path": "/"}}]),
                                   "volumeClaimTemplates": [{"metadata": {"name": "v"}}]})
    before = copy.deepcopy(obj)
    made = controller_pod(obj)
    assert made is not None and made.admitted() != obj
    assert obj == before


def test_admitted_applies_what_only_pods_get() -> None:
    """Case A: hostNetwork makes container ports host ports; AppArmor annotations become fields;
    on 1.24 seccomp annotations and fields meet."""
    tpl = template(hostNetwork=True, containers=[{**C, "ports": [{"containerPort": 5473}]}])
    tpl["metadata"]["annotations"] = {"container.apparmor.security.beta.kubernetes.io/a": "unconfined",
                                      "seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}
    made = controller_pod(workload("Deployment", {"template": tpl}))
    assert made is not None
    container = {**C, "ports": [{"containerPort": 5473, "hostPort": 5473}],
                 "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}
    assert made.admitted()["spec"] == {"hostNetwork": True, "containers": [container]}
    assert made.admitted(30)["spec"]["containers"] == [container]
    on_124 = made.admitted(24)["spec"]  # no AppArmor fields yet; seccomp annotations become fields
    assert on_124["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
    assert on_124["containers"] == [{**C, "ports": [{"containerPort": 5473, "hostPort": 5473}]}]
    assert made.pod["spec"]["containers"] == [{**C, "ports": [{"containerPort": 5473}]}]


EXEMPT_USER = PodSecurityConfig(exempt_usernames=frozenset({"exempt-user"}))


def judge(obj: dict[str, Any], labels: dict[str, str], username: str | None = None) -> Result:
    resolver = PolicyResolver(EXEMPT_USER, namespace_labels={"ns": labels})
    result = Checker(Evaluator(), resolver, username=username).check(obj, None)
    assert isinstance(result, Result)
    return result


def test_case_a_the_pods_denial_names_the_host_port() -> None:
    tpl = template(hostNetwork=True, containers=[{**C, "ports": [{"containerPort": 5473}]}])
    made = controller_pod(workload("Deployment", {"template": tpl}))
    assert made is not None
    enforce = judge(dict(made.pod), {"pod-security.kubernetes.io/enforce": "baseline"}).admission.evaluations[0]
    assert enforce.message == ('violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), '
                               'hostPort (container "a" uses hostPort 5473)')


def test_case_c_a_user_exemption_does_not_reach_controller_pods() -> None:
    """The same pod as the exempt user would be exempt; as its creator it is denied."""
    made = controller_pod(workload("CronJob", {"jobTemplate": {"spec": {"template": template(hostPID=True)}}},
                                   api="batch/v1"))
    assert made is not None and made.username == "system:serviceaccount:kube-system:job-controller"
    labels = {"pod-security.kubernetes.io/enforce": "baseline"}
    assert judge(dict(made.pod), labels, username="exempt-user").admission.exempt == "user"
    assert judge(dict(made.pod), labels, username=made.username).admission.exempt is None
    assert not judge(dict(made.pod), labels, username=made.username).admission.pods_allowed

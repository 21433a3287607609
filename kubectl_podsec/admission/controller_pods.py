"""The pod each workload's controller creates, as the v1.37 controllers build it (pure).

A workload is accepted whatever its pods; the pods are created later by a controller, as that
controller's service account (kube-controller-manager --use-service-account-credentials), and
only then meet the Pod defaulting, the pod create strategy and admission. This module owns
"this object -> the Pod its controller sends", read from k8s.io/kubernetes v1.37.2:

* ReplicationController, ReplicaSet: pkg/controller/controller_utils.go GetPodFromTemplate
  (template labels, annotations and finalizers, generateName NAME-, the controller reference);
* Deployment -> ReplicaSet NAME-HASH (pkg/controller/deployment/sync.go getNewReplicaSet: the
  template plus the label pod-template-hash) -> Pod, created by the ReplicaSet controller;
* StatefulSet: pkg/controller/statefulset/stateful_set_utils.go newVersionedStatefulSetPod (name
  NAME-ORDINAL, hostname and subdomain, pod-name, pod-index and controller-revision-hash labels,
  updateStorage: a claim template's volume replaces the template's volume of the same name);
* DaemonSet: pkg/controller/daemon/util CreatePodTemplate (tolerations, pod-template-generation
  and controller-revision-hash labels) and ReplaceDaemonSetPodNodeNameNodeAffinity;
* Job: the Job strategy's generated selector labels, then pkg/controller/job/job_controller.go
  manageJob (the job-tracking finalizer; Indexed jobs: index env var, label, annotation, hostname);
* CronJob -> Job (pkg/controller/cronjob/utils.go getJobFromTemplate2, or `kubectl create job
  --from=cronjob/NAME`) -> Pod, created by the Job controller.

Values only the cluster knows (a Deployment's pod-template-hash, a revision hash, a Job's UID, the
node a DaemonSet pod is for, a CronJob's schedule time) are filled with stand-ins named in
`ControllerPod.stand_ins`; none of them is read by Pod Security or PodSecurityPolicy.
`ControllerPod.admitted` then applies what only Pods get (admission.default_pod, the seccomp
skew of the pod create strategy): the pod that admission judges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import seccomp_skew
from .defaulting import default_pod
from .workloads import PodTemplate, TemplateError, carries_pod_spec, pod_template

CONTROLLER_NAMESPACE = "kube-system"
# The service account each kind's pods are created by (cmd/kube-controller-manager/app NewClient).
POD_CREATORS = {
    "ReplicationController": "replication-controller",
    "ReplicaSet": "replicaset-controller",
    "Deployment": "replicaset-controller",
    "StatefulSet": "statefulset-controller",
    "DaemonSet": "daemon-set-controller",
    "Job": "job-controller",
    "CronJob": "job-controller",
}
# Stand-ins for what the cluster decides (valid wherever they are put, so the pod stays valid).
STAND_IN_HASH = "0000000000"
STAND_IN_UID = "00000000-0000-0000-0000-000000000000"
STAND_IN_NODE = "node"
STAND_IN_MINUTES = 0
_MAX_NAME, _MAX_GENERATED_NAME = 253, 58  # validation.DNS1123SubdomainMaxLength, names.MaxGeneratedNameLength
_DAEMON_TOLERATIONS = (  # (key, effect), operator Exists, in the order AddOrUpdateDaemonPodTolerations adds them
    ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
_NETWORK_UNAVAILABLE = ("node.kubernetes.io/network-unavailable", "NoSchedule")  # with hostNetwork only
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"


@dataclass(frozen=True)
class ControllerPod:
    """The first Pod a workload's controller sends to the API server, and who sends it."""

    kind: str  # the workload's kind
    via: tuple[str, ...]  # the objects in between, e.g. ("ReplicaSet",) for a Deployment
    controller: str  # the creating controller's service account in kube-system
    pod: Mapping[str, Any]  # the Pod as the controller sends it (before the server touches it)
    stand_ins: tuple[str, ...] = ()  # paths in `pod` whose values stand in for the cluster's

    @property
    def username(self) -> str:
        """The user Pod Security exemptions and PodSecurityPolicy authorization see."""
        return _service_account(self.controller)

    @property
    def groups(self) -> tuple[str, ...]:
        return CONTROLLER_GROUPS

    def admitted(self, server_minor: int | None = None) -> dict[str, Any]:
        """The Pod as validating admission sees it on an API server of minor `server_minor`
        (None: the newest): Pod defaulting, then the create strategy's seccomp skew."""
        pod = default_pod(self.pod, server_minor)
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        synced = seccomp_skew.apply(PodTemplate(meta, spec, ""), server_minor)
        return {**pod, "metadata": dict(synced.metadata), "spec": dict(synced.spec)}


CONTROLLER_GROUPS = ("system:serviceaccounts", f"system:serviceaccounts:{CONTROLLER_NAMESPACE}",
                     "system:authenticated")


def _service_account(controller: str) -> str:
    return f"system:serviceaccount:{CONTROLLER_NAMESPACE}:{controller}"


def pod_creator(kind: str) -> tuple[str, tuple[str, ...]] | None:
    """(user, groups) the pods of a workload kind are created as (ControllerPod.username
    and .groups); None for a kind whose pods no controller creates."""
    controller = POD_CREATORS.get(kind)
    return None if controller is None else (_service_account(controller), CONTROLLER_GROUPS)


class _Pod:
    """A pod being built from a template. The input is never changed: the metadata maps are
    copied, and the spec is copied one level deep; whatever is changed below that level (an
    Indexed Job's containers) is copied before it is written. What is not changed is shared
    with the template, which also makes comparing the two cheap."""

    def __init__(self, template: PodTemplate, namespace: str, owner: dict[str, Any]) -> None:
        meta = template.metadata
        self.meta: dict[str, Any] = {"namespace": namespace}
        for key in ("labels", "annotations"):  # getPodsLabelSet, getPodsAnnotationSet: always maps
            self.meta[key] = dict(_mapping(meta.get(key)))  # a bad shape: said by the template's check
        finalizers = meta.get("finalizers")
        self.meta["finalizers"] = list(finalizers) if isinstance(finalizers, list) else []
        self.meta["ownerReferences"] = [owner]
        self.spec: dict[str, Any] = dict(template.spec)
        self.stand_ins: list[str] = []

    def done(self, kind: str, via: tuple[str, ...]) -> ControllerPod:
        meta = {k: v for k, v in self.meta.items() if v}  # Go omits empty maps and lists
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": self.spec}
        return ControllerPod(kind, via, POD_CREATORS[kind], pod, tuple(self.stand_ins))


def _copy(value: Any) -> Any:
    """A copy of a JSON value's dicts and lists, several times faster than copy.deepcopy."""
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy(v) for v in value]
    return value


def _owner(api_version: str, kind: str, name: str, uid: str | None) -> dict[str, Any]:
    """metav1.NewControllerRef."""
    return {"apiVersion": api_version, "kind": kind, "name": name, "uid": uid or STAND_IN_UID,
            "controller": True, "blockOwnerDeletion": True}


def _prefix(name: str) -> str:
    """getPodsPrefix: NAME- unless that is too long for a name."""
    return f"{name}-" if len(name) < _MAX_NAME else name


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(obj.get("metadata"))


def _mapping(value: Any) -> Mapping[str, Any]:
    """A field that should hold an object; what does not is left to validation (pod_template)."""
    return value if type(value) is dict or isinstance(value, Mapping) else {}  # dict: no ABC check


def _from_template(obj: Mapping[str, Any], namespace: str, owner_kind: str,
                   owner_api: str, owner_name: str | None = None) -> _Pod | None:
    template = pod_template(obj)
    if template is None:
        return None
    meta = _meta(obj)
    name = owner_name or str(meta.get("name") or "")
    uid = meta.get("uid") if owner_name is None else None
    pod = _Pod(template, str(meta.get("namespace") or namespace), _owner(owner_api, owner_kind, name, uid))
    if not uid:
        pod.stand_ins.append("metadata.ownerReferences[0].uid")
    pod.meta["generateName"] = _prefix(name)
    return pod


def _replicated(obj: Mapping[str, Any], namespace: str) -> ControllerPod | None:
    kind = str(obj.get("kind"))
    pod = _from_template(obj, namespace, kind, "v1" if kind == "ReplicationController" else "apps/v1")
    return None if pod is None else pod.done(kind, ())


def _deployment(obj: Mapping[str, Any], namespace: str) -> ControllerPod | None:
    """Deployment -> ReplicaSet NAME-HASH, whose template adds the label pod-template-hash."""
    replica_set = f"{_meta(obj).get('name') or ''}-{STAND_IN_HASH}"
    pod = _from_template(obj, namespace, "ReplicaSet", "apps/v1", replica_set)
    if pod is None:
        return None
    pod.meta["labels"]["pod-template-hash"] = STAND_IN_HASH
    pod.stand_ins += ["metadata.labels.pod-template-hash", "metadata.generateName"]
    return pod.done("Deployment", ("ReplicaSet",))


def _statefulset(obj: Mapping[str, Any], namespace: str) -> ControllerPod | None:
    """Pod NAME-ORDINAL of the first ordinal (newStatefulSetPod, initIdentity, updateStorage)."""
    pod = _from_template(obj, namespace, "StatefulSet", "apps/v1")
    if pod is None:
        return None
    name, spec = str(_meta(obj).get("name") or ""), _mapping(obj.get("spec"))
    ordinal = _mapping(spec.get("ordinals")).get("start") or 0
    if not isinstance(ordinal, int) or isinstance(ordinal, bool):
        raise TemplateError("spec.ordinals.start: expected an integer")
    del pod.meta["generateName"]
    pod.meta["name"] = pod_name = f"{name}-{ordinal}"
    pod.meta["labels"].update({"statefulset.kubernetes.io/pod-name": pod_name,
                               "apps.kubernetes.io/pod-index": str(ordinal),
                               "controller-revision-hash": f"{name}-{STAND_IN_HASH}"})
    pod.stand_ins.append("metadata.labels.controller-revision-hash")
    pod.spec["hostname"] = pod_name
    if spec.get("serviceName"):
        pod.spec["subdomain"] = spec["serviceName"]
    templates = spec.get("volumeClaimTemplates")
    claims = [c for c in templates if isinstance(c, Mapping)] if isinstance(templates, list) else []
    _update_storage(pod.spec, [str(_meta(c).get("name") or "") for c in claims], name, ordinal)
    return pod.done("StatefulSet", ())


def _update_storage(spec: dict[str, Any], claims: list[str], name: str, ordinal: int) -> None:
    """updateStorage: one claim volume per claim template, then the template's volumes whose
    names no claim template has. (The controller lists the claim volumes in Go map order, so
    at random; here in template order. They never violate a policy, so it does not show.)"""
    if not claims:
        return
    volumes = [{"name": claim, "persistentVolumeClaim": {"claimName": f"{claim}-{name}-{ordinal}"}}
               for claim in dict.fromkeys(claims)]
    kept = [v for v in spec.get("volumes") or [] if not (isinstance(v, Mapping) and v.get("name") in claims)]
    spec["volumes"] = volumes + kept


def _daemonset(obj: Mapping[str, Any], namespace: str, node: str | None) -> ControllerPod | None:
    pod = _from_template(obj, namespace, "DaemonSet", "apps/v1")
    if pod is None:
        return None
    pod.meta["labels"].update({"pod-template-generation": str(_template_generation(obj)),
                               "controller-revision-hash": STAND_IN_HASH})
    pod.stand_ins.append("metadata.labels.controller-revision-hash")
    wanted = _DAEMON_TOLERATIONS + ((_NETWORK_UNAVAILABLE,) if pod.spec.get("hostNetwork") is True else ())
    for key, effect in wanted:
        _add_toleration(pod.spec, {"key": key, "operator": "Exists", "effect": effect})
    _node_affinity(pod.spec, node or STAND_IN_NODE)
    if node is None:
        pod.stand_ins.append("spec.affinity.nodeAffinity")
    return pod.done("DaemonSet", ())


def _template_generation(obj: Mapping[str, Any]) -> int:
    """GetTemplateGeneration: apps/v1 keeps spec.templateGeneration in an annotation, which the
    create strategy sets to 1 when it is below 1."""
    annotations = _meta(obj).get("annotations")
    value = annotations.get(TEMPLATE_GENERATION) if isinstance(annotations, Mapping) else None
    try:
        return max(int(str(value)), 1)
    except ValueError:
        return 1


def _add_toleration(spec: dict[str, Any], toleration: dict[str, str]) -> None:
    """AddOrUpdateTolerationInPodSpec: replaces one with the same key, operator, value and
    effect (e.g. with tolerationSeconds), else appends."""
    def same(t: Any) -> bool:
        return isinstance(t, Mapping) and all(
            (t.get(k) or "") == toleration.get(k, "") for k in ("key", "operator", "value", "effect"))

    tolerations = spec.get("tolerations")
    existing = list(tolerations) if isinstance(tolerations, list) else []
    if toleration in existing:
        return
    if any(same(t) for t in existing):
        spec["tolerations"] = [toleration if same(t) else t for t in existing]
    else:
        spec["tolerations"] = existing + [toleration]


def _node_affinity(spec: dict[str, Any], node: str) -> None:
    """ReplaceDaemonSetPodNodeNameNodeAffinity: the required node terms become the one node."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
    affinity = dict(_mapping(spec.get("affinity")))
    node_affinity = dict(_mapping(affinity.get("nodeAffinity")))
    required = dict(_mapping(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")))
    required["nodeSelectorTerms"] = [term]
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = required
    affinity["nodeAffinity"] = node_affinity
    spec["affinity"] = affinity


def _job(obj: Mapping[str, Any], namespace: str, kind: str = "Job") -> ControllerPod | None:
    pod = _from_template(obj, namespace, "Job", "batch/v1")
    if pod is None:
        return None
    meta, spec = _meta(obj), _mapping(obj.get("spec"))
    name, labels = str(meta.get("name") or ""), pod.meta["labels"]
    if spec.get("manualSelector") is not True:  # the Job strategy's generateSelector
        for key in ("job-name", "batch.kubernetes.io/job-name"):
            labels.setdefault(key, name)
        for key in ("controller-uid", "batch.kubernetes.io/controller-uid"):
            if key not in labels:
                labels[key] = meta.get("uid") or STAND_IN_UID
                if not meta.get("uid"):
                    pod.stand_ins.append(f"metadata.labels.{key}")
    if JOB_TRACKING_FINALIZER not in pod.meta["finalizers"]:
        pod.meta["finalizers"].append(JOB_TRACKING_FINALIZER)
    if spec.get("completionMode") == "Indexed":
        _first_index(pod, name)
        if spec.get("backoffLimitPerIndex") is not None:  # addIndexFailureCountAnnotation, no failure yet
            pod.meta["annotations"]["batch.kubernetes.io/job-index-failure-count"] = "0"
    return pod.done(kind, () if kind == "Job" else ("Job",))


def _first_index(pod: _Pod, job: str) -> None:
    """An Indexed Job's pod of index 0: the index env var, annotation, label and hostname."""
    env = {"name": "JOB_COMPLETION_INDEX",
           "valueFrom": {"fieldRef": {"fieldPath": f"metadata.labels['{COMPLETION_INDEX}']"}}}
    for key in ("initContainers", "containers"):
        containers = pod.spec.get(key) or []
        if isinstance(containers, list):  # written into below: copied first
            containers = pod.spec[key] = [dict(c) if isinstance(c, dict) else c for c in containers]
        for container in containers:
            if isinstance(container, dict) and not any(
                    isinstance(e, Mapping) and e.get("name") == env["name"] for e in container.get("env") or []):
                container["env"] = [*(container.get("env") or []), env]
    pod.meta["annotations"][COMPLETION_INDEX] = pod.meta["labels"][COMPLETION_INDEX] = "0"
    pod.spec["hostname"] = f"{job}-0"
    prefix = f"{job}-0-"
    if len(prefix) > _MAX_GENERATED_NAME:  # podGenerateNameWithIndex
        prefix = prefix[:_MAX_GENERATED_NAME - len("-0-")] + "-0-"
    pod.meta["generateName"] = prefix


def job_from_cronjob(cronjob: Mapping[str, Any], name: str | None = None) -> dict[str, Any]:
    """The Job a CronJob makes: `kubectl create job NAME --from=cronjob/CJ` when `name` is
    given (annotation cronjob.kubernetes.io/instantiate=manual), else the CronJob controller's
    scheduled one (getJobFromTemplate2), named for a stand-in schedule time."""
    meta, template = _meta(cronjob), _mapping(_mapping(cronjob.get("spec")).get("jobTemplate"))
    template_meta = _mapping(template.get("metadata"))
    annotations = dict(_mapping(template_meta.get("annotations")))
    if name is not None:
        annotations = {"cronjob.kubernetes.io/instantiate": "manual", **annotations}
    job_meta: dict[str, Any] = {"name": name or f"{meta.get('name') or ''}-{STAND_IN_MINUTES}",
                                "annotations": annotations}
    if _mapping(template_meta.get("labels")):
        job_meta["labels"] = dict(template_meta["labels"])
    if meta.get("namespace"):
        job_meta["namespace"] = meta["namespace"]
    owner = _owner("batch/v1", "CronJob", str(meta.get("name") or ""), meta.get("uid"))
    if name is not None:  # kubectl leaves blockOwnerDeletion out (it would need cronjobs/finalizers)
        del owner["blockOwnerDeletion"]
    job_meta["ownerReferences"] = [owner]
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": job_meta,
            "spec": _copy(dict(_mapping(template.get("spec"))))}


def controller_pod(obj: Mapping[str, Any], namespace: str = "default", *,
                   node: str | None = None) -> ControllerPod | None:
    """The Pod the controller of `obj` creates first (in the object's namespace, else
    `namespace`); None for a Pod, a PodTemplate, another kind, or a workload without a pod
    template. `node`: where a DaemonSet pod goes. Raises workloads.TemplateError for a
    template of the wrong shape."""
    kind = obj.get("kind")
    if kind in ("ReplicationController", "ReplicaSet"):
        return _replicated(obj, namespace)
    if kind == "Deployment":
        return _deployment(obj, namespace)
    if kind == "StatefulSet":
        return _statefulset(obj, namespace)
    if kind == "DaemonSet":
        return _daemonset(obj, namespace, node)
    if kind == "Job":
        return _job(obj, namespace)
    if kind == "CronJob":
        made = _job(job_from_cronjob(obj), namespace, "CronJob")
        if made is None:
            return None
        stand_ins = ("metadata.generateName", *made.stand_ins)
        return ControllerPod(made.kind, made.via, made.controller, made.pod, stand_ins)
    return None


def admitted_pod(obj: Mapping[str, Any], namespace: str) -> dict[str, Any] | None:
    """The pod admission sees for an object, as it is sent (before the server's defaulting):
    the Pod itself, or the one its controller creates (a PodTemplate, which no controller
    uses, as a pod of its template), in the object's namespace, else `namespace`; None
    for an object without a pod template."""
    if not carries_pod_spec(str(obj.get("kind")), str(obj.get("apiVersion"))):
        return None
    meta = _meta(obj)
    ns = meta.get("namespace") or namespace
    if obj.get("kind") == "Pod":
        return {**obj, "metadata": {**meta, "namespace": ns}}
    made = controller_pod(obj, namespace)
    if made is not None:
        return dict(made.pod)
    template = pod_template(obj)
    if template is None:
        return None
    pod_meta = {**template.metadata, "namespace": ns, "name": f"{meta.get('name', 'pod')}-xxxxx"}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": dict(template.spec)}

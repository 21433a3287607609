"""The pods the cluster really creates: kubectl_podsec.admission.controller_pods against the real
kube-controller-manager of the test control plane.

A seeded generator makes workloads of every kind for namespaces that enforce each level at
several versions; the controllers create their pods as their own service accounts, and the
server admits them or not. For every workload, the prediction (the controller's pod, judged
offline as a Pod, as its creator) must equal what the controller got: a pod, or a FailedCreate
event carrying the same denial, word for word. Created pods must also carry what the
prediction says the controller and the Pod defaulting put there.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from kubectl_podsec.admission.controller_pods import ControllerPod, controller_pod, job_from_cronjob
from kubectl_podsec.pss import Evaluator
from kubectl_podsec.admission.policy import PolicyResolver
from kubectl_podsec.check.checker import Checker
from kubectl_podsec.check.report import Result

from .control_plane import Cluster, eventually
from .controller_truth import Key, Outcome, apply, await_outcomes, manual_job_name
from .workload_gen import KINDS, Generator

SEED = 20261203
NODE = "podsec-node"  # scripts/test-cluster registers it
# (level, version) enforced by each namespace of the differential test
POLICIES = (("privileged", "latest"), ("baseline", "latest"), ("baseline", "v1.23"), ("baseline", "v1.30"),
            ("restricted", "latest"), ("restricted", "v1.23"), ("restricted", "v1.25"),
            ("restricted", "v1.30"), ("restricted", "v1.36"))
PER_NAMESPACE = 7 * 16  # every kind, 16 times: 1,008 workloads in all
# What the DefaultTolerationSeconds admission plugin adds to pods that lack them (not a controller's work).
DEFAULT_TOLERATIONS = [{"key": f"node.kubernetes.io/{k}", "operator": "Exists", "effect": "NoExecute",
                        "tolerationSeconds": 300} for k in ("not-ready", "unreachable")]
STAND_IN_LABELS = ("pod-template-hash", "controller-revision-hash", "controller-uid",
                   "batch.kubernetes.io/controller-uid")


def enforce_labels(level: str, version: str) -> dict[str, str]:
    return {"pod-security.kubernetes.io/enforce": level, "pod-security.kubernetes.io/enforce-version": version}


def predict(made: ControllerPod, namespace: str, labels: Mapping[str, str]) -> tuple[bool, str | None]:
    """(allowed, denial) of the predicted pod, judged offline as a Pod created by its controller."""
    resolver = PolicyResolver(namespace_labels={namespace: labels})
    resolver.server_minor = 37
    result = Checker(Evaluator(), resolver, username=made.username).check(made.pod, None)
    assert isinstance(result, Result)
    enforce = next(e for e in result.admission.evaluations if e.mode == "enforce")
    return enforce.allowed, enforce.message


def _volumes(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Volume name -> its source kind (and claim), without the service account's token volume."""
    out = {}
    for volume in spec.get("volumes") or []:
        if volume["name"].startswith("kube-api-access-"):
            continue
        source = sorted(k for k in volume if k != "name")
        claim = volume.get("persistentVolumeClaim", {}).get("claimName")
        out[volume["name"]] = (source, claim)
    return out


def _containers(spec: Mapping[str, Any]) -> list[Any]:
    """What the controllers and the Pod defaulting change in containers (ports, env, security)."""
    return [(c["name"], [(p.get("containerPort"), p.get("hostPort")) for p in c.get("ports") or []],
             [e["name"] for e in c.get("env") or []], c.get("securityContext") or {})
            for key in ("initContainers", "containers") for c in spec.get(key) or []]


def shape(pod: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a pod that the prediction must get right; values the cluster decides
    (hashes, UIDs) are compared by key only."""
    meta, spec = pod["metadata"], pod["spec"]
    labels = {k: (None if k in STAND_IN_LABELS else v) for k, v in (meta.get("labels") or {}).items()}
    return {"labels": labels, "annotations": meta.get("annotations") or {},
            "finalizers": meta.get("finalizers") or [], "owner": meta["ownerReferences"][0]["kind"],
            "hostname": spec.get("hostname"), "subdomain": spec.get("subdomain"),
            "hostNetwork": spec.get("hostNetwork"),
            "tolerations": [t for t in spec.get("tolerations") or [] if t not in DEFAULT_TOLERATIONS],
            "affinity": spec.get("affinity"), "volumes": _volumes(spec), "containers": _containers(spec)}


def _objects(generator: Generator, index: int) -> list[dict[str, Any]]:
    return [generator.workload(KINDS[i % len(KINDS)], f"w{index}-{i}") for i in range(PER_NAMESPACE)]


@pytest.fixture(scope="module")
def differential(cluster: Cluster) -> Iterator[dict[str, Any]]:
    """Apply the generated workloads once; the tests below read what happened."""
    generator, started = Generator(SEED), time.monotonic()
    cases: dict[Key, tuple[dict[str, Any], dict[str, str]]] = {}
    refused: list[str] = []
    for index, (level, version) in enumerate(POLICIES):
        labels = enforce_labels(level, version)
        namespace = cluster.create_namespace(f"ctl-{level}-{version}", labels)
        objects = _objects(generator, index)
        refused += apply(cluster, namespace, objects)
        cases.update({(namespace, o["kind"], o["metadata"]["name"]): (o, labels) for o in objects})
    applied = time.monotonic()
    outcomes = await_outcomes(cluster, set(cases), timeout=300)
    yield {"cases": cases, "outcomes": outcomes, "refused": refused,
           "times": (applied - started, time.monotonic() - applied)}
    for namespace in {key[0] for key in cases}:  # stops the controllers' retries
        cluster.kubectl("delete", "namespace", namespace, "--wait=false")


def test_the_generated_workloads_are_all_valid(differential: dict[str, Any]) -> None:
    assert differential["refused"] == []
    assert len(differential["cases"]) >= 1000


def test_the_controllers_get_what_the_prediction_says(differential: dict[str, Any]) -> None:
    """Verdict and exact message of each workload's first pod, for 1,008 workloads."""
    cases, outcomes = differential["cases"], differential["outcomes"]
    missing = [key for key in cases if key not in outcomes]
    differences, tally = [], Counter[tuple[str, str]]()
    for key, (obj, labels) in cases.items():
        if key not in outcomes:
            continue
        made = controller_pod(obj, key[0], node=NODE)
        assert made is not None
        allowed, message = predict(made, key[0], labels)
        got: Outcome = outcomes[key]
        tally[(key[1], "allowed" if got.pod is not None else "denied")] += 1
        if (got.pod is not None, got.denial) != (allowed, message):
            differences.append(f"{key}: predicted {message!r}, the controller got {got.event or 'a pod'}")
    applying, waiting = differential["times"]
    print(f"\n{len(cases)} workloads, applied in {applying:.1f} s, outcomes after {waiting:.1f} s: "
          f"{sorted(tally.items())}")
    assert missing == [] and differences == [], "\n".join(map(str, missing[:20] + differences[:40]))
    assert {verdict for _, verdict in tally} == {"allowed", "denied"}


def test_created_pods_are_the_predicted_pods(differential: dict[str, Any]) -> None:
    """Labels, annotations, finalizers, names, tolerations, affinity, claim volumes, host ports and
    AppArmor fields of every created pod, as predicted (after the Pod defaulting)."""
    differences = []
    for key, outcome in differential["outcomes"].items():
        if outcome.pod is None:
            continue
        obj, _ = differential["cases"][key]
        if obj["kind"] == "CronJob":  # the Job the test made from it, as kubectl does (named)
            obj = job_from_cronjob(obj, manual_job_name(obj["metadata"]["name"]))
        made = controller_pod(obj, key[0], node=NODE)
        assert made is not None
        want, got = shape(made.admitted(37)), shape(outcome.pod)
        if want != got:
            diff = {k: (want[k], got[k]) for k in want if want[k] != got[k]}
            differences.append(f"{key}: {json.dumps(diff)}")
        name = outcome.pod["metadata"]
        if "generateName" in made.pod["metadata"] and "metadata.generateName" not in made.stand_ins:
            if name.get("generateName") != made.pod["metadata"]["generateName"]:
                differences.append(f"{key}: generateName {name.get('generateName')}")
        elif "name" in made.pod["metadata"] and name["name"] != made.pod["metadata"]["name"]:
            differences.append(f"{key}: name {name['name']}")
    assert differences == [], "\n".join(differences[:30])


def test_a_cronjob_job_is_made_as_kubectl_makes_it(cluster: Cluster, namespace: str) -> None:
    """job_from_cronjob equals `kubectl create job --from=cronjob/NAME` in what reaches the pod."""
    cronjob = Generator(1).workload("CronJob", "cj")
    cronjob["spec"]["jobTemplate"]["metadata"] = {"labels": {"team": "t"}, "annotations": {"a": "b"}}
    cluster.kubectl("create", "-n", namespace, "-f", "-", input=json.dumps(cronjob))
    cluster.kubectl("create", "job", "-n", namespace, "by-kubectl", "--from=cronjob/cj")
    real = json.loads(cluster.kubectl("get", "-n", namespace, "job", "by-kubectl", "-o", "json").stdout)
    stored = json.loads(cluster.kubectl("get", "-n", namespace, "cronjob", "cj", "-o", "json").stdout)
    ours = job_from_cronjob(stored, "by-kubectl")
    assert real["metadata"]["annotations"] == ours["metadata"]["annotations"]
    assert real["metadata"]["labels"] == ours["metadata"]["labels"]
    assert real["metadata"]["ownerReferences"] == ours["metadata"]["ownerReferences"]
    assert real["spec"]["template"]["spec"] == stored["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def test_namespaces_finish_terminating_and_aggregated_roles_have_rules(cluster: Cluster) -> None:
    """The namespace, garbage-collector and clusterrole-aggregation controllers run."""
    namespace = cluster.create_namespace("terminates")
    deployment = Generator(2).workload("Deployment", "gone")
    cluster.kubectl("create", "-n", namespace, "-f", "-", input=json.dumps(deployment))
    eventually(lambda: cluster.api("GET", f"/apis/apps/v1/namespaces/{namespace}/replicasets").body["items"] != [],
               30, "the Deployment's ReplicaSet")
    cluster.kubectl("delete", "namespace", namespace, "--wait=false")
    eventually(lambda: cluster.api("GET", f"/api/v1/namespaces/{namespace}").status == 404, 60,
               f"namespace {namespace} gone")
    edit = cluster.api("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/edit").body
    assert any("deployments" in rule.get("resources", []) for rule in edit["rules"])


def test_pods_get_the_default_service_account_token(cluster: Cluster, namespace: str) -> None:
    """The ServiceAccount admission plugin is on: a pod gets its token volume."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "a", "image": "busybox"}]}}
    created = cluster.api("POST", f"/api/v1/namespaces/{namespace}/pods", pod)
    assert created.status == 201, created.body
    assert created.body["spec"]["serviceAccountName"] == "default"
    assert [v["name"] for v in created.body["spec"]["volumes"]][0].startswith("kube-api-access-")
    assert re.fullmatch(r"kube-api-access-[a-z0-9]{5}", created.body["spec"]["volumes"][0]["name"])

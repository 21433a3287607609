"""`psp which` and `psp mutated` against real API servers: the PodSecurityPolicies and the
`use` grants of a v1.24.17 cluster (scripts/test-cluster up --profile psp), compared with
what its admission plugin does to a server dry-run create, and a v1.37 cluster that no
longer serves PodSecurityPolicy but whose RBAC still answers `use`.

No controller-manager runs: owners never create pods, so the tests create each pod
themselves with an ownerReference, as the controller would, as a user whose only
authorised policy mutates it."""

from __future__ import annotations

import copy
import json
import pathlib
import secrets
from typing import Any

import pytest

from .control_plane import Cluster, eventually
from .podsec import manifest, podsec
from .test_psp_admission import ALL, allow, psp_cluster  # noqa: F401  (the session fixture: v1.24 and its policies)

ALICE = {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}
AS_ALICE = ("--as", "alice", "--as-group", "devs")  # alice as her token makes her
RS_CONTROLLER = "system:serviceaccount:kube-system:replicaset-controller"


def pod(name: str, sa: str | None = None, **container_sc: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "registry.k8s.io/pause:3.10"}
    if container_sc:
        container["securityContext"] = container_sc
    spec: dict[str, Any] = {"containers": [container]}
    if sa:
        spec["serviceAccountName"] = sa
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def server_dry_run(cluster: Cluster, namespace: str, body: dict[str, Any]) -> tuple[str | None, str]:
    """The policy the real plugin chose for a create as alice, or None and the denial."""
    answer = cluster.api("POST", f"/api/v1/namespaces/{namespace}/pods?dryRun=All", body, user="alice")
    if answer.status == 201:
        return answer.body["metadata"]["annotations"]["kubernetes.io/psp"], ""
    assert answer.status == 403, answer.body
    return None, answer.body["message"]


# --- psp which: the cluster's policies and its own answers --------------------------------------

SCENARIOS = [
    # (id, pod, policies alice may use, policies the pod's service account "builder" may use)
    ("alice may use restricted only: it mutates the pod", pod("mutated"), ["restricted"], []),
    ("alice may use privileged and restricted: privileged takes it unchanged", pod("plain"),
     ["restricted", "privileged"], []),
    ("a-defaults sorts first but mutates; restricted too: a-defaults", pod("first"), ["restricted", "a-defaults"], []),
    ("only the service account may use privileged", pod("viasa", sa="builder", privileged=True), [],
     ["privileged"]),
    ("alice may use restricted, the privileged pod is denied", pod("denied", privileged=True), ["restricted"], []),
    ("nothing is authorised", pod("none"), [], []),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_which_online_chooses_what_the_admission_plugin_chooses(psp_cluster: Cluster, tmp_path: pathlib.Path,
                                                               scenario: tuple[Any, ...]) -> None:
    _, body, user_policies, sa_policies = scenario
    namespace = psp_cluster.create_namespace("psp-which")
    if sa_policies:
        psp_cluster.kubectl("-n", namespace, "create", "serviceaccount", "builder")
        allow(psp_cluster, namespace, {"kind": "ServiceAccount", "name": "builder", "namespace": namespace},
              f"system:serviceaccount:{namespace}:builder", sa_policies)
    # alice must be allowed to create pods to reach admission at all
    allow(psp_cluster, namespace, ALICE, "alice", user_policies or ["no-such-policy"])

    chosen, denial = server_dry_run(psp_cluster, namespace, copy.deepcopy(body))
    ran = podsec(psp_cluster, "psp which", "-f", manifest(tmp_path / "pod.yaml", body), "-n", namespace,
                 *AS_ALICE, "-o", "json")

    (item,) = ran.json["items"]
    assert item["chosen"] == chosen
    assert ran.code == (0 if chosen else 1), ran.err
    if chosen is None:
        assert item["message"] == denial
    rows = {p["name"]: p for p in item["policies"]}
    for name in ("a-defaults", "privileged", "restricted"):
        via = (["service-account"] if name in sa_policies else []) + (["user"] if name in user_policies else [])
        assert (rows[name]["authorized"], rows[name]["authorizedVia"]) == (bool(via), via), name


def test_which_reads_every_policy_the_cluster_has(psp_cluster: Cluster, tmp_path: pathlib.Path) -> None:
    namespace = psp_cluster.create_namespace("psp-read")
    names = {n.removeprefix("podsecuritypolicy.policy/")
             for n in psp_cluster.kubectl("get", "psp", "-o", "name").stdout.split()}

    ran = podsec(psp_cluster, "psp which", "-f", manifest(tmp_path / "pod.yaml", pod("p")), "-n", namespace)

    assert ran.code == 0, ran.err  # admin (system:masters) may use every policy
    assert names >= {"a-defaults", "privileged", "restricted"}
    table = ran.out.split("\n\n")[1].splitlines()
    assert table[0].split() == ["POLICY", "AUTHORIZED", "OUTCOME", "WHY"]
    assert {row.split()[0] for row in table[1:]} == names
    assert all(row.split()[1] == "user" for row in table[1:])


def test_a_workloads_pods_are_admitted_as_its_controller(psp_cluster: Cluster, tmp_path: pathlib.Path) -> None:
    namespace = psp_cluster.create_namespace("psp-controller")
    allow(psp_cluster, namespace, {"kind": "ServiceAccount", "name": "replicaset-controller",
                                   "namespace": "kube-system"}, RS_CONTROLLER, ["restricted"])
    container = {"name": "app", "image": "registry.k8s.io/pause:3.10"}
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": namespace},
              "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}}}
    # what the replicaset controller would send, as itself
    created = psp_cluster.kubectl(
        "create", "--dry-run=server", "-o", "json", f"--as={RS_CONTROLLER}", "-n", namespace, "-f", "-",
        input=json.dumps({**pod("web-x"), "metadata": {"generateName": "web-", "labels": {"app": "web"}}}))
    server_choice = json.loads(created.stdout)["metadata"]["annotations"]["kubernetes.io/psp"]

    ran = podsec(psp_cluster, "psp which", "-f", manifest(tmp_path / "deploy.yaml", deploy), *AS_ALICE,
                 "-o", "json")

    assert ran.code == 0, ran.err
    assert ran.json["items"][0]["chosen"] == server_choice == "restricted"
    assert ran.err == ("note: the requesting user for the pods of a Deployment is the controller that "
                       f"creates them, {RS_CONTROLLER}\n")


# --- psp which against a server without PodSecurityPolicy ---------------------------------------

def test_which_needs_psp_file_where_psp_is_not_served(cluster: Cluster, tmp_path: pathlib.Path) -> None:
    ran = podsec(cluster, "psp which", "-f", manifest(tmp_path / "pod.yaml", pod("p")))

    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (f"error: {cluster.server} does not serve PodSecurityPolicy (policy/v1beta1, removed in "
                       "Kubernetes 1.25); pass the policies with --psp-file\n")


def test_which_online_with_psp_file_asks_rbac_where_psp_is_not_served(
        cluster: Cluster, namespace: str, tmp_path: pathlib.Path) -> None:
    psp_file = manifest(tmp_path / "psps.yaml", *ALL)
    pod_file = manifest(tmp_path / "pod.yaml", pod("p"))
    allow(cluster, namespace, ALICE, "alice", ["restricted"])

    ran = podsec(cluster, "psp which", "-f", pod_file, "--psp-file", psp_file, "--online", "-n", namespace,
                 *AS_ALICE, "-o", "json")

    assert (ran.code, ran.err) == (0, "")
    (item,) = ran.json["items"]
    assert item["chosen"] == "restricted"
    assert {p["name"]: (p["authorizedVia"], p["outcome"]) for p in item["policies"]} == {
        "a-defaults": ([], "not-authorized"), "privileged": ([], "not-authorized"),
        "restricted": (["user"], "accepted-after-mutation")}
    # a connection flag asks the cluster too, as `check -f` does
    implied = podsec(cluster, "psp which", "-f", pod_file, "--psp-file", psp_file, "-n", namespace, *AS_ALICE,
                     "-o", "json")
    assert implied.json == ran.json
    # without either, every policy is the user's, offline
    offline = podsec(None, "psp which", "-f", pod_file, "--psp-file", psp_file, "-n", namespace,
                     env={"KUBECONFIG": "/nonexistent"})
    assert offline.code == 0 and f'Pod {namespace}/p: admitted under PodSecurityPolicy "privileged"' in offline.out


# --- psp mutated ---------------------------------------------------------------------------------

REPLICASET = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-1"},
              "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}]}}}}
JOB = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once"},
       "spec": {"suspend": True, "template": {"spec": {"restartPolicy": "Never", "containers": [
           {"name": "app", "image": "registry.k8s.io/pause:3.10"}]}}}}
A_DEFAULTS_DRIFT = [  # what a-defaults writes into a pod whose template leaves both unset
    {"path": "spec.containers[0].securityContext.runAsUser", "template": None, "pod": 1000},
    {"path": "spec.containers[0].securityContext.allowPrivilegeEscalation", "template": None, "pod": False}]


def create_owned_pod(cluster: Cluster, namespace: str, owner: dict[str, Any], name: str, user: str,
                     **labels: str) -> dict[str, Any]:
    """A pod from `owner`'s template, controlled by it, created as `user` (the controller's part)."""
    stored = json.loads(cluster.kubectl("get", "-n", namespace, owner["kind"].lower(), owner["metadata"]["name"],
                                        "-o", "json").stdout)
    template = stored["spec"]["template"]
    body = {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {**template["metadata"].get("labels", {}), **labels},
                         "ownerReferences": [{"apiVersion": owner["apiVersion"], "kind": owner["kind"],
                                              "name": owner["metadata"]["name"], "uid": stored["metadata"]["uid"],
                                              "controller": True}]},
            "spec": template["spec"]}
    answer = cluster.api("POST", f"/api/v1/namespaces/{namespace}/pods", body, user=user)
    assert answer.status == 201, answer.body
    return dict(answer.body)


def owners_with_mutated_pods(cluster: Cluster, namespace: str, **labels: str) -> None:
    """A ReplicaSet and a Job, each with a pod a-defaults mutated (alice's only policy)
    and, for the ReplicaSet, one admin's privileged policy took unchanged."""
    cluster.kubectl("apply", "-n", namespace, "-f", "-",
                    input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [REPLICASET, JOB]}))
    allow(cluster, namespace, ALICE, "alice", ["a-defaults"])
    mutated = create_owned_pod(cluster, namespace, REPLICASET, "web-1-mutated", "alice", **labels)
    assert mutated["metadata"]["annotations"]["kubernetes.io/psp"] == "a-defaults"
    create_owned_pod(cluster, namespace, JOB, "once-mutated", "alice", **labels)
    unchanged = create_owned_pod(cluster, namespace, REPLICASET, "web-1-unchanged", "admin", **labels)
    assert unchanged["metadata"]["annotations"]["kubernetes.io/psp"] == "privileged"


def test_mutated_finds_the_pods_a_policy_mutated(psp_cluster: Cluster) -> None:
    namespace = psp_cluster.create_namespace("psp-mutated")
    owners_with_mutated_pods(psp_cluster, namespace)

    ran = podsec(psp_cluster, "psp mutated", "-n", namespace, "-o", "json")

    assert (ran.code, ran.err) == (0, "")
    assert ran.json["errors"] == []
    assert [(i["object"], i["owner"], i["policy"], i["differences"]) for i in ran.json["items"]] == [
        (f"Pod {namespace}/once-mutated", f"Job {namespace}/once", "a-defaults", A_DEFAULTS_DRIFT),
        (f"Pod {namespace}/web-1-mutated", f"ReplicaSet {namespace}/web-1", "a-defaults", A_DEFAULTS_DRIFT)]
    table = podsec(psp_cluster, "psp mutated", "-n", namespace, "-l", "app=web")
    assert table.out == (f"Pod {namespace}/web-1-mutated (owner ReplicaSet {namespace}/web-1, "
                         "kubernetes.io/psp=a-defaults):\n"
                         "  spec.containers[0].securityContext.runAsUser: template (unset), pod 1000\n"
                         "  spec.containers[0].securityContext.allowPrivilegeEscalation: template (unset), pod false\n")
    missing = podsec(psp_cluster, "psp mutated", "-n", "no-such-namespace")
    assert (missing.code, missing.out, missing.err) == (3, "", 'error: namespaces "no-such-namespace" not found\n')


def grant_alice_reads(cluster: Cluster, namespace: str) -> None:
    """List on pods and every owner kind but jobs."""
    cluster.kubectl("create", "role", "reader", "--verb=list", "-n", namespace, "--resource=" + ",".join(
        ["pods", "replicationcontrollers", "replicasets.apps", "statefulsets.apps", "daemonsets.apps"]))
    cluster.kubectl("create", "rolebinding", "alice-reads", "--role=reader", "--user=alice", "-n", namespace)


def test_mutated_with_lists_that_may_not_be_read(psp_cluster: Cluster) -> None:
    run = secrets.token_hex(4)  # alice may read the namespaces of earlier runs: look at ours only
    readable, closed = psp_cluster.create_namespace("psp-readable"), psp_cluster.create_namespace("psp-closed")
    for ns in (readable, closed):
        owners_with_mutated_pods(psp_cluster, ns, run=run)
    grant_alice_reads(psp_cluster, readable)
    eventually(lambda: podsec(psp_cluster, "psp mutated", "-n", readable, context="alice").code == 4, what="RBAC")

    one = podsec(psp_cluster, "psp mutated", "-n", readable, "-o", "json", context="alice")

    assert one.code == 4  # the Job's pod has no readable owner: not reported
    assert [i["object"] for i in one.json["items"]] == [f"Pod {readable}/web-1-mutated"]
    jobs = (f'cannot read jobs in namespace "{readable}": forbidden: User "alice" cannot list resource "jobs" '
            f'in API group "batch" in the namespace "{readable}"')
    assert (one.json["errors"], one.err) == ([jobs], f"error: {jobs}\n")

    nothing = podsec(psp_cluster, "psp mutated", "-n", closed, context="alice")
    assert (nothing.code, nothing.out) == (3, "")  # nothing at all could be read
    assert len(nothing.errors()) == 6

    binding = f"alice-lists-namespaces-{readable}"
    psp_cluster.kubectl("create", "clusterrole", binding, "--verb=list", "--resource=namespaces")
    psp_cluster.kubectl("create", "clusterrolebinding", binding, f"--clusterrole={binding}", "--user=alice")
    try:
        scan = ("psp mutated", "-A", "-l", f"run={run}", "-o", "json")
        eventually(lambda: bool(podsec(psp_cluster, *scan, context="alice").json["items"]), what="RBAC")

        every = podsec(psp_cluster, *scan, context="alice")
    finally:
        psp_cluster.kubectl("delete", "clusterrolebinding,clusterrole", binding)

    assert every.code == 4
    assert [i["object"] for i in every.json["items"]] == [f"Pod {readable}/web-1-mutated"]
    errors = every.errors()  # one line per kind, however many namespaces refused it
    assert [e.split(" in ")[0] for e in errors] == [
        f"error: cannot read {plural}" for plural in
        ("replicationcontrollers", "replicasets", "statefulsets", "daemonsets", "jobs", "pods")]
    assert all(" namespaces (" in e and 'forbidden: User "alice" cannot list resource' in e for e in errors)


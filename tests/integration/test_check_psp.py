"""`check -n NS` against a cluster that still serves PodSecurityPolicies
(Kubernetes v1.24.17 with the admission plugin on: scripts/test-cluster
--profile psp): each result says which policy would admit its pod, and that
is the policy the real plugin writes into `kubernetes.io/psp` on a server
dry-run create by the same identity. Against v1.37 no such field appears, and
the PSP engine is not even loaded."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from .control_plane import Cluster, eventually
from .podsec import PLAIN, PRIVILEGED, apply, deployment, pod, podsec, podsec_process
from .test_psp_admission import grant, psp_cluster  # noqa: F401  (the session fixture: v1.24 and its policies)

ALICE = {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}
AS_ALICE = ("--as", "alice", "--as-group", "devs")  # exactly the groups alice's token has
CONTROLLER = "system:serviceaccount:kube-system:replicaset-controller"


def allow(cluster: Cluster, namespace: str, subject: dict[str, str], user: str, policies: list[str]) -> None:
    """`grant`, then wait until RBAC answers it."""
    grant(cluster, namespace, subject, policies)
    eventually(lambda: cluster.kubectl("auth", "can-i", "use", f"podsecuritypolicies.policy/{policies[0]}",
                                       "-n", namespace, "--as", user, check=False).returncode == 0,
               what=f"{user} may use {policies[0]}")


def alice_creates(cluster: Cluster, namespace: str, manifest: dict[str, Any]) -> tuple[int, str]:
    """(status, the chosen policy or the denial message) of the real plugin, on
    a server dry-run create by alice herself."""
    answer = cluster.api("POST", f"/api/v1/namespaces/{namespace}/pods?dryRun=All", manifest, user="alice")
    if answer.status == 201:
        return 201, answer.body["metadata"]["annotations"]["kubernetes.io/psp"]
    return answer.status, answer.body["message"]


SCENARIOS = [
    # (id, container, policies alice may use)
    ("plain pod, restricted only: mutated", PLAIN, ["restricted"]),
    ("plain pod, privileged only: unchanged", PLAIN, ["privileged"]),
    ("plain pod, both: the one that accepts it unchanged", PLAIN, ["privileged", "restricted"]),
    ("privileged pod, restricted only: denied", PRIVILEGED, ["restricted"]),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_check_reports_the_policy_the_admission_plugin_chooses(psp_cluster: Cluster,
                                                               scenario: tuple[Any, ...]) -> None:
    _, container, policies = scenario
    namespace = psp_cluster.create_namespace("check-psp")
    manifest = pod("app", container)
    manifest["spec"]["automountServiceAccountToken"] = False  # this server runs no ServiceAccount plugin
    allow(psp_cluster, namespace, ALICE, "alice", policies)
    status, answer = alice_creates(psp_cluster, namespace, manifest)
    apply(psp_cluster, namespace, [manifest])  # stored as admin, so that check reads it from the cluster

    ran = podsec(psp_cluster, "check", "-n", namespace, *AS_ALICE, "-o", "json")

    (result,) = ran.json["results"]
    psp = result["psp"]
    if status == 201:
        assert ran.code == 0, ran.err
        assert (psp["allowed"], psp["chosen"]) == (True, answer)
        assert bool(psp["mutations"]) == (answer == "restricted")  # privileged never mutates
    else:
        assert (status, ran.code) == (403, 1), ran.err
        assert (psp["allowed"], psp["chosen"]) == (False, None)
        assert psp["message"] == answer
    assert ran.err == ""


def test_workload_pods_are_admitted_as_their_controller(psp_cluster: Cluster) -> None:
    """alice may use restricted only, the replicaset controller privileged: the
    Deployment's pods get privileged, as the controller's own create would."""
    namespace = psp_cluster.create_namespace("check-psp-deploy")
    allow(psp_cluster, namespace, ALICE, "alice", ["restricted"])
    allow(psp_cluster, namespace, {"kind": "ServiceAccount", "name": "replicaset-controller",
                                   "namespace": "kube-system"}, CONTROLLER, ["privileged"])
    apply(psp_cluster, namespace, [deployment("web", PRIVILEGED)])  # scaled to zero

    ran = podsec(psp_cluster, "check", "-n", namespace, *AS_ALICE, "-o", "json")
    template_pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "web-", "labels": {"app": "web"}},
                    "spec": {"containers": [PRIVILEGED], "automountServiceAccountToken": False}}
    by_controller = psp_cluster.kubectl(
        "create", "--dry-run=server", "-o", "json", "-n", namespace, "-f", "-",
        "--as", CONTROLLER, input=json.dumps(template_pod))

    (result,) = ran.json["results"]
    assert ran.code == 0, ran.err
    assert json.loads(by_controller.stdout)["metadata"]["annotations"]["kubernetes.io/psp"] == "privileged"
    assert alice_creates(psp_cluster, namespace, template_pod)[0] == 403  # alice's own pods: denied
    assert result["psp"] == {"chosen": "privileged", "allowed": True, "mutations": []}


def test_no_psp_field_where_podsecuritypolicies_are_not_served(cluster: Cluster, namespace: str) -> None:
    apply(cluster, namespace, [pod("app", PLAIN)])

    ran = podsec(cluster, "check", "-n", namespace, "-o", "json")
    proc = podsec_process(cluster, "check", "-n", namespace, "-o", "json", env={"PYTHONPROFILEIMPORTTIME": "1"},
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)

    assert (ran.code, ran.err) == (0, "")
    assert [sorted(r) for r in ran.json["results"]] == [sorted(r) for r in json.loads(out)["results"]]
    assert "psp" not in ran.json["results"][0]
    imported = {line.rsplit("|", 1)[1].strip() for line in err.splitlines() if line.startswith("import time:")}
    assert "kubectl_podsec.cli.check_cluster" in imported  # the probe sees the imports at all
    assert not {m for m in imported if m.startswith(("kubectl_podsec.psp", "kubectl_podsec.cli.check_psp"))}

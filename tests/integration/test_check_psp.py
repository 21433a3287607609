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
from .podsec import PLAIN, PRIVILEGED, apply, deployment, manifest, may, pod, podsec, podsec_process
from .test_psp_admission import allow, psp_cluster  # noqa: F401  (the session fixture: v1.24 and its policies)

ALICE = {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}
AS_ALICE = ("--as", "alice", "--as-group", "devs")  # exactly the groups alice's token has
CONTROLLER = "system:serviceaccount:kube-system:replicaset-controller"


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



def known_defaults(cluster: Cluster) -> tuple[str, str]:
    """The cluster's own PodSecurity configuration, so that Pod Security's policy of
    unlabelled namespaces is known: these tests are about PodSecurityPolicy."""
    return ("--admission-config", str(cluster.admission_config))

@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_check_reports_the_policy_the_admission_plugin_chooses(psp_cluster: Cluster,
                                                               scenario: tuple[Any, ...]) -> None:
    _, container, policies = scenario
    namespace = psp_cluster.create_namespace("check-psp")
    manifest = pod("app", container)
    allow(psp_cluster, namespace, ALICE, "alice", policies)
    status, answer = alice_creates(psp_cluster, namespace, manifest)
    apply(psp_cluster, namespace, [manifest])  # stored as admin, so that check reads it from the cluster

    ran = podsec(psp_cluster, "check", *known_defaults(psp_cluster), "-n", namespace, *AS_ALICE, "-o", "json")

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

    # (the deployment controller makes its ReplicaSet too: the Deployment is the one to look at)
    ran = podsec(psp_cluster, "check", *known_defaults(psp_cluster), "-n", namespace, "--kind", "deployments",
                 *AS_ALICE, "-o", "json")
    template_pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "web-", "labels": {"app": "web"}},
                    "spec": {"containers": [PRIVILEGED]}}
    by_controller = psp_cluster.kubectl(
        "create", "--dry-run=server", "-o", "json", "-n", namespace, "-f", "-",
        "--as", CONTROLLER, input=json.dumps(template_pod))

    (result,) = ran.json["results"]
    assert ran.code == 0, ran.err
    assert json.loads(by_controller.stdout)["metadata"]["annotations"]["kubernetes.io/psp"] == "privileged"
    assert alice_creates(psp_cluster, namespace, template_pod)[0] == 403  # alice's own pods: denied
    assert result["psp"] == {"chosen": "privileged", "allowed": True, "mutations": []}

    # --server tries the pods as the controller too (you may impersonate it), so it agrees.
    psp_cluster.kubectl("-n", namespace, "create", "role", "deployer", "--verb=create", "--resource=deployments")
    psp_cluster.kubectl("-n", namespace, "create", "rolebinding", "deployer", "--role=deployer", "--user=alice")
    eventually(lambda: may(psp_cluster, namespace, "alice", "create", "deployments", "apps"),
               what="alice may create deployments")
    served = podsec(psp_cluster, "check", *known_defaults(psp_cluster), "-n", namespace, "--kind", "deployments",
                    "--server", *AS_ALICE,
                    "-o", "json")
    (server,) = [r["server"] for r in served.json["results"]]
    assert served.code == 0, served.err
    assert server["pods"]["outcome"] == "accepted" and server["pods"]["as"] == f"(as {CONTROLLER})"
    assert server["disagreements"] == [], server


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
    assert "kubectl_podsec.check.live" in imported  # the probe sees the imports at all
    assert not {m for m in imported if m.startswith(("kubectl_podsec.psp", "kubectl_podsec.check.psp_files"))}


# --- both admission plugins: PodSecurityPolicy mutates, then Pod Security validates ---------------

# warn set too: a 1.24 server does not yet raise an unset warn to enforce.
RESTRICTED_V124 = {f"pod-security.kubernetes.io/{mode}{suffix}": value for mode in ("enforce", "warn")
                   for suffix, value in (("", "restricted"), ("-version", "v1.24"))}
# Sorts after every other policy, so that no other test's pods ever get it.
ADDS_SYS_ADMIN = {
    "apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy", "metadata": {"name": "z-adds-sys-admin"},
    "spec": {"defaultAddCapabilities": ["SYS_ADMIN"], "allowedCapabilities": ["SYS_ADMIN"], "volumes": ["*"],
             "runAsUser": {"rule": "RunAsAny"}, "seLinux": {"rule": "RunAsAny"},
             "supplementalGroups": {"rule": "RunAsAny"}, "fsGroup": {"rule": "RunAsAny"}},
}


def check_server(cluster: Cluster, namespace: str, path: str) -> Any:
    ran = podsec(cluster, "check", *known_defaults(cluster), "-f", path, "-n", namespace, "--server", *AS_ALICE,
                 "-o", "json")
    assert "Traceback" not in ran.err
    return ran


def test_pod_security_judges_the_pod_psp_mutated_and_the_server_agrees(psp_cluster: Cluster,
                                                                        tmp_path: Any) -> None:
    """restricted:v1.24 enforced, and alice (and the replicaset controller) may use
    only the restricted policy, which sets every field the plain pod lacks: the
    server admits the pod and the Deployment's pods, and so does check."""
    namespace = psp_cluster.create_namespace("check-psp-mutates", labels=RESTRICTED_V124)
    allow(psp_cluster, namespace, ALICE, "alice", ["restricted"])
    allow(psp_cluster, namespace, {"kind": "ServiceAccount", "name": "replicaset-controller",
                                   "namespace": "kube-system"}, CONTROLLER, ["restricted"])
    psp_cluster.kubectl("-n", namespace, "create", "role", "deployer", "--verb=create", "--resource=deployments")
    psp_cluster.kubectl("-n", namespace, "create", "rolebinding", "deployer", "--role=deployer", "--user=alice")
    plain, web = pod("app", PLAIN), deployment("web", PLAIN)
    path = manifest(tmp_path / "objects.yaml", plain, web)

    ran = check_server(psp_cluster, namespace, path)
    unmutated = podsec(None, "check", "-f", path, "--level", "restricted", "--version", "v1.24")

    assert alice_creates(psp_cluster, namespace, plain) == (201, "restricted")
    assert unmutated.code == 1  # as written, both would be denied
    assert ran.code == 0, ran.err
    pod_result, deploy_result = ran.json["results"]
    assert [e["pspMutated"] for e in pod_result["evaluations"]] == [True, True, True]
    assert pod_result["podsAllowed"] and deploy_result["podsAllowed"]
    assert [(e["mode"], e.get("pspMutated", False), e["allowed"]) for e in deploy_result["evaluations"]] == [
        ("enforce", True, True), ("audit", False, True), ("warn", False, False)]  # the object is not mutated
    for result in (pod_result, deploy_result):
        assert result["server"]["disagreements"] == [], result["server"]
        assert result["server"]["agrees"] is True
    assert pod_result["server"]["object"]["outcome"] == "accepted"
    assert deploy_result["server"]["pods"]["outcome"] == "accepted"
    # The Pod draws no warning, as mutated; the Deployment does, for its template, which PSP leaves alone.
    assert pod_result["server"]["object"]["warnings"] == [] and "warnings" not in pod_result
    assert deploy_result["server"]["object"]["warnings"] == deploy_result["warnings"] != []


def test_a_psp_denial_is_what_the_server_says(psp_cluster: Cluster, tmp_path: Any) -> None:
    namespace = psp_cluster.create_namespace("check-psp-denies", labels=RESTRICTED_V124)
    allow(psp_cluster, namespace, ALICE, "alice", ["restricted"])
    root = pod("root", PRIVILEGED)

    ran = check_server(psp_cluster, namespace, manifest(tmp_path / "pod.yaml", root))
    status, denial = alice_creates(psp_cluster, namespace, root)

    (result,) = ran.json["results"]
    assert (status, ran.code) == (403, 1), ran.err
    assert denial.startswith('pods "root" is forbidden: PodSecurityPolicy: unable to admit pod: ')
    assert result["psp"]["message"] == result["server"]["object"]["message"] == denial
    assert (result["server"]["agrees"], result["server"]["disagreements"]) == (True, [])


def test_a_pod_psp_mutates_into_a_violation_is_denied_by_pod_security(psp_cluster: Cluster, tmp_path: Any,
                                                                      request: pytest.FixtureRequest) -> None:
    """baseline enforced; the only policy alice may use adds SYS_ADMIN (removed afterwards)."""
    psp_cluster.kubectl("apply", "-f", "-", input=json.dumps(ADDS_SYS_ADMIN))
    request.addfinalizer(lambda: psp_cluster.kubectl("delete", "psp", ADDS_SYS_ADMIN["metadata"]["name"]))
    namespace = psp_cluster.create_namespace("check-psp-violates",
                                             labels={"pod-security.kubernetes.io/enforce": "baseline"})
    allow(psp_cluster, namespace, ALICE, "alice", ["z-adds-sys-admin"])
    plain = pod("app", PLAIN)

    ran = check_server(psp_cluster, namespace, manifest(tmp_path / "pod.yaml", plain))
    status, denial = alice_creates(psp_cluster, namespace, plain)

    (result,) = ran.json["results"]
    assert (status, ran.code) == (403, 1), ran.err
    assert denial == ('pods "app" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities '
                      '(container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add)')
    assert result["psp"]["chosen"] == "z-adds-sys-admin"
    assert result["evaluations"][0]["message"] == denial.partition(" is forbidden: ")[2]
    assert (result["server"]["agrees"], result["server"]["disagreements"]) == (True, [])


def test_a_1_24_server_does_not_raise_an_unset_warn_to_enforce(psp_cluster: Cluster, tmp_path: Any) -> None:
    """Only enforce=restricted: v1.24 sends no warning for the Deployment's template
    (warn follows enforce from 1.26 on), and check, reading the server's version,
    expects none either; the pods are denied by enforce, as the server says."""
    namespace = psp_cluster.create_namespace("check-warn-124", labels={
        "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.24"})
    allow(psp_cluster, namespace, {"kind": "ServiceAccount", "name": "replicaset-controller",
                                   "namespace": "kube-system"}, CONTROLLER, ["privileged"])
    path = manifest(tmp_path / "web.yaml", deployment("web", PLAIN))

    ran = podsec(psp_cluster, "check", *known_defaults(psp_cluster), "-f", path, "-n", namespace, "--server",
                 "-o", "json")
    newer = podsec(None, "check", *known_defaults(psp_cluster), "-f", path, "-n", namespace, "-o", "json",
                   "--namespace-labels",
                   "pod-security.kubernetes.io/enforce=restricted,pod-security.kubernetes.io/enforce-version=v1.24")

    assert ran.code == 1, ran.err
    (result,) = ran.json["results"]
    assert result["server"]["disagreements"] == [], result["server"]
    assert result["server"]["object"]["warnings"] == [] and "warnings" not in result
    assert next(e for e in result["evaluations"] if e["mode"] == "warn")["level"] == "privileged"
    assert result["server"]["pods"]["outcome"] == "denied" and not result["podsAllowed"]
    assert newer.json["results"][0]["warnings"]  # offline, the newest server's behaviour: warned


ANY_SECCOMP = {
    "apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy",
    "metadata": {"name": "zz-any-seccomp",
                 "annotations": {"seccomp.security.alpha.kubernetes.io/allowedProfileNames": "*"}},
    "spec": {"volumes": ["*"], "runAsUser": {"rule": "RunAsAny"}, "seLinux": {"rule": "RunAsAny"},
             "supplementalGroups": {"rule": "RunAsAny"}, "fsGroup": {"rule": "RunAsAny"}},
}


def test_a_1_24_server_counts_seccomp_annotations_as_fields(psp_cluster: Cluster, tmp_path: Any,
                                                            request: pytest.FixtureRequest) -> None:
    """The 1.24 pod create strategy copies a seccomp annotation into its field before
    Pod Security validates: a pod (and a Deployment's pods) setting only the
    annotation pass restricted:v1.24 there, and check says so, with no disagreement."""
    namespace = psp_cluster.create_namespace("check-seccomp-124", labels={
        "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.24"})
    # A policy that allows the annotation and changes nothing, so that no PodSecurityPolicy
    # mutation is involved: the copy is the create strategy's alone. Removed afterwards.
    psp_cluster.kubectl("apply", "-f", "-", input=json.dumps(ANY_SECCOMP))
    request.addfinalizer(lambda: psp_cluster.kubectl("delete", "psp", ANY_SECCOMP["metadata"]["name"]))
    allow(psp_cluster, namespace, {"kind": "ServiceAccount", "name": "replicaset-controller",
                                   "namespace": "kube-system"}, CONTROLLER, [ANY_SECCOMP["metadata"]["name"]])
    container = {**PLAIN, "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True,
                                              "capabilities": {"drop": ["ALL"]}}}
    annotations = {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}
    annotated = pod("annotated", container)
    annotated["metadata"]["annotations"] = annotations
    web = deployment("web", container)
    web["spec"]["template"]["metadata"]["annotations"] = annotations
    path = manifest(tmp_path / "objects.yaml", annotated, web)

    ran = podsec(psp_cluster, "check", *known_defaults(psp_cluster), "-f", path, "-n", namespace, "--server",
                 "-o", "json")
    newest = podsec(None, "check", "-f", path, "--level", "restricted", "--version", "v1.24")

    assert ran.code == 0, ran.err
    for result in ran.json["results"]:
        assert result["psp"]["chosen"] == "zz-any-seccomp" and result["psp"]["mutations"] == [], result
        assert result["podsAllowed"], result
        assert "pspMutated" not in json.dumps(result["evaluations"])
        assert result["server"]["disagreements"] == [], result["server"]
    assert ran.json["results"][0]["server"]["object"]["outcome"] == "accepted"
    assert ran.json["results"][1]["server"]["pods"]["outcome"] == "accepted"
    assert newest.code == 1  # a 1.27+ server judges the field alone: denied

"""`check` against the real API server: the live namespace's policy, every pod and
workload template in the cluster, and with --server the server's own answers."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from .control_plane import Cluster, eventually
from .podsec import (
    PLAIN, PRIVILEGED, RESTRICTED, apply, deployment, grant_robot, label, manifest, pod, podsec, workloads,
)

KINDS = ["Pod", "PodTemplate", "ReplicationController", "ReplicaSet", "Deployment", "StatefulSet",
         "DaemonSet", "Job", "CronJob"]
BASELINE_PRIVILEGED = ('violates PodSecurity "baseline:latest": privileged '
                       '(container "app" must not set securityContext.privileged=true)')


def test_every_pod_and_workload_template_in_the_namespace(cluster: Cluster, namespace: str) -> None:
    apply(cluster, namespace, workloads(PRIVILEGED))  # scaled to zero, suspended, never scheduled
    apply(cluster, namespace, [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}}])
    label(cluster, namespace, enforce="baseline")
    # The Deployment's ReplicaSet (scaled to zero too), made by the deployment controller.
    replica_sets = f"/apis/apps/v1/namespaces/{namespace}/replicasets"
    eventually(lambda: len(cluster.api("GET", replica_sets).body["items"]) == 2, 30, "the Deployment's ReplicaSet")

    ran = podsec(cluster, "check", "-n", namespace, "-o", "json")

    assert ran.code == 1, ran.err
    results = ran.json["results"]
    assert [r["object"]["kind"] for r in results] == KINDS[:3] + ["ReplicaSet"] + KINDS[3:]
    assert results[3]["object"]["name"].startswith("deploy-")
    for result in results:
        assert result["source"] == {"cluster": True}
        assert result["policySource"] == "labels of the namespace in the cluster"
        enforce = result["evaluations"][0]
        assert (enforce["mode"], enforce["resolvedVersion"], enforce["allowed"]) == ("enforce", "v1.37", False)
        assert enforce["message"] == BASELINE_PRIVILEGED
        assert result["podsAllowed"] is False
        assert result["objectAllowed"] is (result["object"]["kind"] != "Pod")
    assert ran.json["summary"] == {"objects": 10, "allowed": 0, "denied": 10, "unknown": 0, "skipped": 0,
                                   "errors": 0}

    table = podsec(cluster, "check", "-n", namespace, "--kind", "deploy,cronjobs")
    assert table.code == 1
    rows = table.out.splitlines()
    assert rows[0].split() == ["NAMESPACE", "KIND", "NAME", "ENFORCE", "AUDIT", "WARN", "RESULT"]
    assert rows[1].split()[:3] == [namespace, "Deployment", "deploy"] and rows[1].endswith("PODS DENIED")
    assert rows[2].split()[:3] == [namespace, "CronJob", "cron"]
    assert f"Deployment {namespace}/deploy (cluster): pods would be rejected; the object itself would be accepted" in table.out


def test_all_namespaces_with_a_selector(cluster: Cluster) -> None:
    run = secrets.token_hex(4)
    first, second = (cluster.create_namespace(f"scan-{n}") for n in ("a", "b"))
    for ns in (first, second):
        apply(cluster, ns, [pod("tagged", PLAIN, run=run), pod("other", PLAIN)])
        apply(cluster, ns, [deployment("tagged", PLAIN, run=run)])
    label(cluster, second, enforce="restricted")

    ran = podsec(cluster, "check", "-A", "-l", f"run={run}", "-o", "json")

    assert ran.code == 1, ran.err
    found = [(r["object"]["kind"], r["object"]["namespace"], r["object"]["name"], r["podsAllowed"])
             for r in ran.json["results"]]
    assert sorted(found) == sorted([("Pod", first, "tagged", True), ("Pod", second, "tagged", False),
                                    ("Deployment", first, "tagged", True), ("Deployment", second, "tagged", False)])


def test_pinned_and_latest_versions_from_the_labels(cluster: Cluster) -> None:
    """net.ipv4.tcp_rmem became a safe sysctl for baseline in v1.32."""
    sysctl_pod = {**pod("tuned", PLAIN), "spec": {"containers": [PLAIN], "securityContext": {
        "sysctls": [{"name": "net.ipv4.tcp_rmem", "value": "4096 87380 6291456"}]}}}
    pinned, latest = cluster.create_namespace("pinned"), cluster.create_namespace("latest")
    for ns in (pinned, latest):
        apply(cluster, ns, [sysctl_pod])
    label(cluster, pinned, enforce="baseline", enforce_version="v1.31")
    label(cluster, latest, enforce="baseline", enforce_version="latest")

    ran = podsec(cluster, "check", "-n", f"{pinned},{latest}", "--server", "-o", "json")

    assert ran.code == 1, ran.err
    by_ns = {r["object"]["namespace"]: r for r in ran.json["results"]}
    old, new = by_ns[pinned]["evaluations"][0], by_ns[latest]["evaluations"][0]
    assert (old["version"], old["resolvedVersion"], old["allowed"]) == ("v1.31", "v1.31", False)
    assert old["message"] == ('violates PodSecurity "baseline:v1.31": forbidden sysctls (net.ipv4.tcp_rmem)')
    assert (new["version"], new["resolvedVersion"], new["allowed"]) == ("latest", "v1.37", True)
    assert by_ns[pinned]["server"]["object"]["outcome"] == "denied"
    assert by_ns[latest]["server"]["object"] == {
        "outcome": "accepted", "status": 409, "name": "tuned", "reason": "AlreadyExists",
        "message": 'pods "tuned" already exists', "warnings": [],
        "said": "admitted"}  # admission passed; the name is taken
    assert all(r["server"]["agrees"] for r in by_ns.values())


def test_files_take_the_live_labels_only_with_a_cluster(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    label(cluster, namespace, enforce="restricted")
    plain = manifest(tmp_path / "pod.yaml", pod("p", PLAIN))

    live = podsec(cluster, "check", "-f", plain, "-n", namespace, "-o", "json")
    offline = podsec(None, "check", "-f", plain, "-n", namespace, "-o", "json",
                     env={"KUBECONFIG": str(cluster.kubeconfig)})

    assert live.code == 1 and offline.code == 4  # offline, the namespace's policy is unknown
    assert live.json["results"][0]["policySource"] == "labels of the namespace in the cluster"
    assert live.json["results"][0]["evaluations"][0]["level"] == "restricted"
    assert offline.json["results"][0]["policySource"] == "cluster defaults (unknown)"

    with_namespace = manifest(tmp_path / "both.yaml", {"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": namespace, "labels": {"pod-security.kubernetes.io/enforce": "privileged"}}}, pod("p", PLAIN))
    ran = podsec(cluster, "check", "-f", with_namespace, "-n", namespace, "-o", "json")
    assert ran.code == 0
    assert ran.json["results"][0]["policySource"] == "labels of Namespace object in the input"


def test_server_accepts_a_privileged_deployment_whose_pods_enforce_rejects(
        cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    label(cluster, namespace, enforce="baseline")
    path = manifest(tmp_path / "deploy.yaml", deployment("web", PRIVILEGED, replicas=2))

    ran = podsec(cluster, "check", "-f", path, "-n", namespace, "--server", "-o", "json")
    table = podsec(cluster, "check", "-f", path, "-n", namespace, "--server")

    assert ran.code == 1 and table.code == 1, ran.err
    server = ran.json["results"][0]["server"]
    assert server["permitted"] is True and server["identity"] == 'yourself (context "admin")'
    assert server["object"]["outcome"] == "accepted" and server["object"]["status"] == 201
    pods = server["pods"]
    assert pods["outcome"] == "denied" and pods["status"] == 403
    assert pods["name"].startswith("web-podsec-")
    assert pods["message"] == f'pods "{pods["name"]}" is forbidden: {BASELINE_PRIVILEGED}'
    assert (server["agrees"], server["denied"]) == (True, True)
    row = table.out.splitlines()[1].split()
    assert table.out.splitlines()[0].split()[-1] == "SERVER"
    assert row[-4:] == ["PODS", "DENIED", "PODS", "DENIED"]
    assert 'server, pods: denied by Pod Security: pods "web-podsec-' in table.out
    missing = cluster.kubectl("get", "deploy,pods", "-n", namespace, "-o", "name").stdout
    assert missing == ""  # a dry run stores nothing


def test_server_admits_a_compliant_pod(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    label(cluster, namespace, enforce="restricted")
    path = manifest(tmp_path / "pod.yaml", pod("good", RESTRICTED))

    ran = podsec(cluster, "check", "-f", path, "-n", namespace, "--server", "-o", "json")

    assert ran.code == 0, ran.err
    server = ran.json["results"][0]["server"]
    assert server["object"] == {"outcome": "accepted", "status": 201, "name": "good", "warnings": [],
                                "said": "admitted"}
    assert (server["permitted"], server["agrees"], server["denied"]) == (True, True, False)


def test_warnings_from_warn_mode_match(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    label(cluster, namespace, warn="restricted")
    path = manifest(tmp_path / "both.yaml", deployment("web", PLAIN), pod("p", PLAIN))

    ran = podsec(cluster, "check", "-f", path, "-n", namespace, "--server", "-o", "json")

    assert ran.code == 0, ran.err
    for result in ran.json["results"]:
        server = result["server"]
        assert result["warnings"][0].startswith('would violate PodSecurity "restricted:latest": ')
        assert server["object"]["outcome"] == "accepted"
        assert server["object"]["warnings"] == result["warnings"]
        assert server["agrees"] is True


def test_a_service_account_with_a_role_for_pods_and_deployments(
        cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    robot = grant_robot(cluster, namespace)
    deploy = manifest(tmp_path / "deploy.yaml", deployment("web", RESTRICTED))
    sts = manifest(tmp_path / "sts.yaml", {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
                                           "spec": {"serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                                                    "template": {"metadata": {"labels": {"app": "db"}},
                                                                 "spec": {"containers": [RESTRICTED]}}}})
    sa = ("--sa", f"{namespace}/robot")

    allowed = podsec(cluster, "check", "-f", deploy, "-n", namespace, "--server", *sa, "-o", "json")
    refused = podsec(cluster, "check", "-f", sts, "-n", namespace, "--server", *sa, "-o", "json")
    elsewhere = podsec(cluster, "check", "-f", deploy, "-n", "default", "--server", *sa, "-o", "json")

    assert allowed.code == 0, allowed.err
    server = allowed.json["results"][0]["server"]
    assert (server["identity"], server["permitted"], server["object"]["outcome"]) == (robot, True, "accepted")
    assert server["pods"]["outcome"] == "accepted" and "as" not in server["pods"]
    assert refused.code == 1
    server = refused.json["results"][0]["server"]
    assert server["permitted"] is False and server["object"]["outcome"] == "forbidden"
    assert server["object"]["message"] == (f'statefulsets.apps is forbidden: User "{robot}" cannot create resource '
                                           f'"statefulsets" in API group "apps" in the namespace "{namespace}"')
    assert server["pods"]["outcome"] == "accepted"  # the robot may create pods here
    assert elsewhere.code == 1 and elsewhere.json["results"][0]["server"]["permitted"] is False
    table = podsec(cluster, "check", "-f", sts, "-n", namespace, "--server", *sa)
    assert "NOT PERMITTED" in table.out.splitlines()[1]
    assert f"server: {robot} may not create it" in table.out

    scan = podsec(cluster, "check", "-n", namespace, *sa, "-o", "json")  # reads are made as yourself
    assert scan.code == 0 and scan.json["summary"]["objects"] == 0


def test_sa_sets_the_pods_service_account(cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    """A ValidatingAdmissionPolicy that only admits pods running as `robot` sees
    the service account --sa set; its denial is reported as the server words it."""
    name = f"only-robot-{namespace}"
    cluster.kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
         "metadata": {"name": name},
         "spec": {"failurePolicy": "Fail", "matchConstraints": {"resourceRules": [
             {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}]},
             "validations": [{"expression": "has(object.spec.serviceAccountName) && object.spec.serviceAccountName == 'robot'",
                              "message": "pods here run as robot"}]}},
        {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
         "metadata": {"name": name},
         "spec": {"policyName": name, "validationActions": ["Deny"], "matchResources": {"namespaceSelector": {
             "matchLabels": {"kubernetes.io/metadata.name": namespace}}}}}]}))
    cluster.kubectl("create", "serviceaccount", "robot", "-n", namespace)
    path = manifest(tmp_path / "deploy.yaml", deployment("web", PLAIN))

    def outcome(*flags: str) -> dict[str, object]:
        ran = podsec(cluster, "check", "-f", path, "-n", namespace, "--server", "-o", "json", *flags)
        return dict(ran.json["results"][0]["server"]["pods"])

    try:
        eventually(lambda: outcome()["outcome"] == "denied", what="the policy is in force")
        denied = outcome()
        assert denied["message"].endswith("pods here run as robot")  # type: ignore[union-attr]
        assert "ValidatingAdmissionPolicy" in str(denied["message"])
        assert outcome("--sa", f"{namespace}/robot")["outcome"] == "accepted"
    finally:
        cluster.kubectl("delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", name, check=False)


def test_lists_come_as_kubectl_shows_them_less_managed_fields(cluster: Cluster, namespace: str) -> None:
    """managedFields are cut from the raw list JSON before decoding: every other
    byte of every kind must survive, as `kubectl get -o json` shows it."""
    from kubectl_podsec.kube.client import Cluster as Client
    from kubectl_podsec.kube.options import ConnectionOptions
    from kubectl_podsec.kube.resources import NAMESPACES, WORKLOAD_RESOURCES

    apply(cluster, namespace, workloads(PRIVILEGED))
    client = Client(ConnectionOptions(kubeconfig=str(cluster.kubeconfig), context="admin"))
    for resource in (*WORKLOAD_RESOURCES, NAMESPACES):
        scope = None if resource is NAMESPACES else namespace
        ours = [item for page in client.list_pages(resource, scope, limit=2) for item in page]
        shown = json.loads(cluster.kubectl("get", resource.plural, *(["-n", namespace] if scope else []),
                                           "-o", "json", "--show-managed-fields").stdout)["items"]
        assert shown and all(item["metadata"].get("managedFields") for item in shown), resource.kind
        for item in shown:
            del item["metadata"]["managedFields"]
        assert ours == shown, resource.kind


def test_the_server_agrees_that_an_invalid_pod_is_invalid(cluster: Cluster, namespace: str,
                                                          tmp_path: Path) -> None:
    """Validation runs before Pod Security: the offline message is the server's own."""
    bad = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "twins", "namespace": namespace},
           "spec": {"containers": [PLAIN, PLAIN]}}

    ran = podsec(cluster, "check", "-f", manifest(tmp_path / "twins.yaml", bad), "--server", "-o", "json")

    (result,) = ran.json["results"]
    assert ran.code == 1, ran.err
    assert result["verdict"] == "invalid"
    assert result["validation"]["message"] == 'Pod "twins" is invalid: spec.containers[1].name: Duplicate value: "app"'
    assert result["server"]["object"]["said"] == "invalid"
    assert result["server"]["object"]["message"] == result["validation"]["message"]
    assert result["server"]["agrees"] is True, result["server"]

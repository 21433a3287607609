"""Unknown is a verdict, and `--server` says what the server said: against the
real kube-apiserver.

F: a policy podsec cannot know is `unknown`, never allowed; where the user may
create pods, dry-run probes learn it from the server. D: a denial that is not
Pod Security's is not comparable with an offline Pod Security verdict. E: the
predicted warnings are cut as the server cuts them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .control_plane import Cluster, eventually
from .podsec import PLAIN, PRIVILEGED, RESTRICTED, label, manifest, may, pod, podsec

BASELINE_VIOLATIONS = [
    pod("privileged", PRIVILEGED),
    {**pod("host-network", PLAIN), "spec": {"hostNetwork": True, "containers": [PLAIN]}},
    {**pod("host-pid", PLAIN), "spec": {"hostPID": True, "containers": [PLAIN]}},
    {**pod("host-path", PLAIN), "spec": {"containers": [PLAIN], "volumes": [
        {"name": "root", "hostPath": {"path": "/"}}]}},
]


def _developer(cluster: Cluster, namespace: str) -> None:
    """alice may create, get and list pods in the namespace, and may not get it."""
    cluster.kubectl("create", "role", "developer", "--verb=create,get,list", "--resource=pods", "-n", namespace)
    cluster.kubectl("create", "rolebinding", "developer", "--role=developer", "--user=alice", "-n", namespace)
    eventually(lambda: may(cluster, namespace, "alice", "create", "pods"), what="alice's role")
    assert not may(cluster, "", "alice", "get", "namespaces", name=namespace)


def _server_denial(cluster: Cluster, namespace: str, obj: dict[str, Any]) -> str:
    """The server's own denial text of a Pod (after `is forbidden: `)."""
    answer = cluster.api("POST", f"/api/v1/namespaces/{namespace}/pods?dryRun=All", obj)
    assert answer.status == 403, answer.body
    return str(answer.body["message"]).partition(" is forbidden: ")[2]


def test_labels_alice_cannot_read_are_unknown_until_the_server_is_asked(
        cluster: Cluster, tmp_path: Path) -> None:
    namespace = cluster.create_namespace("web")
    label(cluster, namespace, enforce="baseline")
    _developer(cluster, namespace)
    pods = manifest(tmp_path / "pods.yaml", *BASELINE_VIOLATIONS)

    blind = podsec(cluster, "check", "-f", pods, "-n", namespace, "--no-probe", "-o", "json", context="alice")
    table = podsec(cluster, "check", "-f", pods, "-n", namespace, "--no-probe", context="alice")
    probed = podsec(cluster, "check", "-f", pods, "-n", namespace, "-o", "json", context="alice")

    assert blind.code == 4, blind.err
    assert blind.json["summary"] == {
        "objects": 4, "allowed": 0, "denied": 0, "unknown": 4, "skipped": 0, "errors": 0}
    for result in blind.json["results"]:
        assert result["verdict"] == "unknown" and result["podsAllowed"] is None
        assert {e["mode"]: e["allowed"] for e in result["evaluations"]} == {
            "enforce": None, "audit": None, "warn": None}
        assert "the namespace's labels cannot be read" in result["evaluations"][0]["unknown"]
    assert "4 checked: 0 allowed, 0 denied, 4 unknown" in table.out
    assert all(line.split()[-1] == "UNKNOWN" for line in table.out.splitlines()[1:5])
    assert f'cannot read the labels of namespace "{namespace}"' in table.err

    assert probed.code == 1, probed.err
    assert probed.json["summary"]["denied"] == 4
    for obj, result in zip(BASELINE_VIOLATIONS, probed.json["results"]):
        enforce = result["evaluations"][0]
        assert result["policySource"] == "probed (enforce)"
        assert (enforce["level"], enforce["version"]) == ("baseline", "latest")
        assert enforce["message"] == _server_denial(cluster, namespace, obj)
        # audit never shows in an answer; warn under enforce baseline is privileged or baseline
        assert [e["allowed"] for e in result["evaluations"][1:]] == [None, None]


def test_unlabelled_namespaces_under_restricted_defaults(restricted_cluster: Cluster, tmp_path: Path) -> None:
    """The cluster defaults are restricted:latest; without --admission-config
    podsec cannot know it: never "allowed"; probed, the restricted verdicts."""
    cluster = restricted_cluster
    namespace = cluster.create_namespace("unlabelled")
    pods = manifest(tmp_path / "pods.yaml", pod("compliant", RESTRICTED), pod("plain", PLAIN))

    blind = podsec(cluster, "check", "-f", pods, "-n", namespace, "--no-probe", "-o", "json")
    probed = podsec(cluster, "check", "-f", pods, "-n", namespace, "-o", "json")

    assert blind.code == 4, blind.err
    assert [r["verdict"] for r in blind.json["results"]] == ["unknown", "unknown"]
    assert blind.json["summary"]["allowed"] == 0
    assert probed.code == 1, probed.err
    compliant, plain = probed.json["results"]
    assert (compliant["verdict"], plain["verdict"]) == ("allowed", "denied")
    assert compliant["policySource"].endswith("probed (enforce)")
    enforce = plain["evaluations"][0]
    assert (enforce["level"], enforce["version"]) == ("restricted", "latest")
    assert enforce["message"] == _server_denial(cluster, namespace, pod("plain", PLAIN))


def test_labels_that_say_every_mode_are_known_without_a_probe(cluster: Cluster, tmp_path: Path) -> None:
    """bob may read the namespace but not create pods: its labels alone are enough."""
    namespace = cluster.create_namespace("labelled")
    label(cluster, namespace, enforce="baseline", audit="baseline", warn="restricted")
    pods = manifest(tmp_path / "pods.yaml", pod("plain", PLAIN))
    # this namespace only, and only for this test: other tests rely on bob reading nothing
    cluster.kubectl("create", "clusterrole", f"ns-reader-{namespace}", "--verb=get", "--resource=namespaces",
                    f"--resource-name={namespace}")
    cluster.kubectl("create", "clusterrolebinding", f"ns-reader-{namespace}",
                    f"--clusterrole=ns-reader-{namespace}", "--user=bob")
    try:
        eventually(lambda: may(cluster, "", "bob", "get", "namespaces", name=namespace), what="bob's role")
        known = podsec(cluster, "check", "-f", pods, "-n", namespace, "-o", "json", context="bob")
    finally:
        cluster.kubectl("delete", "clusterrolebinding,clusterrole", f"ns-reader-{namespace}")

    assert known.code == 0, known.err
    (result,) = known.json["results"]
    assert result["verdict"] == "allowed" and "probed" not in result["policySource"]


# --- D: what the server said ---------------------------------------------------------


def _server(cluster: Cluster, namespace: str, tmp_path: Path, obj: dict[str, Any]) -> dict[str, Any]:
    path = manifest(tmp_path / f"{obj['metadata']['name']}.yaml", obj)
    ran = podsec(cluster, "check", "-f", path, "-n", namespace, "--server", "-o", "json")
    assert ran.code == 1, ran.err
    (result,) = ran.json["results"]
    assert result["podsAllowed"] is False  # offline: Pod Security denies it
    return dict(result["server"])


def test_denials_that_are_not_pod_securitys_are_not_comparable(cluster: Cluster, tmp_path: Path) -> None:
    namespace = cluster.create_namespace("said", {"pod-security.kubernetes.io/enforce": "baseline",
                                                  "pod-security.kubernetes.io/audit": "baseline",
                                                  "pod-security.kubernetes.io/warn": "baseline"})
    unmasked = {**PLAIN, "securityContext": {"procMount": "Unmasked"}}
    invalid = _server(cluster, namespace, tmp_path, pod("unmasked", unmasked))
    no_priority = _server(cluster, namespace, tmp_path, {
        **pod("no-priority", PRIVILEGED), "spec": {"priorityClassName": "no-such-class", "containers": [PRIVILEGED]}})
    psa = _server(cluster, namespace, tmp_path, pod("privileged", PRIVILEGED))

    assert invalid["object"]["said"] == "invalid" and invalid["object"]["status"] == 422
    assert "hostUsers" in invalid["object"]["message"]
    assert no_priority["object"]["said"] == "deniedByAdmission"
    assert no_priority["object"]["by"] == "the Priority admission plugin"
    assert no_priority["object"]["message"].endswith("no PriorityClass with name no-such-class was found")
    # validation runs before Pod Security, offline too: invalid is compared with invalid
    assert invalid["agrees"] is True and invalid["disagreements"] == [] and "notComparable" not in invalid
    assert no_priority["agrees"] is None and no_priority["disagreements"] == []
    assert len(no_priority["notComparable"]) == 1
    assert psa["object"]["said"] == "deniedByPodSecurity" and psa["agrees"] is True

    table = podsec(cluster, "check", "-f", str(tmp_path / "no-priority.yaml"), "-n", namespace, "--server")
    assert "DENIED (admission)" in table.out.splitlines()[1]
    assert "NOT COMPARABLE: object: the server said denied by the Priority admission plugin" in table.out


def test_a_terminating_namespace_is_said_so(cluster: Cluster, tmp_path: Path) -> None:
    """A finalizer of its own keeps the namespace Terminating, controllers or not."""
    namespace = cluster.create_namespace("ending", {"pod-security.kubernetes.io/enforce": "baseline"})
    patch = {"metadata": {"finalizers": ["podsec.test/hold"]}}
    cluster.kubectl("patch", "namespace", namespace, "--type=merge", "-p", json.dumps(patch))
    cluster.kubectl("delete", "namespace", namespace, "--wait=false")
    try:
        server = _server(cluster, namespace, tmp_path, pod("late", PRIVILEGED))
    finally:
        cluster.kubectl("patch", "namespace", namespace, "--type=merge", "-p",
                        json.dumps({"metadata": {"finalizers": None}}))
    assert server["object"]["said"] == "namespaceTerminating"
    assert "because it is being terminated" in server["object"]["message"]
    assert server["agrees"] is None and server["disagreements"] == []


# --- E: warnings as the server cuts them ---------------------------------------------


def test_long_warnings_are_cut_as_the_server_cuts_them(cluster: Cluster, tmp_path: Path) -> None:
    namespace = cluster.create_namespace("long-warnings", {f"pod-security.kubernetes.io/{m}": level for m, level in (
        ("enforce", "privileged"), ("audit", "privileged"), ("warn", "restricted"))})
    containers = [{**PLAIN, "name": f"container-with-a-long-name-{i:03d}"} for i in range(60)]
    wide = {**pod("wide", PLAIN), "spec": {"containers": containers}}

    ran = podsec(cluster, "check", "-f", manifest(tmp_path / "wide.yaml", wide), "-n", namespace,
                 "--server", "-o", "json")

    assert ran.code == 0, ran.err
    (result,) = ran.json["results"]
    sent = result["server"]["object"]["warnings"]
    assert len(result["evaluations"][2]["message"]) > 4096
    assert result["warnings"] == sent and len(sent[0]) == 256
    assert result["server"]["agrees"] is True, result["server"]["disagreements"]

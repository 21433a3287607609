"""`rollout` end to end against the real kube-apiserver: every step is checked
on the namespace's labels as read back from the server.

The interrupted run stops the throwaway `scratch` instance's kube-apiserver
(etcd keeps the data), then starts it again to read what was left."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from kubectl_podsec.rollout import write
from kubectl_podsec.kube.client import Cluster as Client
from kubectl_podsec.kube.options import ConnectionOptions
from kubectl_podsec.rollout.stages import HISTORY_ANNOTATION, read_history

from .control_plane import Cluster, bring_up, eventually, process_is_gone, profile_status, run_script
from .podsec import PLAIN, PRIVILEGED, apply, pod, podsec, podsec_process

P = "pod-security.kubernetes.io/"
KINDS = ["pods", "podtemplates", "replicationcontrollers", "replicasets.apps", "deployments.apps",
         "statefulsets.apps", "daemonsets.apps", "jobs.batch", "cronjobs.batch"]
CRONJOB = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"}, "spec": {
    "schedule": "0 0 1 1 *", "suspend": True, "jobTemplate": {"spec": {"template": {"spec": {
        "hostNetwork": True, "restartPolicy": "Never",
        "containers": [{"name": "sync", "image": "registry.k8s.io/pause:3.10"}]}}}}}}


def minor(version: str) -> str:
    return "v" + ".".join(version.removeprefix("v").split(".")[:2])


def labels(cluster: Cluster, namespace: str) -> dict[str, str]:
    response = cluster.api("GET", f"/api/v1/namespaces/{namespace}")
    assert response.status == 200, response.body
    return dict(response.body["metadata"].get("labels") or {})


def pod_security(cluster: Cluster, namespace: str) -> dict[str, str]:
    return {k: v for k, v in labels(cluster, namespace).items() if k.startswith(P)}


def metadata(cluster: Cluster, namespace: str) -> dict[str, Any]:
    return dict(cluster.api("GET", f"/api/v1/namespaces/{namespace}").body["metadata"])


def mode(level: str, version: str, *modes: str) -> dict[str, str]:
    return {k: v for m in modes for k, v in ((P + m, level), (f"{P}{m}-version", version))}


def test_warn_audit_refused_enforce_forced_enforce_status_and_undo(cluster: Cluster, namespace: str,
                                                                     pinned_version: str) -> None:
    v = minor(pinned_version)
    cluster.kubectl("label", "ns", namespace, "team=payments")
    apply(cluster, namespace, [pod("priv", PRIVILEGED), CRONJOB])

    plan = podsec(cluster, "rollout plan", namespace, "--level", "restricted", "-o", "json")
    assert plan.code == 1, plan.err
    (item,) = plan.json["namespaces"]
    assert (item["strictestPassing"], item["stage"], item["objects"], item["blocked"], item["nextStep"]) == (
        "privileged", "none", 2, 2, "warn restricted")
    assert [(b["object"], b["checks"][0]) for b in item["blockers"]] == [
        ("Pod/priv", "privileged"), ("CronJob/nightly", "hostNamespaces")]
    assert plan.json["version"] == v  # pinned to the server's minor version

    warn = podsec(cluster, "rollout ns", namespace, "--level", "restricted", "--yes")
    assert warn.code == 0, warn.err
    assert pod_security(cluster, namespace) == mode("restricted", v, "warn")

    audit = podsec(cluster, "rollout ns", namespace, "--level", "restricted", "--yes")
    assert audit.code == 0, audit.err
    audited = mode("restricted", v, "warn", "audit")
    assert pod_security(cluster, namespace) == audited
    version_before = metadata(cluster, namespace)["resourceVersion"]

    refused = podsec(cluster, "rollout ns", namespace, "--level", "restricted", "--yes")
    assert refused.code == 1
    assert "2 object(s) violate restricted:" in refused.out and "Pod/priv" in refused.out
    assert "CronJob/nightly" in refused.out
    assert pod_security(cluster, namespace) == audited
    assert metadata(cluster, namespace)["resourceVersion"] == version_before  # nothing written at all

    forced = podsec(cluster, "rollout ns", namespace, "--level", "restricted", "--force", "--yes", "-o", "json")
    assert forced.code == 0, forced.err
    assert pod_security(cluster, namespace) == mode("restricted", v, "warn", "audit", "enforce")
    warnings = forced.json["namespaces"][0]["serverWarnings"]
    assert warnings[0] == (f'existing pods in namespace "{namespace}" violate the new PodSecurity enforce '
                           f'level "restricted:{v}"')
    assert warnings[1].startswith("priv: privileged, allowPrivilegeEscalation != false")  # the server's: pods only

    status = podsec(cluster, "rollout status", namespace, "-o", "json")
    assert status.code == 0
    (state,) = status.json["namespaces"]
    assert (state["stage"], state["level"]) == ("enforce", "restricted")
    assert [(e["stage"], e["identity"], e["version"]) for e in state["history"]] == [
        ("warn", "admin", v), ("audit", "admin", v), ("enforce", "admin", v)]
    assert state["history"][2]["previous"] == audited

    undo = podsec(cluster, "rollout undo", namespace, "--yes")
    assert undo.code == 0, undo.err
    assert pod_security(cluster, namespace) == audited
    assert labels(cluster, namespace)["team"] == "payments"  # no other label touched
    history = read_history(metadata(cluster, namespace)["annotations"])
    assert [e.stage for e in history] == ["warn", "audit", "enforce", "undo"]


def test_a_concurrent_change_between_plan_and_write_is_not_overwritten(
        cluster: Cluster, namespace: str, monkeypatch: pytest.MonkeyPatch) -> None:
    apply(cluster, namespace, [pod("plain", PLAIN)])
    monkeypatch.setattr(write, "before_write", lambda name: cluster.kubectl(
        "label", "--overwrite", "ns", name, f"{P}warn=baseline"))

    ran = podsec(cluster, "rollout ns", namespace, "--level", "restricted", "--yes", "-o", "json")

    assert ran.code == 1
    (item,) = ran.json["namespaces"]
    assert item["result"] == "conflict"
    assert "changed by someone else since it was planned" in item["message"]
    assert item["replanned"]["from"]["labels"] == {P + "warn": "baseline"}
    assert pod_security(cluster, namespace) == {P + "warn": "baseline"}  # theirs, not ours
    assert HISTORY_ANNOTATION not in (metadata(cluster, namespace).get("annotations") or {})


def test_the_server_refuses_a_patch_planned_from_a_stale_resource_version(cluster: Cluster, namespace: str) -> None:
    client = Client(ConnectionOptions(kubeconfig=str(cluster.kubeconfig), context="admin"))
    stale = client.namespace_object(namespace)["metadata"]["resourceVersion"]
    cluster.kubectl("label", "ns", namespace, "owner=someone")

    response = client.patch_namespace(namespace, {"metadata": {"resourceVersion": stale,
                                                               "labels": {P + "warn": "restricted"}}})

    assert response.status == 409
    assert pod_security(cluster, namespace) == {}


def test_an_unrelated_change_is_replanned_and_applied(cluster: Cluster, namespace: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    done: list[str] = []

    def relabel_once(name: str) -> None:
        if not done:
            done.append(name)
            cluster.kubectl("label", "ns", name, "owner=someone")
    monkeypatch.setattr(write, "before_write", relabel_once)

    ran = podsec(cluster, "rollout ns", namespace, "--level", "baseline", "--yes")

    assert ran.code == 0, ran.err
    assert labels(cluster, namespace)["owner"] == "someone"
    assert pod_security(cluster, namespace)[P + "warn"] == "baseline"


def grant(cluster: Cluster, namespace: str, user: str, verbs: str) -> None:
    cluster.kubectl("create", "role", f"{user}-ns", f"--verb={verbs}", "--resource=namespaces", "-n", namespace)
    cluster.kubectl("create", "role", f"{user}-reads", "--verb=list", "--resource=" + ",".join(KINDS), "-n", namespace)
    for role in (f"{user}-ns", f"{user}-reads"):
        cluster.kubectl("create", "rolebinding", role, f"--role={role}", f"--user={user}", "-n", namespace)


def test_an_identity_without_patch_rights_is_refused_before_any_write(cluster: Cluster, namespace: str) -> None:
    grant(cluster, namespace, "bob", "get")
    eventually(lambda: podsec(cluster, "rollout plan", namespace, context="bob").code == 0, what="RBAC")
    before = metadata(cluster, namespace)["resourceVersion"]

    ran = podsec(cluster, "rollout ns", namespace, "--level", "restricted", "--yes", context="bob")

    assert (ran.code, ran.out) == (3, "")
    assert ran.err == f"error: forbidden: bob may not patch namespace {namespace}; nothing was changed\n"
    assert metadata(cluster, namespace)["resourceVersion"] == before


def test_a_role_in_the_namespace_is_enough_to_roll_it_out(cluster: Cluster, namespace: str) -> None:
    grant(cluster, namespace, "alice", "get,patch")
    eventually(lambda: podsec(cluster, "rollout plan", namespace, context="alice").code == 0, what="RBAC")

    ran = podsec(cluster, "rollout ns", namespace, "--level", "restricted", "--to", "audit", "--yes",
                 context="alice")

    assert ran.code == 0, ran.err
    history = read_history(metadata(cluster, namespace)["annotations"])
    assert [(e.identity, e.stage) for e in history] == [("alice", "audit")]


def test_dry_run_changes_nothing(cluster: Cluster, namespace: str, pinned_version: str) -> None:
    apply(cluster, namespace, [pod("priv", PRIVILEGED)])
    before = metadata(cluster, namespace)

    ran = podsec(cluster, "rollout ns", namespace, "--level", "baseline", "--to", "enforce", "--force",
                 "--dry-run")

    assert ran.code == 0, ran.err
    assert "would-apply" in ran.out
    assert (f'  server: existing pods in namespace "{namespace}" violate the new PodSecurity enforce level '
            f'"baseline:{minor(pinned_version)}"') in ran.out
    assert metadata(cluster, namespace) == before


def test_skipped_namespaces(cluster: Cluster, tmp_path: Path) -> None:
    synced = cluster.create_namespace("synced", {"security.openshift.io/scc.podSecurityLabelSync": "true"})
    exempt = cluster.create_namespace("exempt")
    config = tmp_path / "admission.yaml"
    config.write_text("apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\n"
                      f"exemptions: {{namespaces: [{exempt}]}}\n")

    ran = podsec(cluster, "rollout ns", synced, exempt, "--level", "baseline", "--admission-config",
                 str(config), "--yes", "-o", "json")

    assert ran.code == 0, ran.err
    assert [(n["result"], n["message"]) for n in ran.json["namespaces"]] == [
        ("skipped", "labels managed by OpenShift (security.openshift.io/scc.podSecurityLabelSync=true)"),
        ("skipped", "exempt by the cluster's PodSecurity configuration")]
    assert pod_security(cluster, synced) == pod_security(cluster, exempt) == {}

    forced = podsec(cluster, "rollout ns", synced, exempt, "--level", "baseline", "--admission-config",
                    str(config), "--force", "--yes")
    assert forced.code == 0, forced.err
    assert pod_security(cluster, synced)[P + "warn"] == pod_security(cluster, exempt)[P + "warn"] == "baseline"

    system = podsec(cluster, "rollout plan", "-A", "--level", "baseline", "-o", "json")
    rows = {n["namespace"]: n for n in system.json["namespaces"]}
    assert rows["kube-system"]["skipped"] == "system namespace (name it to include it)"
    named = podsec(cluster, "rollout plan", "kube-system", "--level", "baseline", "-o", "json")
    assert named.json["namespaces"][0]["skipped"] is None


# --- the API server stopped in the middle of a 50-namespace rollout ---------------------------


@pytest.fixture
def scratch() -> Iterator[Cluster]:
    """The throwaway instance, up for this test and stopped after it."""
    yield bring_up("scratch")
    run_script("down", "--profile", "scratch")


def restart_apiserver(cluster: Cluster, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    """kube-apiserver again, as the script started it, on the same etcd."""
    with log.open("ab") as out:
        server = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "GOMAXPROCS": "2"})
    eventually(lambda: _ready(cluster), timeout=60, what="kube-apiserver ready again")
    return server


def _ready(cluster: Cluster) -> bool:
    try:
        return cluster.api("GET", "/readyz").status == 200
    except OSError:
        return False


def test_a_server_lost_mid_rollout_leaves_no_namespace_half_changed(scratch: Cluster, pinned_version: str,
                                                                    tmp_path: Path) -> None:
    group = secrets.token_hex(3)
    names = [f"fleet-{group}-{i:02d}" for i in range(50)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: scratch.api("POST", "/api/v1/namespaces", {
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": {"fleet": group}}}), names))
    apiserver = profile_status("scratch")["processes"]["kube-apiserver"]["pid"]
    argv = [a.decode() for a in Path(f"/proc/{apiserver}/cmdline").read_bytes().split(b"\0") if a]
    args = ("-l", f"fleet={group}", "--level", "restricted", "--to", "warn", "--yes", "-o", "json")
    process = podsec_process(scratch, "rollout ns", *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stderr is not None
    applied = 0
    while applied < 10:  # every write is logged on stderr as it is made
        line = process.stderr.readline()
        assert line, "the run ended before ten namespaces were written"
        applied += line.endswith(": applied\n")
    os.kill(process.pid, signal.SIGSTOP)
    restarted = None
    try:
        os.kill(apiserver, signal.SIGKILL)
        eventually(lambda: process_is_gone(apiserver), what="kube-apiserver gone")
        os.kill(process.pid, signal.SIGCONT)
        out, err = process.communicate(timeout=120)

        assert process.returncode == 3, err
        assert f"error: cannot reach {scratch.server}" in err
        results = {n["namespace"]: n["result"] for n in json.loads(out)["namespaces"]}
        assert set(results) == set(names)
        assert sum(r == "applied" for r in results.values()) >= 10
        assert sum(r == "not-started" for r in results.values()) >= 30  # it did stop in the middle
        assert set(results.values()) <= {"applied", "not-written", "unknown", "not-started"}

        restarted = restart_apiserver(scratch, argv, tmp_path / "apiserver.log")
        new = mode("restricted", minor(pinned_version), "warn")
        for name in names:
            meta = metadata(scratch, name)
            ps = {k: v for k, v in (meta.get("labels") or {}).items() if k.startswith(P)}
            history = read_history(meta.get("annotations"))
            wholly_new = ps == new and [e.stage for e in history] == ["warn"]
            wholly_old = ps == {} and history == []
            assert wholly_new or wholly_old, (name, ps, history)
            if results[name] == "applied":
                assert wholly_new, name
            if results[name] in ("not-written", "not-started"):
                assert wholly_old, name

        again = podsec_process(scratch, "rollout ns", *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
        rerun = {n["namespace"]: n["result"] for n in json.loads(out)["namespaces"]}
        for name, result in results.items():  # the re-run completes the rest, and goes no further
            expected = {"applied": {"unchanged"}, "unknown": {"unchanged", "applied"}}.get(result, {"applied"})
            assert rerun[name] in expected, (name, result, rerun[name])
        assert all(pod_security(scratch, n) == new for n in names)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)
            process.kill()
        if restarted is not None:
            restarted.terminate()
            try:
                restarted.wait(timeout=30)
            except subprocess.TimeoutExpired:
                restarted.kill()

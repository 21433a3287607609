"""API faults give the documented exit codes and messages: a forbidden list
among several namespaces (4), a namespace that does not exist (3), a server
that stops mid-command (3), one that stops answering (3, --request-timeout).

The last two stop or freeze the throwaway `scratch` instance, never the shared one."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from .control_plane import Cluster, bring_up, eventually, profile_status, run_script
from .podsec import PLAIN, apply, pod, podsec, podsec_process

KIND_PLURALS = ["pods", "podtemplates", "replicationcontrollers", "replicasets", "deployments", "statefulsets",
                "daemonsets", "jobs", "cronjobs"]


def grant_alice_reads(cluster: Cluster, namespace: str) -> None:
    cluster.kubectl("create", "role", "reader", "--verb=get,list", "-n", namespace, "--resource=" + ",".join(
        ["pods", "podtemplates", "replicationcontrollers", "replicasets.apps", "deployments.apps",
         "statefulsets.apps", "daemonsets.apps", "jobs.batch", "cronjobs.batch", "namespaces"]))
    cluster.kubectl("create", "rolebinding", "alice-reads", "--role=reader", "--user=alice", "-n", namespace)


def test_a_forbidden_list_in_one_namespace_of_several(cluster: Cluster) -> None:
    readable = [cluster.create_namespace(f"readable-{n}") for n in range(2)]
    closed = cluster.create_namespace("closed")
    for ns in (*readable, closed):
        apply(cluster, ns, [pod("p", PLAIN)])
    for ns in readable:
        grant_alice_reads(cluster, ns)
    config = ("--admission-config", str(cluster.admission_config))  # alice may not create pods: no probe
    eventually(lambda: podsec(cluster, "check", *config, "-n", readable[1], context="alice").code == 0, what="RBAC")

    ran = podsec(cluster, "check", *config, "-n", ",".join([readable[0], closed, readable[1]]), "-o", "json",
                 context="alice")

    assert ran.code == 4
    assert sorted(r["object"]["namespace"] for r in ran.json["results"]) == sorted(readable)
    # unreadable labels leave the policy unknown, which the results would say: a warning, not an error
    assert (f'warning: cannot read the labels of namespace "{closed}": forbidden: User "alice" cannot get resource '
            f'"namespaces" in API group "" in the namespace "{closed}"') in ran.err
    assert ran.errors() == [
        (f'error: cannot read {plural} in namespace "{closed}": forbidden: User "alice" cannot list resource '
         f'"{plural}" in API group "{group}" in the namespace "{closed}"')
        for plural, group in zip(KIND_PLURALS, ["", "", "", "apps", "apps", "apps", "apps", "batch", "batch"])]
    assert ran.json["errors"] == [{"source": {"cluster": True}, "message": e.removeprefix("error: ")}
                                  for e in ran.errors()]
    nothing = podsec(cluster, "check", "-n", closed, context="alice")
    assert nothing.code == 3  # nothing at all could be read


def test_all_namespaces_falls_back_to_the_readable_ones(cluster: Cluster) -> None:
    readable = cluster.create_namespace("fallback")
    run = secrets.token_hex(4)  # alice may read namespaces of other tests too: look at ours only
    apply(cluster, readable, [pod("p", PLAIN, run=run)])
    grant_alice_reads(cluster, readable)
    binding = f"alice-lists-namespaces-{readable}"
    cluster.kubectl("create", "clusterrole", binding, "--verb=list", "--resource=namespaces")
    cluster.kubectl("create", "clusterrolebinding", binding, f"--clusterrole={binding}", "--user=alice")
    try:
        scan = ("check", "-A", "--kind", "pods", "-l", f"run={run}", "-o", "json")
        eventually(lambda: podsec(cluster, *scan, context="alice").code == 4, what="RBAC")

        ran = podsec(cluster, *scan, context="alice")
    finally:
        cluster.kubectl("delete", "clusterrolebinding,clusterrole", binding)

    assert ran.code == 4
    assert [(r["object"]["namespace"], r["object"]["name"]) for r in ran.json["results"]] == [(readable, "p")]
    (error,) = ran.errors()  # one line for the kind, however many namespaces refused
    assert error.startswith("error: cannot read pods in ") and " namespaces (" in error
    assert 'forbidden: User "alice" cannot list resource "pods"' in error


def test_a_namespace_that_does_not_exist(cluster: Cluster) -> None:
    ran = podsec(cluster, "check", "-n", "no-such-namespace")
    assert (ran.code, ran.out) == (3, "")
    assert ran.err == 'error: namespaces "no-such-namespace" not found\n'


@pytest.fixture
def scratch() -> Iterator[Cluster]:
    """The throwaway instance, up for this test and stopped after it."""
    yield bring_up("scratch")
    run_script("down", "--profile", "scratch")


def fill(cluster: Cluster, namespace: str, count: int) -> None:
    def create(i: int) -> None:
        response = cluster.api("POST", f"/api/v1/namespaces/{namespace}/pods", json.loads(json.dumps(pod(f"p-{i}", PLAIN))))
        assert response.status == 201, response.body
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(count)))


def test_the_server_stops_in_the_middle_of_a_scan(scratch: Cluster) -> None:
    namespace = scratch.create_namespace("mid-scan")
    # Six pages of 500: the scan reads only a few pages ahead of what it has
    # written, so while the reader holds the pipe it cannot have read them all.
    fill(scratch, namespace, 3000)
    process = podsec_process(scratch, "check", "-n", namespace, "-o", "json",
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    head = process.stdout.read(64 * 1024)  # the first page is out; the process waits on the pipe

    stopped = run_script("down", "--profile", "scratch")
    rest = process.stdout.read()
    code = process.wait(timeout=120)

    assert stopped.returncode == 0, stopped.stderr
    assert code == 3
    report = json.loads(head + rest)  # the report is finished, and says what happened
    assert 500 <= report["summary"]["objects"] < 3000
    err = process.stderr.read() if process.stderr else ""
    assert err == f"error: cannot reach {scratch.server} (connection refused); check --context or KUBECONFIG\n"
    assert report["errors"] == [{"source": {"cluster": True}, "message": err.strip().removeprefix("error: ")}]


def test_a_server_that_stops_answering_times_out(scratch: Cluster) -> None:
    apiserver = profile_status("scratch")["processes"]["kube-apiserver"]["pid"]
    os.kill(apiserver, signal.SIGSTOP)
    try:
        started = time.monotonic()
        ran = podsec(scratch, "check", "-n", "default", "--request-timeout", "1s")
        elapsed = time.monotonic() - started
    finally:
        os.kill(apiserver, signal.SIGCONT)

    assert ran.code == 3 and ran.out == ""
    assert ran.err == (f"error: timed out after 1s waiting for {scratch.server} (GET /version); "
                       "raise --request-timeout or check the connection\n")
    assert elapsed < 10
    version = podsec(scratch, "version", "--request-timeout", "1s")
    assert version.code == 0

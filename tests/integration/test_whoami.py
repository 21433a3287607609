"""`whoami` and `version` against the real API server."""

from __future__ import annotations

import yaml

from tests.conftest import ROOT

from .control_plane import Cluster, bring_up, eventually
from .podsec import grant_robot, label, podsec

NAMESPACED_KEYS = ["verb", "resource", "subresource", "name", "namespace", "allowed", "risky", "why"]


def rows(doc: dict[str, object]) -> dict[str, dict[str, object]]:
    """Every row by verb and resource: the namespace's (one namespace) and the cluster-scoped ones."""
    out = {}
    sections = doc.get("namespaces") or []  # a whole document, or one of its namespaces
    namespaced = sections[0]["permissions"] if len(sections) == 1 else []  # type: ignore[index]
    for row in namespaced + doc["permissions"]:  # type: ignore[operator]
        sub = f"/{row['subresource']}" if row["subresource"] else ""
        out[f"{row['verb']} {row['resource']}{sub}"] = row
    return out


def test_a_service_account_with_a_role_for_pods_and_deployments(cluster: Cluster, namespace: str) -> None:
    robot = grant_robot(cluster, namespace)

    ran = podsec(cluster, "whoami", "-n", namespace, "--sa", f"{namespace}/robot", "-o", "json")

    assert ran.code == 0, ran.err
    doc = ran.json
    assert list(doc) == ["apiVersion", "kind", "user", "identitySource", "permissions", "namespaces"]
    assert (doc["apiVersion"], doc["kind"]) == ("podsec.kubectl.io/v1alpha1", "WhoamiReport")
    assert [s["namespace"] for s in doc["namespaces"]] == [namespace]
    assert doc["user"] == {"username": robot, "uid": "", "extra": {},
                           "groups": ["system:serviceaccounts", f"system:serviceaccounts:{namespace}",
                                      "system:authenticated"]} | {"uid": doc["user"]["uid"]}
    assert doc["identitySource"] == "SelfSubjectReview"
    assert all(list(row) == NAMESPACED_KEYS for row in doc["namespaces"][0]["permissions"])
    allowed = sorted(name for name, row in rows(doc).items() if row["allowed"])
    assert allowed == ["create deployments.apps", "create pods"]
    # the namespace is unlabelled: the built-in default enforce is privileged
    assert rows(doc)["create pods"]["risky"] is True
    assert rows(doc)["create pods"]["why"] == "can create pods run privileged: enforce here is privileged:latest"
    assert doc["namespaces"][0]["podSecurity"]["enforce"] == "privileged:latest"  # read with your own credentials


def test_as_group_replaces_the_service_account_groups(cluster: Cluster, namespace: str) -> None:
    """The API server adds a service account's groups only when no group is asked for."""
    grant_robot(cluster, namespace)  # bound to the service account's name
    cluster.kubectl("create", "role", "jobs", "--verb=create", "--resource=jobs.batch", "-n", namespace)
    cluster.kubectl("create", "rolebinding", "sa-group-jobs", "--role=jobs",
                    f"--group=system:serviceaccounts:{namespace}", "-n", namespace)
    sa = ("--sa", f"{namespace}/robot")
    eventually(lambda: rows(podsec(cluster, "whoami", "-n", namespace, *sa, "-o", "json").json)[
        "create jobs.batch"]["allowed"] is True, what="the group binding")

    ran = podsec(cluster, "whoami", "-n", namespace, *sa, "--as-group", "testers", "--as-uid", "42", "-o", "json")

    assert ran.code == 0, ran.err
    assert ran.json["user"]["groups"] == ["testers", "system:authenticated"]
    assert ran.json["user"]["uid"] == "42"
    allowed = sorted(name for name, row in rows(ran.json).items() if row["allowed"])
    assert allowed == ["create deployments.apps", "create pods"]  # by name still; the group's jobs are gone


def test_a_role_on_namespaces_lets_a_user_relabel_their_own(cluster: Cluster, namespace: str) -> None:
    """A Role in a namespace that grants patch on `namespaces` applies to that
    namespace: the SSAR must carry the namespace, as the API server's request does."""
    label(cluster, namespace, enforce="baseline")
    cluster.kubectl("create", "role", "relabel", "--verb=get,patch", "--resource=namespaces", "-n", namespace)
    cluster.kubectl("create", "rolebinding", "alice-relabels", "--role=relabel", "--user=alice", "-n", namespace)
    eventually(lambda: podsec(cluster, "whoami", "-n", namespace, "-o", "json", context="alice").json[
        "namespaces"][0]["podSecurity"].get("enforce") == "baseline:latest", what="alice may read the namespace")

    ran = podsec(cluster, "whoami", "-n", namespace, "-o", "json", context="alice")

    patch = rows(ran.json)["patch namespaces"]
    assert (patch["allowed"], patch["risky"], patch["name"], patch["namespace"]) == (True, True, namespace, namespace)
    assert patch["why"] == "can relabel the namespace, and so switch Pod Security enforcement off"
    assert rows(ran.json)["update namespaces"]["allowed"] is False
    assert rows(ran.json)["create pods"] == {
        "verb": "create", "resource": "pods", "subresource": None, "name": None, "namespace": namespace,
        "allowed": False, "risky": False, "why": None}
    assert ran.json["user"]["groups"] == ["devs", "system:authenticated"]
    relabel = cluster.kubectl("label", "ns", namespace, "x=y", context="alice", check=False)
    assert relabel.returncode == 0, relabel.stderr  # what whoami said, the server does

    table = podsec(cluster, "whoami", "-n", namespace, context="alice")
    assert table.code == 0
    assert f"Pod Security in {namespace}: enforce baseline:latest, audit privileged:latest, " \
           f"warn baseline:latest (labels of the namespace)" in table.out
    assert "can relabel the namespace, and so switch Pod Security enforcement off" in table.out


def test_a_user_without_rights(cluster: Cluster, namespace: str) -> None:
    ran = podsec(cluster, "whoami", "-n", namespace, "-o", "yaml", context="bob")

    assert ran.code == 0, ran.err
    doc = yaml.safe_load(ran.out)
    assert doc["user"] == {"username": "bob", "uid": "bob", "groups": ["system:authenticated"], "extra": {}}
    assert not any(row["allowed"] or row["risky"] for row in rows(doc).values())
    assert doc["namespaces"][0]["podSecurity"] == {"error": f'forbidden: User "bob" cannot get resource "namespaces" in API group "" '
                                           f'in the namespace "{namespace}"'}


def test_admin_sees_risky_grants_everywhere(cluster: Cluster, namespace: str) -> None:
    ran = podsec(cluster, "whoami", "-n", namespace, "-o", "json")

    risky = sorted(name for name, row in rows(ran.json).items() if row["risky"])
    assert "create pods/exec" in risky and "impersonate users" in risky and "bind clusterroles.rbac.authorization.k8s.io" in risky
    assert rows(ran.json)["impersonate users"]["namespace"] is None


def test_all_namespaces(cluster: Cluster) -> None:
    names = [cluster.create_namespace(f"every-{n}") for n in range(2)]
    label(cluster, names[1], enforce="restricted")

    ran = podsec(cluster, "whoami", "-A", "-o", "json")

    assert ran.code == 0, ran.err
    assert list(ran.json) == ["apiVersion", "kind", "user", "identitySource", "permissions", "namespaces"]
    sections = {s["namespace"]: s for s in ran.json["namespaces"]}
    assert set(names) <= set(sections)
    assert sections[names[0]]["podSecurity"]["enforce"] == "privileged:latest"
    assert sections[names[1]]["podSecurity"]["enforce"] == "restricted:latest"
    pods = {s: rows(sections[s])["create pods"] for s in names}
    assert (pods[names[0]]["risky"], pods[names[1]]["risky"]) == (True, False)
    assert all(row["namespace"] is None for row in ran.json["permissions"])
    denied = podsec(cluster, "whoami", "-A", context="bob")
    assert denied.code == 3
    assert denied.err == ('error: forbidden: User "bob" cannot list resource "namespaces" in API group "" '
                          "at the cluster scope\n")


def test_refused_impersonation_is_a_cluster_error(cluster: Cluster, namespace: str) -> None:
    ran = podsec(cluster, "whoami", "-n", namespace, "--as", "alice", context="bob")

    assert ran.code == 3
    assert ran.out == ""
    # v1.37 has constrained impersonation on (KEP-5284): "cannot impersonate-on:user-info:create ..."
    assert ran.err.startswith('error: forbidden: User "bob" cannot impersonate')
    assert len(ran.err.splitlines()) == 1


def test_a_server_without_self_subject_review_and_with_podsecuritypolicies(tmp_path: object) -> None:
    """v1.24: identity from the credentials, and `use` asked for each PSP."""
    old = bring_up("psp")
    old.kubectl("apply", "-f", str(ROOT / "examples" / "psp" / "policies.yaml"))
    namespace = old.create_namespace("psp-whoami")

    ran = podsec(old, "whoami", "-n", namespace, "-o", "json", context="alice")

    assert ran.code == 0, ran.err
    doc = ran.json
    # RBAC answers (403) before the missing resource does (404); discovery tells them apart.
    # A bearer token says nothing of its user.
    assert doc["identitySource"] == "unknown (SelfSubjectReview is not served here)"
    psp_rows = [r for r in rows(doc).values() if r["resource"] == "podsecuritypolicies.policy"]
    assert [(r["name"], r["allowed"]) for r in psp_rows] == [(None, False)]  # alice may not list them: any?
    admin = podsec(old, "whoami", "-n", namespace, "--as", "carol", "--as-group", "system:masters", "-o", "json")
    assert admin.json["identitySource"] == "the impersonation flags (SelfSubjectReview is not served here)"
    assert admin.json["user"]["groups"] == ["system:masters", "system:authenticated"]
    named = {r["name"] for r in [*admin.json["namespaces"][0]["permissions"], *admin.json["permissions"]] if r["resource"] == "podsecuritypolicies.policy"}
    assert named >= {"privileged", "restricted"}  # read with the admin's own credentials, one review each
    privileged = next(r for r in [*admin.json["namespaces"][0]["permissions"], *admin.json["permissions"]] if r["name"] == "privileged")
    assert (privileged["allowed"], privileged["risky"]) == (True, True)
    assert privileged["why"] == "PodSecurityPolicy privileged is equivalent to privileged"


def test_version_with_and_without_a_server(cluster: Cluster, pinned_version: str, tmp_path: object) -> None:
    ran = podsec(cluster, "version", "-o", "json")
    assert ran.code == 0
    assert ran.json["serverVersion"]["gitVersion"] == pinned_version
    assert ran.json["serverVersion"]["reachable"] is True

    table = podsec(None, "version", "--kubeconfig", "/nonexistent/kubeconfig")
    assert table.code == 0
    assert table.out.splitlines()[-1] == "Server: unreachable (--kubeconfig /nonexistent/kubeconfig: no such file)"

"""`psp which` and `psp mutated` against a scripted API server (tests/unit/fake_apiserver.py):
which requests go out (reviews for whom, with which groups, in which API group; lists
page by page) and what a server that refuses some of them gives (exit codes, messages)."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from kubectl_podsec.cli.main import cli
from tests.conftest import ROOT
from tests.unit.fake_apiserver import FakeApiServer, Reply, Seen, running, status

POLICIES = str(ROOT / "examples" / "psp" / "policies.yaml")
PSPS = list(yaml.safe_load_all((ROOT / "examples" / "psp" / "policies.yaml").read_text()))
SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
SAR = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
SA_GROUPS = ["system:serviceaccounts", "system:serviceaccounts:team"]
RS_CONTROLLER = "system:serviceaccount:kube-system:replicaset-controller"
OWNER_PATHS = ["/api/v1/namespaces/{ns}/replicationcontrollers", "/apis/apps/v1/namespaces/{ns}/replicasets",
               "/apis/apps/v1/namespaces/{ns}/statefulsets", "/apis/apps/v1/namespaces/{ns}/daemonsets",
               "/apis/batch/v1/namespaces/{ns}/jobs"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


class Rbac:
    """Who may `use` which policy: (user or "me" for the reviews' own identity,
    API group, policy, namespace) -> allowed. Records each question asked."""

    def __init__(self, *grants: tuple[str, str, str, str]) -> None:
        self.grants = set(grants)
        self.asked: list[tuple[str, tuple[str, ...], str, str, str]] = []

    def self_review(self, seen: Seen) -> Reply:
        user = seen.header("Impersonate-User")
        who = user[0] if user else "me"
        return self._answer(seen, who, tuple(seen.header("Impersonate-Group")))

    def subject_review(self, seen: Seen) -> Reply:
        spec = seen.body["spec"]
        return self._answer(seen, spec["user"], tuple(spec["groups"]))

    def _answer(self, seen: Seen, who: str, groups: tuple[str, ...]) -> Reply:
        attrs = seen.body["spec"]["resourceAttributes"]
        assert (attrs["verb"], attrs["resource"]) == ("use", "podsecuritypolicies")
        key = (who, attrs["group"], attrs["name"], attrs["namespace"])
        self.asked.append((who, groups, attrs["group"], attrs["name"], attrs["namespace"]))
        return Reply(201, {**seen.body, "status": {"allowed": key in self.grants}})


@pytest.fixture
def server() -> Iterator[FakeApiServer]:
    """A v1.24-like server that serves the two example PodSecurityPolicies."""
    with running() as fake:
        fake.on("GET", "/apis/policy/v1beta1", Reply(200, {"resources": [{"name": "podsecuritypolicies"}]}))
        fake.on("GET", "/apis/policy/v1beta1/podsecuritypolicies", Reply(200, {"metadata": {}, "items": PSPS}))
        yield fake


def serve_rbac(fake: FakeApiServer, rbac: Rbac) -> Rbac:
    fake.on("POST", SSAR, rbac.self_review)
    fake.on("POST", SAR, rbac.subject_review)
    return rbac


def write(path: pathlib.Path, *objects: dict[str, Any]) -> str:
    path.write_text("".join("---\n" + json.dumps(o) + "\n" for o in objects))
    return str(path)


def pod(name: str, sa: str | None = None, **container_sc: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "x"}
    if container_sc:
        container["securityContext"] = container_sc
    spec: dict[str, Any] = {"containers": [container]}
    if sa:
        spec["serviceAccountName"] = sa
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def policy_rows(item: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {p["name"]: (p["authorizedVia"], p["outcome"]) for p in item["policies"]}


# --- psp which -----------------------------------------------------------------------------


def test_the_clusters_policies_and_the_users_grant_in_the_extensions_group(
        server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    rbac = serve_rbac(server, Rbac(("me", "extensions", "restricted", "team")))
    pods = write(tmp_path / "pod.yaml", pod("p"))

    code, out, err = run("psp", "which", "-f", pods, "--kubeconfig", server.kubeconfig(tmp_path), "-o", "json")

    (item,) = json.loads(out)["items"]
    assert (code, err) == (0, "")
    assert item["object"] == "Pod team/p"  # the context's namespace
    assert item["chosen"] == "restricted"
    assert policy_rows(item) == {"privileged": ([], "not-authorized"),
                                 "restricted": (["user"], "accepted-after-mutation")}
    # The plugin's questions: the pod's service account (defaulted) with exactly its two
    # groups, then the requesting user; API group policy first, then extensions.
    sa = "system:serviceaccount:team:default"
    assert sorted(rbac.asked) == sorted(
        [(sa, tuple(SA_GROUPS), group, name, "team") for name in ("privileged", "restricted")
         for group in ("policy", "extensions")]
        + [("me", (), group, name, "team") for name in ("privileged", "restricted")
           for group in ("policy", "extensions")])
    assert all(not s.header("Impersonate-User") for s in server.requests(SSAR))


def test_authorised_only_through_the_pods_service_account(server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    serve_rbac(server, Rbac(("system:serviceaccount:team:builder", "policy", "privileged", "team")))
    pods = write(tmp_path / "pod.yaml", pod("p", sa="builder", privileged=True))

    code, out, _ = run("psp", "which", "-f", pods, "--kubeconfig", server.kubeconfig(tmp_path), "-o", "json")

    (item,) = json.loads(out)["items"]
    assert code == 0
    assert item["chosen"] == "privileged"
    assert policy_rows(item)["privileged"] == (["service-account"], "accepted")


def test_nothing_authorised_exits_1_with_the_plugins_message(server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    serve_rbac(server, Rbac())
    pods = write(tmp_path / "pod.yaml", pod("p"))

    code, out, _ = run("psp", "which", "-f", pods, "--kubeconfig", server.kubeconfig(tmp_path), "-o", "json")

    (item,) = json.loads(out)["items"]
    assert code == 1
    assert item["chosen"] is None
    assert item["message"] == 'pods "p" is forbidden: PodSecurityPolicy: unable to admit pod: []'


def test_a_workloads_requester_is_its_controller(server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    rbac = serve_rbac(server, Rbac((RS_CONTROLLER, "policy", "restricted", "shop")))
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
              "spec": {"selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "app", "image": "x"}]}}}}

    code, out, err = run("psp", "which", "-f", write(tmp_path / "d.yaml", deploy), "--as", "alice",
                         "--kubeconfig", server.kubeconfig(tmp_path), "-o", "json")

    (item,) = json.loads(out)["items"]
    assert code == 0
    assert (item["object"], item["chosen"]) == ("Deployment shop/web", "restricted")
    assert err == ("note: the requesting user for the pods of a Deployment is the controller that "
                   f"creates them, {RS_CONTROLLER}\n")
    controller = {a for a in rbac.asked if a[0] == RS_CONTROLLER}
    assert {a[1] for a in controller} == {("system:serviceaccounts", "system:serviceaccounts:kube-system",
                                           "system:authenticated")}
    assert server.requests(SSAR) == []  # --as alice is not who creates the pods


def test_answers_are_cached_across_pods(server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    serve_rbac(server, Rbac(("me", "policy", "privileged", "team")))
    config = server.kubeconfig(tmp_path)
    run("psp", "which", "-f", write(tmp_path / "one.yaml", pod("a")), "--kubeconfig", config)
    one = len(server.requests(SSAR)) + len(server.requests(SAR))
    server.seen.clear()

    code, out, _ = run("psp", "which", "-f", write(tmp_path / "two.yaml", pod("a"), pod("b")),
                       "--kubeconfig", config, "-o", "json")

    assert code == 0
    assert [i["chosen"] for i in json.loads(out)["items"]] == ["privileged", "privileged"]
    # the service account: 2 policies x 2 API groups; the user: privileged (yes in policy),
    # restricted (no in policy, then extensions): a "yes" ends the question
    assert one == len(server.requests(SSAR)) + len(server.requests(SAR)) == 4 + 3


def test_without_subject_access_reviews_the_service_account_is_impersonated(
        server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    rbac = Rbac(("system:serviceaccount:team:default", "policy", "privileged", "team"))
    server.on("POST", SSAR, rbac.self_review)
    server.on("POST", SAR, status(403, "Forbidden", 'subjectaccessreviews.authorization.k8s.io is forbidden: '
                                  'User "me" cannot create resource "subjectaccessreviews"'))

    code, out, err = run("psp", "which", "-f", write(tmp_path / "p.yaml", pod("p", privileged=True)),
                         "--kubeconfig", server.kubeconfig(tmp_path), "-o", "json")

    assert code == 0
    assert json.loads(out)["items"][0]["chosen"] == "privileged"
    assert err == ("note: you may not create SubjectAccessReviews, so other identities were asked about by "
                   "impersonating them (the server adds system:authenticated to their groups)\n")
    impersonated = [s for s in server.requests(SSAR) if s.header("Impersonate-User")]
    assert impersonated and all(s.header("Impersonate-User") == ["system:serviceaccount:team:default"]
                                and s.header("Impersonate-Group") == SA_GROUPS for s in impersonated)
    assert len(server.requests(SAR)) == 1  # refused once, not asked again


def test_neither_subject_access_reviews_nor_impersonation(server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    rbac = Rbac()

    def self_review(seen: Seen) -> Reply:
        if seen.header("Impersonate-User"):
            return status(403, "Forbidden", 'users "system:serviceaccount:team:default" is forbidden: '
                                            'User "me" cannot impersonate resource "users" in API group ""')
        return rbac.self_review(seen)

    server.on("POST", SSAR, self_review)
    server.on("POST", SAR, status(403, "Forbidden", "no"))

    code, out, err = run("psp", "which", "-f", write(tmp_path / "p.yaml", pod("p")),
                         "--kubeconfig", server.kubeconfig(tmp_path))

    assert (code, out) == (3, "")
    assert err == ('error: cannot ask whether system:serviceaccount:team:default may use PodSecurityPolicy '
                   '"privileged": you may neither create SubjectAccessReviews nor impersonate it (forbidden: '
                   'User "me" cannot impersonate resource "users" in API group ""); say who may use which '
                   "policy with --allow and --sa-allow instead\n")


def test_a_server_without_podsecuritypolicies(tmp_path: pathlib.Path) -> None:
    with running() as fake:
        serve_rbac(fake, Rbac(("me", "policy", "restricted", "team")))
        config = fake.kubeconfig(tmp_path)
        pods = write(tmp_path / "p.yaml", pod("p"))

        code, out, err = run("psp", "which", "-f", pods, "--kubeconfig", config)
        assert (code, out) == (2, "")
        assert err == (f"error: {fake.url} does not serve PodSecurityPolicy (policy/v1beta1, removed in "
                       "Kubernetes 1.25); pass the policies with --psp-file\n")

        code, out, err = run("psp", "which", "-f", pods, "--psp-file", POLICIES, "--online",
                             "--kubeconfig", config, "-o", "json")
        assert (code, err) == (0, "")
        assert json.loads(out)["items"][0]["chosen"] == "restricted"


def test_psp_file_alone_never_asks_the_cluster(server: FakeApiServer, tmp_path: pathlib.Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", server.kubeconfig(tmp_path))

    code, out, _ = run("psp", "which", "-f", write(tmp_path / "p.yaml", pod("p")), "--psp-file", POLICIES,
                       "-o", "json")

    assert code == 0
    item = json.loads(out)["items"][0]
    assert (item["object"], item["chosen"]) == ("Pod default/p", "privileged")  # every policy, for the user
    assert server.seen == []


def test_policies_that_may_not_be_listed(server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    server.on("GET", "/apis/policy/v1beta1/podsecuritypolicies", status(
        403, "Forbidden", 'podsecuritypolicies.policy is forbidden: User "me" cannot list resource '
                          '"podsecuritypolicies" in API group "policy" at the cluster scope'))

    code, out, err = run("psp", "which", "-f", write(tmp_path / "p.yaml", pod("p")),
                         "--kubeconfig", server.kubeconfig(tmp_path))

    assert (code, out) == (3, "")
    assert err == ('error: cannot list the cluster\'s PodSecurityPolicies (forbidden: User "me" cannot list '
                   'resource "podsecuritypolicies" in API group "policy" at the cluster scope); '
                   "pass them with --psp-file\n")


def test_a_malformed_policy_in_the_cluster(server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    bad = {"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy", "metadata": {"name": "odd"},
           "spec": {"privileged": "yes"}}
    server.on("GET", "/apis/policy/v1beta1/podsecuritypolicies", Reply(200, {"metadata": {}, "items": [*PSPS, bad]}))

    code, out, err = run("psp", "which", "-f", write(tmp_path / "p.yaml", pod("p")),
                         "--kubeconfig", server.kubeconfig(tmp_path))

    assert (code, out) == (2, "")
    assert err == 'error: PodSecurityPolicy "odd" in the cluster: spec.privileged: expected a boolean, got "yes"\n'


def test_online_does_not_go_with_offline_grants(tmp_path: pathlib.Path) -> None:
    code, out, err = run("psp", "which", "-f", write(tmp_path / "p.yaml", pod("p")), "--psp-file", POLICIES,
                         "--online", "--allow", "restricted")
    assert (code, out) == (2, "")
    assert err == ("error: --online asks the cluster who may use each policy; "
                   "it does not go with --allow or --sa-allow\n")


# --- psp mutated ---------------------------------------------------------------------------

REPLICASET = {"metadata": {"name": "web-1", "namespace": "team", "uid": "u1"},
              "spec": {"selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}


def owned_pod(name: str, namespace: str = "team", **container_sc: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "nginx"}
    if container_sc:
        container["securityContext"] = container_sc
    return {"metadata": {"name": name, "namespace": namespace, "labels": {"app": "web"},
                         "annotations": {"kubernetes.io/psp": "restricted"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1",
                                              "uid": "u1", "controller": True}]},
            "spec": {"containers": [container]}}


def page(items: list[dict[str, Any]], token: str = "") -> Reply:
    return Reply(200, {"kind": "List", "apiVersion": "v1", "metadata": {"continue": token} if token else {},
                       "items": items})


def serve_namespace(fake: FakeApiServer, namespace: str, pods: list[Reply] | None = None) -> None:
    fake.on("GET", f"/api/v1/namespaces/{namespace}", Reply(200, {"metadata": {"name": namespace}}))
    for path in OWNER_PATHS:
        fake.on("GET", path.format(ns=namespace), page([REPLICASET] if "replicasets" in path else []))
    if pods is not None:
        fake.on("GET", f"/api/v1/namespaces/{namespace}/pods", *pods)


def test_mutated_reads_the_contexts_namespace_page_by_page(tmp_path: pathlib.Path) -> None:
    with running() as fake:
        serve_namespace(fake, "team", [page([owned_pod("web-1-a")], token="next"),
                                       page([owned_pod("web-1-b", runAsUser=1000)])])

        code, out, err = run("psp", "mutated", "--kubeconfig", fake.kubeconfig(tmp_path), "-o", "json")

    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["errors"] == []
    assert [(i["object"], i["owner"], i["policy"]) for i in doc["items"]] == [
        ("Pod team/web-1-b", "ReplicaSet team/web-1", "restricted")]
    assert doc["items"][0]["differences"] == [
        {"path": "spec.containers[0].securityContext.runAsUser", "template": None, "pod": 1000}]
    pod_lists = fake.requests("/api/v1/namespaces/team/pods")
    assert [s.query.get("continue") for s in pod_lists] == [None, "next"]


def test_mutated_selector_is_for_pods_only(tmp_path: pathlib.Path) -> None:
    with running() as fake:
        serve_namespace(fake, "shop", [page([owned_pod("web-1-b", namespace="shop", runAsUser=7)])])
        REPLICASET_SHOP = {**REPLICASET, "metadata": {**REPLICASET["metadata"], "namespace": "shop"}}
        fake.on("GET", "/apis/apps/v1/namespaces/shop/replicasets", page([REPLICASET_SHOP]))

        code, out, _ = run("psp", "mutated", "-n", "shop", "-l", "app=web", "--kubeconfig",
                           fake.kubeconfig(tmp_path))

        assert code == 0
        assert out == ("Pod shop/web-1-b (owner ReplicaSet shop/web-1, kubernetes.io/psp=restricted):\n"
                       "  spec.containers[0].securityContext.runAsUser: template (unset), pod 7\n")
        assert [s.query.get("labelSelector") for s in fake.requests("/api/v1/namespaces/shop/pods")] == ["app=web"]
        assert all("labelSelector" not in s.query for s in fake.seen if not s.path.endswith("/pods"))


def test_mutated_all_namespaces_with_one_forbidden(tmp_path: pathlib.Path) -> None:
    refused = {"pods": "", "replicationcontrollers": "", "replicasets": "apps", "statefulsets": "apps",
               "daemonsets": "apps", "jobs": "batch"}
    with running() as fake:
        for plural, group in refused.items():  # nothing may be listed across all namespaces
            prefix = f"/apis/{group}/v1" if group else "/api/v1"
            fake.on("GET", f"{prefix}/{plural}", status(403, "Forbidden", f"{plural} is forbidden: no"))
            fake.on("GET", f"{prefix}/namespaces/closed/{plural}",
                    status(403, "Forbidden", f'{plural} is forbidden: User "me" cannot list resource "{plural}"'))
        fake.on("GET", "/api/v1/namespaces", page([{"metadata": {"name": "closed"}},
                                                   {"metadata": {"name": "team"}}]))
        serve_namespace(fake, "team", [page([owned_pod("web-1-b", allowPrivilegeEscalation=False)])])

        code, out, err = run("psp", "mutated", "-A", "--kubeconfig", fake.kubeconfig(tmp_path), "-o", "json")

    doc = json.loads(out)
    assert code == 4
    assert [i["object"] for i in doc["items"]] == ["Pod team/web-1-b"]
    expected = [f'cannot read {plural} in namespace "closed": forbidden: User "me" cannot list resource "{plural}"'
                for plural in ["replicationcontrollers", "replicasets", "statefulsets", "daemonsets", "jobs", "pods"]]
    assert doc["errors"] == expected
    assert err == "".join(f"error: {e}\n" for e in expected)


def test_mutated_nothing_readable_is_a_cluster_error(tmp_path: pathlib.Path) -> None:
    with running() as fake:
        for path in [*OWNER_PATHS, "/api/v1/namespaces/{ns}/pods", "/api/v1/namespaces/{ns}"]:
            fake.on("GET", path.format(ns="team"), status(403, "Forbidden", "x is forbidden: no"))

        code, out, err = run("psp", "mutated", "--kubeconfig", fake.kubeconfig(tmp_path))

    assert (code, out) == (3, "")
    assert err.count("error: cannot read ") == 6 and 'in namespace "team": forbidden: no' in err


def test_mutated_in_a_namespace_that_does_not_exist(tmp_path: pathlib.Path) -> None:
    with running() as fake:
        fake.on("GET", "/api/v1/namespaces/gone", status(404, "NotFound", 'namespaces "gone" not found'))

        code, out, err = run("psp", "mutated", "-n", "gone", "--kubeconfig", fake.kubeconfig(tmp_path))

        assert (code, out, err) == (3, "", 'error: namespaces "gone" not found\n')
        assert [s.path for s in fake.seen] == ["/api/v1/namespaces/gone"]


@pytest.mark.parametrize("args,message", [
    (["-f", POLICIES, "-n", "team"], "-f reads a dump, -n, -A and -l read the cluster: use one or the other"),
    (["-f", POLICIES, "-A"], "-f reads a dump, -n, -A and -l read the cluster: use one or the other"),
    (["-f", POLICIES, "-l", "a=b"], "-f reads a dump, -n, -A and -l read the cluster: use one or the other"),
    (["-n", "team", "-A"], "-A and -n cannot be used together"),
])
def test_mutated_usage_errors(args: list[str], message: str) -> None:
    code, out, err = run("psp", "mutated", *args, "--kubeconfig", "/nonexistent")
    assert (code, out, err) == (2, "", f"error: {message}\n")

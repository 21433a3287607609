"""whoami and check against a scripted API server (tests/unit/fake_apiserver.py):
what a real v1.37 server cannot show, such as a server without SelfSubjectReview
that still serves PodSecurityPolicies."""

from __future__ import annotations

import base64
import json
import pathlib
from collections.abc import Callable, Iterator

import pytest
import yaml
from click.testing import CliRunner

from kubectl_podsec.cli.main import cli
from tests.conftest import ROOT, compare_golden
from tests.unit.fake_apiserver import FakeApiServer, Reply, Seen, running, status

PSPS = list(yaml.safe_load_all((ROOT / "examples" / "psp" / "policies.yaml").read_text()))
ALLOWED = {("create", "pods", "", ""), ("use", "podsecuritypolicies", "", "privileged")}



def known_defaults(tmp_path: pathlib.Path) -> tuple[str, str]:
    """Pod Security's cluster defaults, given (privileged), so that no mode is
    unknown and no dry-run probe is made: these tests are about other things."""
    path = tmp_path / "pod-security.yaml"
    path.write_text("apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\n"
                    "defaults: {enforce: privileged, audit: privileged, warn: privileged}\n")
    return ("--admission-config", str(path))

def review(seen: Seen) -> Reply:
    attrs = seen.body["spec"]["resourceAttributes"]
    key = (attrs["verb"], attrs["resource"], attrs.get("subresource", ""), attrs.get("name", ""))
    allowed = key in ALLOWED
    return Reply(201, {**seen.body, "status": {"allowed": allowed}})


@pytest.fixture
def old_server() -> Iterator[FakeApiServer]:
    """A v1.24-like server: no SelfSubjectReview, PodSecurityPolicies served."""
    with running() as fake:
        fake.on("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review)
        fake.on("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", review)
        fake.on("GET", "/api/v1/namespaces/team", Reply(200, {"metadata": {"name": "team", "labels": {}}}))
        fake.on("GET", "/apis/policy/v1beta1", Reply(200, {"resources": [{"name": "podsecuritypolicies"}]}))
        fake.on("GET", "/apis/policy/v1beta1/podsecuritypolicies", Reply(200, {"metadata": {}, "items": PSPS}))
        fake.on("GET", "/version", Reply(200, {"gitVersion": "v1.24.17", "major": "1", "minor": "24"}))
        yield fake


def jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS256'})}.{part(claims)}.signature"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_whoami_falls_back_to_the_token_and_rates_each_psp(old_server: FakeApiServer,
                                                           tmp_path: pathlib.Path) -> None:
    token = jwt({"sub": "system:serviceaccount:team:ci", "kubernetes.io": {"namespace": "team"}})
    config = old_server.kubeconfig(tmp_path, token=token)

    code, out, err = run("whoami", "--kubeconfig", config, "-o", "json")

    assert code == 0, err
    doc = json.loads(out)
    assert doc["user"] == {"username": "system:serviceaccount:team:ci", "uid": "",
                           "groups": ["system:serviceaccounts", "system:serviceaccounts:team",
                                      "system:authenticated"], "extra": {}}
    assert doc["identitySource"] == ("the service account token's claims "
                                     "(SelfSubjectReview is not served here)")
    (section,) = doc["namespaces"]
    assert section["namespace"] == "team"
    rows = {(p["verb"], p["resource"], p["subresource"], p["name"]): p
            for p in section["permissions"] + doc["permissions"]}
    assert rows[("create", "pods", None, None)] == {
        "verb": "create", "resource": "pods", "subresource": None, "name": None, "namespace": "team",
        "allowed": True, "risky": True,
        "why": "can create pods run privileged: enforce here is privileged:latest"}
    assert rows[("create", "pods", "exec", None)]["allowed"] is False
    priv = rows[("use", "podsecuritypolicies.policy", None, "privileged")]
    assert (priv["allowed"], priv["risky"], priv["why"]) == (
        True, True, "PodSecurityPolicy privileged is equivalent to privileged")
    assert rows[("use", "podsecuritypolicies.policy", None, "restricted")]["allowed"] is False
    assert section["podSecurity"]["enforce"] == "privileged:latest"
    assert section["podSecurity"]["source"].startswith("built-in defaults")


def test_whoami_falls_back_to_the_impersonation_flags(old_server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    code, out, _ = run("whoami", "--kubeconfig", old_server.kubeconfig(tmp_path), "--sa", "team/robot", "-o", "json")

    doc = json.loads(out)
    assert code == 0
    assert doc["user"]["username"] == "system:serviceaccount:team:robot"
    assert doc["user"]["groups"] == ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"]
    assert doc["identitySource"] == "the impersonation flags (SelfSubjectReview is not served here)"
    first = old_server.requests("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")[0]
    assert first.header("Impersonate-User") == ["system:serviceaccount:team:robot"]


def test_whoami_table_lists_risky_grants(old_server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    code, out, _ = run("whoami", "--kubeconfig", old_server.kubeconfig(tmp_path, token="opaque"))

    assert code == 0
    assert out.startswith("User:    (unknown)\nGroups:  (none)\n"
                          "(from unknown (SelfSubjectReview is not served here))\n")
    assert "\nteam        create        pods                                     *            yes, RISKY\n" in out
    assert "\n(cluster)   use           podsecuritypolicies.policy               restricted   no\n" in out
    assert "  create pods in team: can create pods run privileged: enforce here is privileged:latest" in out


def test_check_uses_the_servers_version_for_latest(old_server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team}\nspec:\n"
                   "  securityContext: {sysctls: [{name: net.ipv4.tcp_rmem, value: '1 2 3'}]}\n"
                   "  containers: [{name: c, image: x}]\n")
    old_server.on("GET", "/api/v1/namespaces/team", Reply(200, {"metadata": {
        "name": "team", "labels": {"pod-security.kubernetes.io/enforce": "baseline"}}}))

    code, out, err = run("check", *known_defaults(tmp_path), "-f", str(pod), "--kubeconfig", old_server.kubeconfig(tmp_path), "-o", "json")

    result = json.loads(out)["results"][0]
    assert code == 1, err  # tcp_rmem is allowed by baseline only from v1.32
    assert result["policySource"] == "labels of the namespace in the cluster"
    assert result["evaluations"][0]["resolvedVersion"] == "v1.24"


# --- check under the cluster's PodSecurityPolicies --------------------------------------

CONTROLLER = "system:serviceaccount:kube-system:replicaset-controller"
CONTROLLER_NOTE = ("note: the requesting user for the pods of a Deployment is the controller that creates "
                   f"them, {CONTROLLER}\n")
PODS_AND_DEPLOYMENT = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: team}\n"
    "spec: {containers: [{name: app, image: x}]}\n---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: team}\nspec:\n"
    "  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n"
    "    spec: {containers: [{name: app, image: x, securityContext: {privileged: true}}]}\n")


def use_grants(table: dict[str, set[str]]) -> Callable[[Seen], Reply]:
    """Access reviews answered from {user: policies it may use}; "" is the caller
    of a SelfSubjectAccessReview, or the identity it impersonates."""
    def answer(seen: Seen) -> Reply:
        attrs = seen.body["spec"]["resourceAttributes"]
        user = seen.body["spec"].get("user") or next(iter(seen.header("Impersonate-User")), "")
        allowed = attrs["verb"] == "use" and attrs.get("name") in table.get(user, set())
        return Reply(201, {**seen.body, "status": {"allowed": allowed}})
    return answer


def reviewed(fake: FakeApiServer, kind: str) -> list[tuple[str, list[str], str, str]]:
    """(user or impersonated user, groups, API group, policy) of each `use` review, in order."""
    path = f"/apis/authorization.k8s.io/v1/{kind}"
    return [(s.body["spec"].get("user") or next(iter(s.header("Impersonate-User")), ""),
             s.body["spec"].get("groups") or s.header("Impersonate-Group"),
             s.body["spec"]["resourceAttributes"]["group"], s.body["spec"]["resourceAttributes"]["name"])
            for s in fake.requests(path)]


def test_check_admits_under_the_clusters_policies_as_their_creators(
        old_server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    """The Pod's creator is you; the Deployment's pods are created by the
    replicaset controller; both pods run as the namespace's default service account."""
    grants = use_grants({"": {"restricted"}, CONTROLLER: {"privileged"}})
    for kind in ("selfsubjectaccessreviews", "subjectaccessreviews"):
        old_server.on("POST", f"/apis/authorization.k8s.io/v1/{kind}", grants)
    files = tmp_path / "objects.yaml"
    files.write_text(PODS_AND_DEPLOYMENT)

    code, out, err = run("check", *known_defaults(tmp_path), "-f", str(files), "--kubeconfig", old_server.kubeconfig(tmp_path), "-o", "json")

    psp = {r["object"]["kind"]: r["psp"] for r in json.loads(out)["results"]}
    assert (code, err) == (0, CONTROLLER_NOTE)
    assert psp["Pod"]["chosen"] == "restricted" and psp["Pod"]["mutations"]
    assert psp["Deployment"] == {"chosen": "privileged", "allowed": True, "mutations": []}
    assert len(old_server.requests("/apis/policy/v1beta1")) == 1
    sa_groups = ["system:serviceaccounts", "system:serviceaccounts:team"]
    controller_groups = ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]
    subjects = {(user, tuple(groups)) for user, groups, _, _ in reviewed(old_server, "subjectaccessreviews")}
    assert subjects == {("system:serviceaccount:team:default", tuple(sa_groups)), (CONTROLLER, tuple(controller_groups))}
    mine = reviewed(old_server, "selfsubjectaccessreviews")
    assert ("", [], "policy", "restricted") in mine and ("", [], "extensions", "privileged") in mine


def test_refused_subject_access_reviews_impersonate_instead_and_say_so(
        old_server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    old_server.on("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                  use_grants({"": {"restricted"}, "system:serviceaccount:team:default": {"privileged"}}))
    old_server.on("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                  status(403, "Forbidden", "subjectaccessreviews is forbidden"))
    files = tmp_path / "objects.yaml"
    files.write_text(PODS_AND_DEPLOYMENT)

    code, out, err = run("check", *known_defaults(tmp_path), "-f", str(files), "--kubeconfig", old_server.kubeconfig(tmp_path), "-o", "json")

    assert code == 0, err
    assert [r["psp"]["chosen"] for r in json.loads(out)["results"]] == ["privileged", "privileged"]
    assert err == CONTROLLER_NOTE + (
        "note: you may not create SubjectAccessReviews, so other identities were asked about by "
        "impersonating them (the server adds system:authenticated to their groups)\n")
    impersonated = {user for user, _, _, _ in reviewed(old_server, "selfsubjectaccessreviews") if user}
    assert impersonated == {"system:serviceaccount:team:default", CONTROLLER}


def test_sa_is_the_pods_service_account_too(old_server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    robot = "system:serviceaccount:team:robot"
    for kind in ("selfsubjectaccessreviews", "subjectaccessreviews"):
        old_server.on("POST", f"/apis/authorization.k8s.io/v1/{kind}", use_grants({robot: {"privileged"}}))
    files = tmp_path / "objects.yaml"
    files.write_text(PODS_AND_DEPLOYMENT)

    code, out, err = run("check", *known_defaults(tmp_path), "-f", str(files), "--kubeconfig", old_server.kubeconfig(tmp_path),
                         "--sa", "team/robot", "-o", "json")

    assert code == 0, err
    assert [r["psp"]["chosen"] for r in json.loads(out)["results"]] == ["privileged", "privileged"]
    assert {u for u, _, _, _ in reviewed(old_server, "subjectaccessreviews")} == {robot, CONTROLLER}


def test_psp_file_with_a_cluster_is_authorised_by_it(old_server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    old_server.on("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", use_grants({"": {"own"}}))
    own = tmp_path / "own.yaml"
    own.write_text("apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: own}\n"
                   "spec: {runAsUser: {rule: RunAsAny}, seLinux: {rule: RunAsAny}, "
                   "supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}, volumes: ['*']}\n")
    pod = tmp_path / "pod.yaml"
    pod.write_text(PODS_AND_DEPLOYMENT.split("---\n")[0])

    code, out, err = run("check", *known_defaults(tmp_path), "-f", str(pod), "--psp-file", str(own), "--kubeconfig",
                         old_server.kubeconfig(tmp_path), "-o", "json")

    assert (code, err) == (0, "")
    assert json.loads(out)["results"][0]["psp"] == {"chosen": "own", "allowed": True, "mutations": []}
    assert old_server.requests("/apis/policy/v1beta1") == []  # the file's policies: no discovery
    assert old_server.requests("/apis/policy/v1beta1/podsecuritypolicies") == []


@pytest.mark.parametrize("listing,code,message", [
    (status(403, "Forbidden", 'podsecuritypolicies.policy is forbidden: User "me" cannot list resource'),
     4, ("error: cannot read podsecuritypolicies: ", 'User "me" cannot list resource')),
    (Reply(200, {"metadata": {}, "items": []}), 0,
     ("note: the cluster serves PodSecurityPolicies but has none: PodSecurityPolicy admission is "
      "taken to be off", "")),
], ids=["forbidden", "none"])
def test_no_psp_verdicts_without_readable_policies(old_server: FakeApiServer, tmp_path: pathlib.Path,
                                                   listing: Reply, code: int, message: tuple[str, str]) -> None:
    old_server.on("GET", "/apis/policy/v1beta1/podsecuritypolicies", listing)
    pod = tmp_path / "pod.yaml"
    pod.write_text(PODS_AND_DEPLOYMENT.split("---\n")[0])

    ran = run("check", *known_defaults(tmp_path), "-f", str(pod), "--kubeconfig", old_server.kubeconfig(tmp_path), "-o", "json")

    lead, detail = message
    assert ran[0] == code
    assert ran[2].startswith(lead) and detail in ran[2] and len(ran[2].splitlines()) == 1
    assert "psp" not in json.loads(ran[1])["results"][0]
    assert old_server.requests("/apis/authorization.k8s.io/v1/subjectaccessreviews") == []


def test_a_server_without_podsecuritypolicies_costs_one_discovery_request(tmp_path: pathlib.Path) -> None:
    with running() as fake:
        fake.on("GET", "/version", Reply(200, {"gitVersion": "v1.30.2", "major": "1", "minor": "30"}))
        fake.on("GET", "/api/v1/namespaces/team", Reply(200, {"metadata": {"name": "team", "labels": {}}}))
        pod = tmp_path / "pod.yaml"
        pod.write_text(PODS_AND_DEPLOYMENT.split("---\n")[0])

        code, out, err = run("check", *known_defaults(tmp_path), "-f", str(pod), "--kubeconfig", fake.kubeconfig(tmp_path), "-o", "json")

        assert (code, err) == (0, "")
        assert "psp" not in json.loads(out)["results"][0]
        assert [s.path for s in fake.seen] == ["/version", "/apis/policy/v1beta1", "/api/v1/namespaces/team"]


def test_whoami_golden_table(old_server: FakeApiServer, tmp_path: pathlib.Path) -> None:
    token = jwt({"sub": "system:serviceaccount:team:ci", "kubernetes.io": {"namespace": "team"}})
    code, out, err = run("whoami", "--kubeconfig", old_server.kubeconfig(tmp_path, token=token))

    assert code == 0, err
    compare_golden("whoami.table", out)

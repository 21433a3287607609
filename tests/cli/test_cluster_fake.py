"""whoami and check against a scripted API server (tests/unit/fake_apiserver.py):
what a real v1.37 server cannot show, such as a server without SelfSubjectReview
that still serves PodSecurityPolicies."""

from __future__ import annotations

import base64
import json
import pathlib
from collections.abc import Iterator

import pytest
import yaml
from click.testing import CliRunner

from kubectl_podsec.cli.main import cli
from tests.conftest import ROOT
from tests.unit.fake_apiserver import FakeApiServer, Reply, Seen, running

PSPS = list(yaml.safe_load_all((ROOT / "examples" / "psp" / "policies.yaml").read_text()))
ALLOWED = {("create", "pods", "", ""), ("use", "podsecuritypolicies", "", "privileged")}


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
    assert doc["namespace"] == "team"
    rows = {(p["verb"], p["resource"], p["subresource"], p["name"]): p for p in doc["permissions"]}
    assert rows[("create", "pods", None, None)] == {
        "verb": "create", "resource": "pods", "subresource": None, "name": None, "namespace": "team",
        "allowed": True, "risky": True,
        "why": "can create pods run privileged: enforce here is privileged:latest"}
    assert rows[("create", "pods", "exec", None)]["allowed"] is False
    priv = rows[("use", "podsecuritypolicies.policy", None, "privileged")]
    assert (priv["allowed"], priv["risky"], priv["why"]) == (
        True, True, "PodSecurityPolicy privileged is equivalent to privileged")
    assert rows[("use", "podsecuritypolicies.policy", None, "restricted")]["allowed"] is False
    assert doc["podSecurity"]["enforce"] == "privileged:latest"
    assert doc["podSecurity"]["source"].startswith("built-in defaults")


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

    code, out, err = run("check", "-f", str(pod), "--kubeconfig", old_server.kubeconfig(tmp_path), "-o", "json")

    result = json.loads(out)["results"][0]
    assert code == 1, err  # tcp_rmem is allowed by baseline only from v1.32
    assert result["policySource"] == "labels of the namespace in the cluster"
    assert result["evaluations"][0]["resolvedVersion"] == "v1.24"

"""whoami's permission rows, its risk rules, and its document."""

from __future__ import annotations

import base64
import json

import pytest

from kubectl_podsec.kube.options import Impersonation, expected_groups, impersonation, parse_timeout
from kubectl_podsec.errors import UsageError
from kubectl_podsec.whoami.identity import from_certificate, from_impersonation, from_token
from kubectl_podsec.whoami.permissions import (
    Grant, Permission, assess, cluster_permissions, document, namespaced_permissions,
)


def test_rows_for_a_namespace() -> None:
    rows = [p.describe() for p in namespaced_permissions("team")]
    assert rows == [
        "create pods", "create podtemplates", "create replicationcontrollers", "create replicasets.apps",
        "create deployments.apps", "create statefulsets.apps", "create daemonsets.apps", "create jobs.batch",
        "create cronjobs.batch", "create pods/exec", "update pods/ephemeralcontainers",
        "patch pods/ephemeralcontainers", "update namespaces team", "patch namespaces team",
        "impersonate serviceaccounts", "create rolebindings.rbac.authorization.k8s.io",
        "bind roles.rbac.authorization.k8s.io", "escalate roles.rbac.authorization.k8s.io",
    ]


def test_a_namespace_is_reviewed_as_the_api_server_authorizes_it() -> None:
    patch = next(p for p in namespaced_permissions("team") if p.describe() == "patch namespaces team")
    assert patch.attributes() == {"verb": "patch", "group": "", "resource": "namespaces",
                                  "name": "team", "namespace": "team"}
    exec_ = next(p for p in namespaced_permissions("team") if p.subresource == "exec")
    assert exec_.attributes() == {"verb": "create", "group": "", "resource": "pods",
                                  "subresource": "exec", "namespace": "team"}


def test_cluster_rows_and_podsecuritypolicies() -> None:
    assert [p.describe() for p in cluster_permissions(None)] == [
        "impersonate users", "impersonate groups", "impersonate uids.authentication.k8s.io",
        "bind clusterroles.rbac.authorization.k8s.io", "escalate clusterroles.rbac.authorization.k8s.io"]
    assert [p.describe() for p in cluster_permissions(["a", "b"])][-2:] == [
        "use podsecuritypolicies.policy a", "use podsecuritypolicies.policy b"]
    assert cluster_permissions([])[-1].describe() == "use podsecuritypolicies.policy"


CREATE_PODS = Permission("create", "pods", namespace="ns")
CREATE_DEPLOYMENTS = Permission("create", "deployments", "apps", namespace="ns")


@pytest.mark.parametrize("permission,allowed,enforce,risky,why", [
    (CREATE_PODS, True, "privileged:latest", True,
     "can create pods run privileged: enforce here is privileged:latest"),
    (CREATE_DEPLOYMENTS, True, "privileged:v1.30", True,
     "can create deployments, whose pods run privileged: enforce here is privileged:v1.30"),
    (CREATE_PODS, True, "baseline:latest", False, ""),
    (CREATE_PODS, True, None, False, "the namespace's enforce level could not be read"),
    (CREATE_PODS, False, "privileged:latest", False, ""),
    (Permission("create", "pods", subresource="exec", namespace="ns"), True, "restricted:latest", True,
     "can run commands in running containers, with their service account tokens and mounted secrets"),
    (Permission("patch", "namespaces", name="ns", namespace="ns"), True, None, True,
     "can relabel the namespace, and so switch Pod Security enforcement off"),
    (Permission("impersonate", "users"), True, None, True, "can act as any user, with all their rights"),
    (Permission("escalate", "clusterroles", "rbac.authorization.k8s.io"), True, None, True,
     "can add rights it does not hold to cluster roles"),
    (Permission("create", "rolebindings", "rbac.authorization.k8s.io", namespace="ns"), True, None, False, ""),
])
def test_risk_rules(permission: Permission, allowed: bool, enforce: str | None, risky: bool, why: str) -> None:
    assert assess(permission, allowed, enforce) == Grant(permission, allowed, risky, why)


@pytest.mark.parametrize("name,levels,risky,why", [
    ("restricted", {"restricted": "restricted"}, False, ""),
    ("priv", {"priv": "privileged"}, True, "PodSecurityPolicy priv is equivalent to privileged"),
    ("gone", {}, True, "PodSecurityPolicy gone could not be read to tell what it allows"),
    ("", {}, True, "can use any PodSecurityPolicy, the most permissive included"),
])
def test_podsecuritypolicy_use(name: str, levels: dict[str, str], risky: bool, why: str) -> None:
    grant = assess(Permission("use", "podsecuritypolicies", "policy", name=name), True, None, levels)
    assert (grant.risky, grant.why) == (risky, why)


def test_the_document_has_one_shape_with_and_without_every_namespace() -> None:
    user = {"username": "alice", "uid": "u", "groups": ["devs"], "extra": {"k": ["v"]}}
    section = {"namespace": "ns", "permissions": [assess(CREATE_PODS, True, "baseline:latest").to_dict()],
               "podSecurity": {"enforce": "baseline:latest"}}
    cluster_grant = assess(Permission("impersonate", "users"), False, None)

    one = document(user, "SelfSubjectReview", [section], [cluster_grant])
    assert list(one) == ["user", "identitySource", "permissions", "namespaces"]  # versioned by the command
    assert one["user"] == user
    assert one["namespaces"] == [section]
    assert one["permissions"] == [
        {"verb": "impersonate", "resource": "users", "subresource": None, "name": None, "namespace": None,
         "allowed": False, "risky": False, "why": None}]

    every = document(user, "SelfSubjectReview", [section, {**section, "namespace": "b"}], [cluster_grant])
    assert list(every) == list(one)
    assert [s["namespace"] for s in every["namespaces"]] == ["ns", "b"]
    assert len(every["permissions"]) == 1


# --- the identity: flags and guesses ----------------------------------------------------


def test_sa_shorthand_and_its_groups() -> None:
    sa = impersonation(None, (), None, "team/robot")
    assert sa == Impersonation("system:serviceaccount:team:robot")
    assert expected_groups(sa) == ("system:serviceaccounts", "system:serviceaccounts:team")
    with_group = impersonation(None, ("qa",), "7", "team/robot")
    assert expected_groups(with_group) == ("qa",)  # any --as-group turns the service account groups off
    assert with_group.uid == "7"
    assert expected_groups(impersonation("bob", (), None, None)) == ()


@pytest.mark.parametrize("args,message", [
    (("bob", (), None, "ns/sa"), "--sa and --as cannot be used together"),
    ((None, ("g",), None, None), "--as-group and --as-uid need --as or --sa"),
    ((None, (), "u", None), "--as-group and --as-uid need --as or --sa"),
    ((None, (), None, "robot"), '--sa: "robot" must be NAMESPACE/NAME'),
    ((None, (), None, "a/b/c"), '--sa: "a/b/c" must be NAMESPACE/NAME'),
])
def test_impersonation_flag_errors(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        impersonation(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize("text,seconds", [
    (None, None), ("0", None), ("5", 5.0), ("5s", 5.0), ("2m", 120.0), ("1h", 3600.0), ("250ms", 0.25)])
def test_request_timeout(text: str | None, seconds: float | None) -> None:
    assert parse_timeout(text) == seconds


def test_bad_request_timeout() -> None:
    with pytest.raises(UsageError, match='--request-timeout: invalid value "soon"'):
        parse_timeout("soon")


def jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS256'})}.{part(claims)}.sig"


def test_identity_from_a_service_account_token() -> None:
    bound = jwt({"sub": "system:serviceaccount:team:robot",
                 "kubernetes.io": {"namespace": "team", "serviceaccount": {"name": "robot", "uid": "u-1"}}})
    legacy = jwt({"sub": "system:serviceaccount:team:robot", "kubernetes.io/serviceaccount/namespace": "team"})
    expected = ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"]

    assert from_token("Bearer " + bound) == {"username": "system:serviceaccount:team:robot", "uid": "u-1",
                                             "groups": expected, "extra": {}}
    assert from_token(legacy)["groups"] == expected  # type: ignore[index]
    assert from_token(jwt({"sub": "alice@example.com", "iss": "https://oidc"})) is None
    assert from_token("opaque-token") is None
    assert from_token("a.b@@.c") is None


def test_identity_from_a_certificate_and_from_flags() -> None:
    subject = ((("organizationName", "devs"),), (("organizationName", "qa"),), (("commonName", "carol"),))
    assert from_certificate(subject) == {"username": "carol", "uid": "",
                                         "groups": ["devs", "qa", "system:authenticated"], "extra": {}}
    assert from_certificate(((("organizationName", "x"),),)) is None
    assert from_impersonation("system:serviceaccount:t:r", (), None)["groups"] == [
        "system:serviceaccounts", "system:serviceaccounts:t", "system:authenticated"]
    assert from_impersonation("system:serviceaccount:t:r", ("g",), "9") == {
        "username": "system:serviceaccount:t:r", "uid": "9", "groups": ["g", "system:authenticated"], "extra": {}}

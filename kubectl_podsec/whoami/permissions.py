"""The permissions that matter for pod security, and which grants are risky (pure).

`whoami` asks one SelfSubjectAccessReview per row, so it needs no RBAC read
access at all. A grant is risky when it lets its holder get round Pod
Security or gain rights they were not given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..kube.resources import WORKLOAD_RESOURCES

PSP_GROUP_VERSION = "policy/v1beta1"
RBAC_GROUP = "rbac.authorization.k8s.io"


class Permission(NamedTuple):
    verb: str
    resource: str
    group: str = ""
    subresource: str = ""
    name: str = ""
    namespace: str = ""  # "" for cluster-scoped rows

    def attributes(self) -> dict[str, str]:
        """The SelfSubjectAccessReview's resourceAttributes."""
        out = {"verb": self.verb, "group": self.group, "resource": self.resource}
        for key in ("subresource", "name", "namespace"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out

    def describe(self) -> str:
        resource = f"{self.resource}.{self.group}" if self.group else self.resource
        sub = f"/{self.subresource}" if self.subresource else ""
        name = f" {self.name}" if self.name else ""
        return f"{self.verb} {resource}{sub}{name}"


class Grant(NamedTuple):
    permission: Permission
    allowed: bool
    risky: bool = False
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        p = self.permission
        return {"verb": p.verb, "resource": f"{p.resource}.{p.group}" if p.group else p.resource,
                "subresource": p.subresource or None, "name": p.name or None,
                "namespace": p.namespace or None, "allowed": self.allowed, "risky": self.risky,
                "why": self.why or None}


def namespaced_permissions(namespace: str) -> list[Permission]:
    """The rows for one namespace. A namespace's own update and patch are asked
    with the namespace set to its name, as the API server authorizes them."""
    rows = [Permission("create", r.plural, r.group, namespace=namespace) for r in WORKLOAD_RESOURCES]
    rows += [
        Permission("create", "pods", subresource="exec", namespace=namespace),
        Permission("update", "pods", subresource="ephemeralcontainers", namespace=namespace),
        Permission("patch", "pods", subresource="ephemeralcontainers", namespace=namespace),
        Permission("update", "namespaces", name=namespace, namespace=namespace),
        Permission("patch", "namespaces", name=namespace, namespace=namespace),
        Permission("impersonate", "serviceaccounts", namespace=namespace),
        Permission("create", "rolebindings", RBAC_GROUP, namespace=namespace),
        Permission("bind", "roles", RBAC_GROUP, namespace=namespace),
        Permission("escalate", "roles", RBAC_GROUP, namespace=namespace),
    ]
    return rows


def cluster_permissions(psp_names: list[str] | None) -> list[Permission]:
    """The cluster-scoped rows; `use` per PodSecurityPolicy where the server
    serves them (an empty name: the policies could not be listed, so ask about any)."""
    rows = [
        Permission("impersonate", "users"),
        Permission("impersonate", "groups"),
        Permission("impersonate", "uids", "authentication.k8s.io"),
        Permission("bind", "clusterroles", RBAC_GROUP),
        Permission("escalate", "clusterroles", RBAC_GROUP),
    ]
    if psp_names is not None:
        rows += [Permission("use", "podsecuritypolicies", "policy", name=n) for n in psp_names or [""]]
    return rows


_ALWAYS_RISKY = {
    ("create", "pods", "exec"): "can run commands in running containers, with their service "
                                "account tokens and mounted secrets",
    ("update", "pods", "ephemeralcontainers"): "can add debug containers to running pods, sharing "
                                               "their process namespace and service account",
    ("patch", "pods", "ephemeralcontainers"): "can add debug containers to running pods, sharing "
                                              "their process namespace and service account",
    ("update", "namespaces", ""): "can relabel the namespace, and so switch Pod Security enforcement off",
    ("patch", "namespaces", ""): "can relabel the namespace, and so switch Pod Security enforcement off",
    ("impersonate", "users", ""): "can act as any user, with all their rights",
    ("impersonate", "groups", ""): "can act as any group, e.g. system:masters",
    ("impersonate", "uids", ""): "can act with any user ID",
    ("impersonate", "serviceaccounts", ""): "can act as the namespace's service accounts, with their rights",
    ("bind", "roles", ""): "can grant roles with rights it does not hold itself",
    ("bind", "clusterroles", ""): "can grant any cluster role, cluster-admin included",
    ("escalate", "roles", ""): "can add rights it does not hold to roles",
    ("escalate", "clusterroles", ""): "can add rights it does not hold to cluster roles",
}
_POD_CREATORS = {r.plural for r in WORKLOAD_RESOURCES}


def assess(permission: Permission, allowed: bool, enforce: str | None,
           psp_levels: Mapping[str, str] | None = None) -> Grant:
    """Whether a grant is risky, and why. `enforce` is the namespace's
    enforce level:version (None when it could not be read); `psp_levels` the
    Pod Security level each readable PSP is equivalent to."""
    if not allowed:
        return Grant(permission, False)
    p = permission
    why = _ALWAYS_RISKY.get((p.verb, p.resource, p.subresource))
    if why:
        return Grant(p, True, True, why)
    if p.verb == "create" and p.resource in _POD_CREATORS and not p.subresource:
        what = "pods" if p.resource == "pods" else f"{p.resource}, whose pods"
        if enforce is None:
            return Grant(p, True, False, "the namespace's enforce level could not be read")
        if enforce.startswith("privileged"):
            return Grant(p, True, True, f"can create {what} run privileged: enforce here is {enforce}")
        return Grant(p, True)
    if p.verb == "use" and p.resource == "podsecuritypolicies":
        level = (psp_levels or {}).get(p.name)
        if not p.name:
            return Grant(p, True, True, "can use any PodSecurityPolicy, the most permissive included")
        if level is None or level == "privileged":
            shown = "is equivalent to privileged" if level else "could not be read to tell what it allows"
            return Grant(p, True, True, f"PodSecurityPolicy {p.name} {shown}")
        return Grant(p, True)
    return Grant(p, True)


def document(user: Mapping[str, Any], source: str, sections: list[dict[str, Any]],
             cluster_grants: list[Grant]) -> dict[str, Any]:
    """The WhoamiReport, one shape with or without -A: {user, identitySource,
    permissions (the cluster-scoped rows), namespaces: [{namespace,
    permissions, podSecurity}]}."""
    user_info = {"username": user.get("username", ""), "uid": user.get("uid", ""),
                 "groups": list(user.get("groups") or []), "extra": dict(user.get("extra") or {})}
    return {"user": user_info, "identitySource": source,
            "permissions": [g.to_dict() for g in cluster_grants], "namespaces": sections}

"""`psp which` against the real PodSecurityPolicy admission plugin of Kubernetes
v1.24 (scripts/test-cluster up --profile psp): the chosen policy (the
`kubernetes.io/psp` annotation), the mutations, and the denial message of a
server dry-run create must be exactly what the offline engine predicts."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from kubectl_podsec.psp import Grants, simulate
from tests.conftest import ROOT

from .conftest import _session_cluster
from .control_plane import Cluster, eventually
from .podsec import may

POLICIES = list(yaml.safe_load_all((ROOT / "examples" / "psp" / "policies.yaml").read_text()))
# Sorts first and would mutate every pod: chosen only when nothing accepts a pod unchanged.
DEFAULTS = {
    "apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy", "metadata": {"name": "a-defaults"},
    "spec": {"privileged": False, "allowPrivilegeEscalation": False, "defaultAllowPrivilegeEscalation": False,
             "volumes": ["*"], "runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 2000}]},
             "seLinux": {"rule": "RunAsAny"}, "supplementalGroups": {"rule": "RunAsAny"},
             "fsGroup": {"rule": "RunAsAny"}},
}
ALL = [DEFAULTS, *POLICIES]


@pytest.fixture(scope="session")
def psp_cluster() -> Iterator[Cluster]:
    cluster = next(_session_cluster("psp"))
    assert cluster.version == "v1.24.17"
    cluster.kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": ALL}))
    yield cluster


def grant(cluster: Cluster, namespace: str, subject: dict[str, str], policies: list[str]) -> None:
    if not policies:
        return
    name = f"psp-{subject['name']}"
    rules = [{"apiGroups": ["policy"], "resources": ["podsecuritypolicies"], "verbs": ["use"],
              "resourceNames": policies},
             {"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]}]
    objects = [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": name, "namespace": namespace}, "rules": rules},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": name, "namespace": namespace},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
         "subjects": [subject]},
    ]
    cluster.kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))


def allow(cluster: Cluster, namespace: str, subject: dict[str, str], who: str, policies: list[str]) -> None:
    """`grant`, then wait until RBAC answers it for `who` (the subject's user name)."""
    grant(cluster, namespace, subject, policies)
    eventually(lambda: may(cluster, namespace, who, "use", "podsecuritypolicies", "policy", policies[0]),
               what=f"{who} may use {policies[0]}")


def pod(name: str, **container_sc: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "registry.example.com/app:1"}
    if container_sc:
        container["securityContext"] = container_sc
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [container]}}


_SECCOMP_FIELD = {"runtime/default": {"type": "RuntimeDefault"}, "docker/default": {"type": "RuntimeDefault"},
                  "unconfined": {"type": "Unconfined"}}


def after_create_strategy(pod: dict[str, Any]) -> dict[str, Any]:
    """What 1.24's pod strategy does after mutating admission, before storing:
    the seccomp version-skew sync copies the pod annotation a PSP set into the
    field (applySeccompVersionSkew). Not PSP's doing, so the engine leaves it out."""
    pod = copy.deepcopy(pod)
    value = (pod["metadata"].get("annotations") or {}).get("seccomp.security.alpha.kubernetes.io/pod")
    sc = pod["spec"].setdefault("securityContext", {})
    if value in _SECCOMP_FIELD and not sc.get("seccompProfile"):
        sc["seccompProfile"] = _SECCOMP_FIELD[value]
    return pod


SCENARIOS = [
    # (id, pod, policies alice may use, policies the pod's service account may use)
    ("plain pod, all policies: privileged accepts it unchanged", pod("plain"), ["*"], []),
    ("plain pod, restricted only: mutated", pod("mutated"), ["restricted"], []),
    ("plain pod, a-defaults and restricted: first by name mutates", pod("first"), ["a-defaults", "restricted"], []),
    ("privileged pod, restricted only: denied", pod("denied", privileged=True), ["restricted"], []),
    ("runAsUser out of range: denied by a-defaults", pod("range", runAsUser=5), ["a-defaults"], []),
    ("nothing authorised", pod("none"), [], []),
    ("authorised only through the service account", pod("viasa", privileged=True), [], ["privileged"]),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_psp_which_matches_the_admission_plugin(psp_cluster: Cluster, scenario: tuple[Any, ...]) -> None:
    _, manifest, user_policies, sa_policies = scenario
    namespace = psp_cluster.create_namespace("psp")
    manifest = copy.deepcopy(manifest)
    if sa_policies:
        psp_cluster.kubectl("-n", namespace, "create", "serviceaccount", "builder")
        manifest["spec"]["serviceAccountName"] = "builder"
        grant(psp_cluster, namespace, {"kind": "ServiceAccount", "name": "builder", "namespace": namespace},
              sa_policies)
    names = [p["metadata"]["name"] for p in ALL] if user_policies == ["*"] else user_policies
    grant(psp_cluster, namespace, {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"},
          names or [])
    if not names:  # alice still needs to create pods to reach admission
        grant(psp_cluster, namespace, {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"},
              ["no-such-policy"])

    server = psp_cluster.api("POST", f"/api/v1/namespaces/{namespace}/pods?dryRun=All", manifest, user="alice")
    offline = simulate({**manifest, "metadata": {**manifest["metadata"], "namespace": namespace}}, ALL,
                       Grants(user=names, service_account=sa_policies), namespace=namespace, automount=False)

    if server.status == 201:
        body = server.body
        assert offline.allowed, offline.message
        admitted = after_create_strategy(offline.pod)
        assert offline.policy == body["metadata"]["annotations"]["kubernetes.io/psp"]
        # The server's defaulting writes an empty pod securityContext; unset and {} are alike.
        assert (admitted["spec"].get("securityContext") or {}) == (body["spec"].get("securityContext") or {})
        got = [c.get("securityContext") or {} for c in admitted["spec"]["containers"]]
        assert got == [c.get("securityContext") or {} for c in body["spec"]["containers"]]
        assert admitted["metadata"].get("annotations", {}) == body["metadata"]["annotations"]
    else:
        assert server.status == 403, server.body
        assert not offline.allowed
        assert offline.message == server.body["message"]

"""Smoke tests: the test control plane is a real API server with RBAC, token users,
service accounts, impersonation and the PodSecurity admission controller."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from .control_plane import (
    Cluster,
    eventually,
    objects_manifest,
    pod_manifest,
    process_is_gone,
    profile_status,
    run_script,
)

ENFORCE = "pod-security.kubernetes.io/enforce"
BARE_POD_RESTRICTED_VIOLATIONS = (
    'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), '
    'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), '
    'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), '
    'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to '
    '"RuntimeDefault" or "Localhost")'
)


def self_access(cluster: Cluster, user: str, namespace: str, verb: str, resource: str) -> bool:
    """A SelfSubjectAccessReview posted with the user's own token."""
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"namespace": namespace, "verb": verb, "resource": resource}},
    }
    response = cluster.api("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review, user=user)
    assert response.status == 201, response.body
    return bool(response.body["status"]["allowed"])


def can_i(cluster: Cluster, verb: str, resource: str, namespace: str, *, as_user: str) -> str:
    """`kubectl auth can-i` as admin impersonating `as_user`: 'yes' or 'no'."""
    result = cluster.kubectl("auth", "can-i", verb, resource, "-n", namespace, f"--as={as_user}", check=False)
    return result.stdout.strip()


def who_am_i(cluster: Cluster, **credentials: str) -> dict[str, Any]:
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    response = cluster.api("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", review, **credentials)
    assert response.status == 201, response.body
    user_info: dict[str, Any] = response.body["status"]["userInfo"]
    return user_info


def dry_run_pod(cluster: Cluster, namespace: str, manifest: str, *options: str) -> subprocess.CompletedProcess[str]:
    """A server-side dry-run create (admission runs, nothing is stored); the result is not checked."""
    return cluster.kubectl("create", "--dry-run=server", "-n", namespace, "-f", "-", *options,
                           input=manifest, check=False)


# --- the server ----------------------------------------------------------------------------


def test_version_is_the_pinned_one(cluster: Cluster, pinned_version: str) -> None:
    response = cluster.api("GET", "/version")
    assert response.status == 200
    assert response.body["gitVersion"] == pinned_version
    assert cluster.version == pinned_version


def test_token_users_have_their_groups(cluster: Cluster) -> None:
    assert who_am_i(cluster, user="admin")["groups"] == ["system:masters", "system:authenticated"]
    assert who_am_i(cluster, user="alice")["groups"] == ["devs", "system:authenticated"]
    assert who_am_i(cluster, user="bob") == {"username": "bob", "uid": "bob", "groups": ["system:authenticated"]}


# --- RBAC ----------------------------------------------------------------------------------


def test_alice_is_denied_until_a_rolebinding_grants_her_pods(cluster: Cluster, namespace: str) -> None:
    assert not self_access(cluster, "alice", namespace, "list", "pods")
    assert can_i(cluster, "list", "pods", namespace, as_user="alice") == "no"
    denied = cluster.kubectl("get", "pods", "-n", namespace, context="alice", check=False)
    assert f'User "alice" cannot list resource "pods" in API group "" in the namespace "{namespace}"' in denied.stderr

    cluster.kubectl("create", "role", "pod-reader", "--verb=get,list", "--resource=pods", "-n", namespace)
    cluster.kubectl("create", "rolebinding", "alice-reads-pods", "--role=pod-reader", "--user=alice", "-n", namespace)

    eventually(lambda: self_access(cluster, "alice", namespace, "list", "pods"), what="alice may list pods")
    assert can_i(cluster, "list", "pods", namespace, as_user="alice") == "yes"
    assert can_i(cluster, "delete", "pods", namespace, as_user="alice") == "no"
    assert not self_access(cluster, "bob", namespace, "list", "pods")
    cluster.kubectl("get", "pods", "-n", namespace, context="alice")


def test_a_group_binding_applies_to_its_members_only(cluster: Cluster, namespace: str) -> None:
    cluster.kubectl("create", "role", "configmap-reader", "--verb=list", "--resource=configmaps", "-n", namespace)
    cluster.kubectl("create", "rolebinding", "devs-read-configmaps", "--role=configmap-reader", "--group=devs",
                    "-n", namespace)

    eventually(lambda: self_access(cluster, "alice", namespace, "list", "configmaps"), what="devs may list configmaps")
    assert not self_access(cluster, "bob", namespace, "list", "configmaps")
    assert can_i(cluster, "list", "configmaps", namespace, as_user="bob") == "no"


def test_service_accounts_can_be_impersonated_and_get_tokens(cluster: Cluster, namespace: str) -> None:
    account = f"system:serviceaccount:{namespace}:robot"
    cluster.kubectl("create", "serviceaccount", "robot", "-n", namespace)
    cluster.kubectl("create", "role", "pod-editor", "--verb=get,list,create", "--resource=pods", "-n", namespace)
    cluster.kubectl("create", "rolebinding", "robot-edits-pods", "--role=pod-editor",
                    f"--serviceaccount={namespace}:robot", "-n", namespace)

    eventually(lambda: can_i(cluster, "create", "pods", namespace, as_user=account) == "yes",
               what="the service account may create pods")
    assert can_i(cluster, "delete", "pods", namespace, as_user=account) == "no"
    assert can_i(cluster, "list", "pods", "default", as_user=account) == "no"
    cluster.kubectl("get", "pods", "-n", namespace, f"--as={account}")

    token = cluster.kubectl("create", "token", "robot", "-n", namespace).stdout.strip()
    identity = who_am_i(cluster, token=token)
    assert identity["username"] == account
    assert "system:serviceaccounts" in identity["groups"]


# --- PodSecurity admission -----------------------------------------------------------------


def test_baseline_namespace_rejects_a_privileged_pod_on_server_dry_run(cluster: Cluster, namespace: str) -> None:
    cluster.kubectl("label", "ns", namespace, f"{ENFORCE}=baseline")

    rejected = dry_run_pod(cluster, namespace, pod_manifest("priv", privileged=True))

    assert rejected.returncode == 1
    assert (
        'pods "priv" is forbidden: violates PodSecurity "baseline:latest": '
        'privileged (container "app" must not set securityContext.privileged=true)'
    ) in rejected.stderr
    missing = cluster.kubectl("get", "pod", "priv", "-n", namespace, check=False)
    assert 'pods "priv" not found' in missing.stderr


def test_server_dry_run_admits_without_persisting(cluster: Cluster, namespace: str) -> None:
    cluster.kubectl("label", "ns", namespace, f"{ENFORCE}=baseline")

    admitted = dry_run_pod(cluster, namespace, pod_manifest("plain"))

    assert admitted.returncode == 0, admitted.stderr
    assert admitted.stdout.strip() == "pod/plain created (server dry run)"
    missing = cluster.kubectl("get", "pod", "plain", "-n", namespace, check=False)
    assert 'pods "plain" not found' in missing.stderr


def test_label_dry_run_warns_about_existing_pods(cluster: Cluster, namespace: str) -> None:
    cluster.kubectl("create", "-n", namespace, "-f", "-", input=pod_manifest("priv", privileged=True))

    result = cluster.kubectl("label", "--dry-run=server", "--overwrite", "ns", namespace, f"{ENFORCE}=restricted")

    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning: ")]
    assert warnings == [
        f'Warning: existing pods in namespace "{namespace}" violate the new PodSecurity enforce level "restricted:latest"',
        "Warning: priv: privileged, allowPrivilegeEscalation != false, unrestricted capabilities, "
        "runAsNonRoot != true, seccompProfile",
    ]
    labels = cluster.kubectl("get", "ns", namespace, "-o", "jsonpath={.metadata.labels}").stdout
    assert ENFORCE not in labels


# --- the restricted profile ----------------------------------------------------------------


def test_restricted_profile_rejects_a_bare_pod_in_an_unlabelled_namespace(restricted_cluster: Cluster) -> None:
    namespace = restricted_cluster.create_namespace("unlabelled")

    rejected = dry_run_pod(restricted_cluster, namespace, pod_manifest("bare"))

    assert rejected.returncode == 1
    assert f'pods "bare" is forbidden: violates PodSecurity "restricted:latest": {BARE_POD_RESTRICTED_VIOLATIONS}' in (
        rejected.stderr
    )


def test_restricted_profile_admits_a_bare_pod_in_exempt_ns(restricted_cluster: Cluster) -> None:
    restricted_cluster.kubectl("apply", "-f", "-", input=objects_manifest([
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "exempt-ns"}},
    ]))

    admitted = dry_run_pod(restricted_cluster, "exempt-ns", pod_manifest("bare"))

    assert admitted.returncode == 0, admitted.stderr
    assert "Warning" not in admitted.stderr


def test_restricted_profile_exempts_runtime_class_exempt_rc(restricted_cluster: Cluster) -> None:
    namespace = restricted_cluster.create_namespace("runtime-class")
    restricted_cluster.kubectl("apply", "-f", "-", input=objects_manifest([
        {"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": {"name": "exempt-rc"}, "handler": "runc"},
    ]))

    admitted = dry_run_pod(restricted_cluster, namespace, pod_manifest("bare", runtime_class="exempt-rc"))

    assert admitted.returncode == 0, admitted.stderr


def test_restricted_profile_exempts_user_exempt_user(restricted_cluster: Cluster) -> None:
    namespace = restricted_cluster.create_namespace("exempt-user")
    restricted_cluster.kubectl("create", "role", "pod-creator", "--verb=create", "--resource=pods", "-n", namespace)
    restricted_cluster.kubectl("create", "rolebinding", "pod-creators", "--role=pod-creator",
                               "--user=exempt-user", "--user=bob", "-n", namespace)
    eventually(lambda: can_i(restricted_cluster, "create", "pods", namespace, as_user="bob") == "yes",
               what="bob may create pods")

    as_exempt = dry_run_pod(restricted_cluster, namespace, pod_manifest("bare"), "--as=exempt-user")
    as_bob = dry_run_pod(restricted_cluster, namespace, pod_manifest("bare"), "--as=bob")

    assert as_exempt.returncode == 0, as_exempt.stderr
    assert as_bob.returncode == 1
    assert 'violates PodSecurity "restricted:latest"' in as_bob.stderr


def test_admission_configs_are_exposed_for_the_plugin(cluster: Cluster, restricted_cluster: Cluster) -> None:
    default_config = cluster.admission_config.read_text()
    restricted_config = restricted_cluster.admission_config.read_text()

    assert "enforce: privileged" in default_config and '"exempt-ns"' not in default_config
    assert "enforce: restricted" in restricted_config
    assert 'namespaces: ["exempt-ns"]' in restricted_config
    assert 'runtimeClasses: ["exempt-rc"]' in restricted_config
    assert 'usernames: ["exempt-user"]' in restricted_config


# --- scripts/test-cluster itself, on its throwaway profile ---------------------------------


def test_up_is_idempotent_and_down_leaves_nothing_behind() -> None:
    first = run_script("up", "--profile", "scratch")
    assert first.returncode == 0, first.stderr
    kubeconfig = first.stdout.splitlines()[-1]
    again = run_script("up", "--profile", "scratch")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == kubeconfig

    status = profile_status("scratch")
    assert status["up"] and status["kubeconfig"] == kubeconfig
    pids = [process["pid"] for process in status["processes"].values()]

    down = run_script("down", "--profile", "scratch")

    assert down.returncode == 0, down.stderr
    assert all(process_is_gone(pid) for pid in pids)
    assert not Path(status["workdir"]).exists() and not Path(status["state_dir"]).exists()
    assert run_script("status", "--profile", "scratch").returncode == 1


def test_up_that_times_out_names_the_log_and_stops_what_it_started() -> None:
    failed = run_script("up", "--profile", "scratch", env={"PODSEC_CLUSTER_TIMEOUT": "0.1"})

    assert failed.returncode == 1
    last_line = failed.stderr.splitlines()[-1]
    assert "was not ready within 0.1 s; its log: " in last_line
    assert Path(last_line.rpartition("its log: ")[2]).is_file()
    status = profile_status("scratch")
    assert not status["up"]
    assert all(process_is_gone(process["pid"]) for process in status["processes"].values())

    assert run_script("down", "--profile", "scratch").returncode == 0
    assert not Path(status["workdir"]).exists()

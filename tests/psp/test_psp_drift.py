"""``psp mutated``: a running pod against its owner's template, in PSP-mutable fields only."""

from __future__ import annotations

from typing import Any

from kubectl_podsec.psp import Difference, Grants, find_drift, select_policy
from tests.psp.builders import container, pod, psp


def template(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    built = pod(*containers, **spec)
    return {"metadata": {"labels": {"app": "web"}}, "spec": built["spec"]}


def diffs(live: dict[str, Any], tmpl: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    return [(d.path, d.template, d.pod) for d in find_drift(live, tmpl).differences]


def test_identical_pod_is_not_mutated() -> None:
    drift = find_drift(pod(annotations={"kubernetes.io/psp": "restricted"}), template())
    assert drift.policy == "restricted" and not drift.mutated and drift.differences == ()


def test_server_defaulting_is_ignored() -> None:
    live = pod({"name": "app", "image": "nginx", "imagePullPolicy": "Always",
                "terminationMessagePath": "/dev/termination-log", "resources": {},
                "volumeMounts": [{"name": "kube-api-access-abcde", "readOnly": True,
                                  "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]},
               dnsPolicy="ClusterFirst", restartPolicy="Always", schedulerName="default-scheduler",
               serviceAccountName="default", serviceAccount="default", nodeName="node-1",
               securityContext={}, enableServiceLinks=True,
               tolerations=[{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}],
               volumes=[{"name": "kube-api-access-abcde", "projected": {"sources": []}}])
    assert diffs(live, template()) == []


def test_policy_mutations_are_found() -> None:
    live = pod(container(runAsUser=1000, allowPrivilegeEscalation=False,
                         capabilities={"drop": ["ALL"]}),
               annotations={"kubernetes.io/psp": "restricted",
                            "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
                            "container.apparmor.security.beta.kubernetes.io/app": "runtime/default"},
               securityContext={"fsGroup": 1, "supplementalGroups": [1],
                                "seLinuxOptions": {"level": "s0"}},
               runtimeClassName="gvisor")
    assert diffs(live, template()) == [
        ("spec.securityContext.supplementalGroups", None, [1]),
        ("spec.securityContext.fsGroup", None, 1),
        ("spec.securityContext.seLinuxOptions", None, {"level": "s0"}),
        ("spec.runtimeClassName", None, "gvisor"),
        ("metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]", None, "runtime/default"),
        ("metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]", None, "runtime/default"),
        ("spec.containers[0].securityContext.runAsUser", None, 1000),
        ("spec.containers[0].securityContext.allowPrivilegeEscalation", None, False),
        ("spec.containers[0].securityContext.capabilities.drop", None, ["ALL"]),
    ]
    assert find_drift(live, template()).policy == "restricted"


def test_seccomp_field_sync_is_not_a_mutation() -> None:
    field = {"seccompProfile": {"type": "RuntimeDefault"}}
    live = pod(securityContext=field,
               annotations={"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"})
    assert diffs(live, template(securityContext=field)) == []


def test_containers_match_by_name_and_sidecars_are_skipped() -> None:
    live = pod(container("sidecar", runAsUser=1337), container("app", readOnlyRootFilesystem=True),
               initContainers=[container("init", runAsNonRoot=True)])
    tmpl = template(container("app"), initContainers=[container("init")])
    assert diffs(live, tmpl) == [
        ("spec.initContainers[0].securityContext.runAsNonRoot", None, True),
        ("spec.containers[1].securityContext.readOnlyRootFilesystem", None, True),
    ]


def test_host_ports_compare_after_host_network_defaulting() -> None:
    tmpl = template({"name": "app", "ports": [{"containerPort": 80}]}, hostNetwork=True)
    live = pod({"name": "app", "ports": [{"containerPort": 80, "hostPort": 80}]}, hostNetwork=True)
    assert diffs(live, tmpl) == []
    moved = pod({"name": "app", "ports": [{"containerPort": 80, "hostPort": 8080}]}, hostNetwork=True)
    assert diffs(moved, tmpl) == [("spec.containers[0].ports[0].hostPort", 80, 8080)]


def test_round_trip_with_the_engine() -> None:
    policy = psp("restricted", runAsUser={"rule": "MustRunAsNonRoot"}, requiredDropCapabilities=["ALL"])
    tmpl = template()
    admitted = select_policy({"kind": "Pod", **tmpl}, [policy], Grants(user={"*"})).pod
    drift = find_drift(admitted, tmpl)
    assert drift.policy == "restricted"
    assert drift.differences == (
        Difference("spec.containers[0].securityContext.runAsNonRoot", None, True),
        Difference("spec.containers[0].securityContext.capabilities.drop", None, ["ALL"]),
    )

"""What the API server does before PSP runs, and ``simulate`` end to end."""

from __future__ import annotations

from typing import Any

from kubectl_podsec.psp import Grants, Operation, prepare_pod, simulate
from kubectl_podsec.psp.preparation import token_projection
from tests.psp.builders import container, pod, psp

ALL = Grants(user={"*"})
TOKEN_MOUNT = {"name": "kube-api-access-xxxxx", "readOnly": True,
               "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}


def changes(prepared: Any) -> list[tuple[str, Any, Any]]:
    return [(m.path, m.old, m.new) for m in prepared.changes]


def test_create_adds_service_account_and_token() -> None:
    prepared = prepare_pod(pod(container("a"), initContainers=[container("i")]))
    assert changes(prepared) == [
        ("spec.serviceAccountName", None, "default"),
        ("spec.initContainers[0].volumeMounts[0]", None, TOKEN_MOUNT),
        ("spec.containers[0].volumeMounts[0]", None, TOKEN_MOUNT),
        ("spec.volumes[0]", None, {"name": "kube-api-access-xxxxx", "projected": token_projection()}),
    ]


def test_automount_off_and_existing_mounts() -> None:
    assert changes(prepare_pod(pod(automountServiceAccountToken=False))) == [
        ("spec.serviceAccountName", None, "default")]
    assert changes(prepare_pod(pod(), automount=False)) == [
        ("spec.serviceAccountName", None, "default")]
    mounted = pod({"name": "app", "volumeMounts": [
        {"name": "mine", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]},
        serviceAccountName="builder")
    assert changes(prepare_pod(mounted)) == []


def test_deprecated_service_account_and_mirror_pods() -> None:
    prepared = prepare_pod(pod(serviceAccount="legacy", automountServiceAccountToken=False))
    assert changes(prepared) == [("spec.serviceAccountName", None, "legacy")]
    mirror = pod(annotations={"kubernetes.io/config.mirror": "x"})
    assert changes(prepare_pod(mirror)) == []


def test_defaulting_applies_to_updates_too() -> None:
    subject = pod({"name": "app", "ports": [{"containerPort": 8080}, {"containerPort": 53, "hostPort": 5353}]},
                  hostNetwork=True, volumes=[{"name": "scratch"}])
    assert changes(prepare_pod(subject, Operation.UPDATE)) == [
        ("spec.containers[0].ports[0].hostPort", None, 8080),
        ("spec.volumes[0].emptyDir", None, {}),
    ]


def test_simulate_create_with_token_volume() -> None:
    secrets_only = psp("secrets", volumes=["secret"])
    admission = simulate(pod(), [secrets_only], ALL)
    assert admission.policy == "secrets" and admission.mutations == ()
    assert [m.path for m in admission.preparation][0] == "spec.serviceAccountName"
    config_maps = psp("config-maps", volumes=["configMap"])
    rejected = simulate(pod(), [config_maps], ALL)
    assert rejected.message == (
        'pods "web" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.volumes[0]: Invalid value: '
        '"projected": projected volumes are not allowed to be used]')


def test_simulate_host_network_ports() -> None:
    subject = pod({"name": "app", "ports": [{"containerPort": 8080}]}, hostNetwork=True,
                  automountServiceAccountToken=False)
    admission = simulate(subject, [psp("net", hostNetwork=True, hostPorts=[{"min": 80, "max": 80}])], ALL)
    assert admission.errors == (
        "spec.containers[0].hostPort: Invalid value: 8080: Host port 8080 is not allowed to be used. "
        "Allowed ports: [80]",)


def test_simulate_authorises_the_default_service_account() -> None:
    admission = simulate(pod(automountServiceAccountToken=False), [psp("a")],
                         Grants(service_account={"a"}))
    assert admission.policy == "a"


def test_update_changing_only_gc_fields_is_ignored() -> None:
    old = pod(container(privileged=True))
    new = pod(container(privileged=True))
    new["metadata"]["finalizers"] = ["example.com/x"]
    admission = simulate(new, [psp("a")], ALL, operation=Operation.UPDATE, old_pod=old)
    assert admission.allowed and admission.ignored and admission.verdicts == ()
    new["metadata"]["labels"] = {"x": "y"}
    checked = simulate(new, [psp("a")], ALL, operation=Operation.UPDATE, old_pod=old)
    assert not checked.allowed
    assert checked.reason == ("PodSecurityPolicy: unable to validate pod: [spec.containers[0].securityContext."
                              "privileged: Invalid value: true: Privileged containers are not allowed]")

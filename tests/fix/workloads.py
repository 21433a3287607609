"""A seeded generator of workloads that fail Pod Security levels in many ways,
every one of them valid for the API server (so the server's verdict is about
Pod Security, not about a malformed object)."""

from __future__ import annotations

import random
from typing import Any

SEED = 20261203
KINDS = ("Pod", "PodTemplate", "ReplicationController", "ReplicaSet", "Deployment", "StatefulSet",
         "DaemonSet", "Job", "CronJob")
_API = {"Pod": "v1", "PodTemplate": "v1", "ReplicationController": "v1", "ReplicaSet": "apps/v1",
        "Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "Job": "batch/v1",
        "CronJob": "batch/v1"}
IMAGE = "registry.example.com/app:1.0"


def _maybe(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def _container_context(rng: random.Random, wild: float) -> dict[str, Any] | None:
    if _maybe(rng, 0.3):
        return None
    sc: dict[str, Any] = {}
    privileged = _maybe(rng, 0.12 * wild)
    if privileged:
        sc["privileged"] = True
    ape = rng.choice((None, True if _maybe(rng, wild) else None, False))
    if ape is not None and not (ape is False and privileged):
        sc["allowPrivilegeEscalation"] = ape
    if _maybe(rng, 0.5):
        caps: dict[str, Any] = {}
        add = rng.sample(("NET_BIND_SERVICE", "CHOWN", "SYS_ADMIN", "NET_RAW", "SYS_PTRACE", "CAP_SYS_ADMIN"),
                         rng.randint(0, 2)) if _maybe(rng, wild) else []
        if sc.get("allowPrivilegeEscalation") is False:
            add = [c for c in add if c != "CAP_SYS_ADMIN"]
        if add:
            caps["add"] = add
        drop = rng.choice((None, ["ALL"], ["NET_RAW"], []))
        if drop is not None:
            caps["drop"] = drop
        sc["capabilities"] = caps
    for key, values in (("runAsNonRoot", (True, False)), ("runAsUser", (1000, 0)),
                        ("seccompProfile", ({"type": "RuntimeDefault"}, {"type": "Unconfined"})),
                        ("appArmorProfile", ({"type": "RuntimeDefault"}, {"type": "Unconfined"})),
                        ("seLinuxOptions", ({"type": "spc_t"}, {"level": "s0:c1,c2"}, {"user": "system_u"}))):
        if _maybe(rng, 0.2):
            sc[key] = values[0] if key != "seLinuxOptions" and not _maybe(rng, wild) else rng.choice(values)
    return sc


def _container(rng: random.Random, name: str, host_network: bool, wild: float, init: bool = False) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name, "image": IMAGE}
    if _maybe(rng, 0.4):
        port: dict[str, Any] = {"containerPort": 8080 + int(name[1:])}  # host ports must not clash
        if host_network or _maybe(rng, 0.3 * wild):
            port["hostPort"] = port["containerPort"]
        c["ports"] = [port]
    if not init and _maybe(rng, 0.1 * wild):  # init containers may not have one
        c["readinessProbe"] = {"httpGet": {"path": "/", "port": 8080, "host": "localhost"}}
    sc = _container_context(rng, wild)
    if sc is not None:
        c["securityContext"] = sc
    return c


def _pod_spec(rng: random.Random, restart: str) -> dict[str, Any]:
    wild = rng.choice((0.0, 0.0, 0.3, 1.0))  # how likely a forbidden value is, per field
    spec: dict[str, Any] = {}
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if _maybe(rng, 0.08 * wild):
            spec[key] = True
    host_network = spec.get("hostNetwork") is True
    names = [f"c{i}" for i in range(rng.randint(1, 3))]
    init = names[:1] if len(names) > 1 and _maybe(rng, 0.5) else []
    if init:
        spec["initContainers"] = [_container(rng, n, host_network, wild, True) for n in init]
    spec["containers"] = [_container(rng, n, host_network, wild) for n in names if n not in init]
    if _maybe(rng, 0.6):
        psc: dict[str, Any] = {}
        for key, values in (("runAsNonRoot", (True, False)), ("runAsUser", (1000, 0, 65534)),
                            ("seccompProfile", ({"type": "RuntimeDefault"}, {"type": "Unconfined"}))):
            if _maybe(rng, 0.3):
                psc[key] = rng.choice(values) if _maybe(rng, wild) else values[0]
        if _maybe(rng, 0.15 * wild) and not spec.get("hostIPC"):  # IPC sysctls need their own namespace
            psc["sysctls"] = [{"name": "kernel.shm_rmid_forced", "value": "0"}, {"name": "kernel.msgmax", "value": "65536"}]
        spec["securityContext"] = psc
    volumes = []
    if _maybe(rng, 0.2 * wild):
        volumes.append({"name": "host", "hostPath": {"path": "/var/log"}})
    if _maybe(rng, 0.1 * wild):
        volumes.append({"name": "share", "nfs": {"server": "nfs.example.com", "path": "/export"}})
    if _maybe(rng, 0.3):
        volumes.append({"name": "scratch", "emptyDir": {}})
    if volumes:
        spec["volumes"] = volumes
    if restart != "Always":
        spec["restartPolicy"] = restart
    return spec


def workload(rng: random.Random, index: int, kind: str | None = None) -> dict[str, Any]:
    kind = kind or rng.choice(KINDS)
    name = f"gen-{index}-{kind.lower()}"
    labels = {"app": name}
    restart = "Never" if kind in ("Job", "CronJob") else "Always"
    template: dict[str, Any] = {"metadata": {"labels": labels}, "spec": _pod_spec(rng, restart)}
    annotations = {}
    spec = template["spec"]
    c0 = next(c for c in spec.get("initContainers", []) + spec["containers"] if c["name"] == "c0")
    # The deprecated annotations, which old policy versions and servers read;
    # the API server refuses one that disagrees with its field.
    if _maybe(rng, 0.1) and "appArmorProfile" not in c0.get("securityContext", {}):
        annotations["container.apparmor.security.beta.kubernetes.io/c0"] = rng.choice(("unconfined", "runtime/default"))
    if _maybe(rng, 0.1) and "seccompProfile" not in spec.get("securityContext", {}):
        annotations["seccomp.security.alpha.kubernetes.io/pod"] = rng.choice(("unconfined", "runtime/default"))
    if annotations:
        template["metadata"]["annotations"] = annotations
    obj: dict[str, Any] = {"apiVersion": _API[kind], "kind": kind, "metadata": {"name": name}}
    if kind == "Pod":
        obj["metadata"]["labels"] = labels
        obj["spec"] = template["spec"]
    elif kind == "PodTemplate":
        obj["template"] = template
    elif kind == "ReplicationController":
        obj["spec"] = {"replicas": 1, "selector": labels, "template": template}
    elif kind == "Job":
        obj["spec"] = {"template": template}
    elif kind == "CronJob":
        obj["spec"] = {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}
    else:
        obj["spec"] = {"selector": {"matchLabels": labels}, "template": template}
    return obj


def workloads(count: int, seed: int = SEED) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [workload(rng, i, KINDS[i % len(KINDS)]) for i in range(count)]

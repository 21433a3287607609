"""A seeded generator of valid workloads of every pod-creating kind, for the differential test
against the real controllers (test_controller_pods.py).

Each pod template draws the fields Pod Security reads (host namespaces, ports, privileged,
capabilities, volumes, users, seccomp and AppArmor as fields and as annotations, sysctls,
SELinux) so that every level passes some and fails others. Only specs the API server's
validation accepts are drawn: a validation error would be no ground truth about Pod Security.
"""

from __future__ import annotations

import random
from typing import Any

KINDS = ("ReplicationController", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
_API = {"ReplicationController": "v1", "Job": "batch/v1", "CronJob": "batch/v1"}
_VOLUMES: tuple[dict[str, Any], ...] = (
    {"emptyDir": {}}, {"configMap": {"name": "c"}}, {"secret": {"secretName": "s"}},
    {"hostPath": {"path": "/var/log"}}, {"hostPath": {"path": "/", "type": "Directory"}},
    {"persistentVolumeClaim": {"claimName": "pvc"}}, {"nfs": {"server": "nfs.example", "path": "/x"}},
    {"projected": {"sources": [{"configMap": {"name": "c"}}]}}, {"downwardAPI": {"items": []}},
)
_CAPS = ("NET_BIND_SERVICE", "CHOWN", "NET_ADMIN", "SYS_ADMIN", "KILL", "AUDIT_WRITE")
_SECCOMP = ({"type": "RuntimeDefault"}, {"type": "Unconfined"}, {"type": "Localhost", "localhostProfile": "p.json"})
_SECCOMP_ANNOTATIONS = ("runtime/default", "unconfined", "docker/default", "localhost/p.json")
_APPARMOR = ("runtime/default", "unconfined", "localhost/profile")
_SYSCTLS = (("kernel.shm_rmid_forced", "0"), ("net.ipv4.ping_group_range", "0 1"), ("kernel.msgmax", "8192"),
            ("net.ipv4.ip_unprivileged_port_start", "80"))


class Generator:
    """Workloads from one seed: the same seed gives the same workloads."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def security_context(self, restricted_like: bool) -> dict[str, Any]:
        """A container's securityContext; restricted_like draws mostly compliant values."""
        r, sc = self.rng, dict[str, Any]()
        if restricted_like or self.chance(0.3):
            sc["allowPrivilegeEscalation"] = not restricted_like and self.chance(0.3)
        if not restricted_like and self.chance(0.15):
            sc["privileged"] = True
            sc.pop("allowPrivilegeEscalation", None)  # privileged with false is invalid
        caps: dict[str, Any] = {}
        if restricted_like or self.chance(0.3):
            caps["drop"] = ["ALL"] if restricted_like or self.chance(0.5) else ["NET_RAW"]
        if self.chance(0.35):  # mostly the one capability restricted allows, when restricted_like
            caps["add"] = ["NET_BIND_SERVICE"] if restricted_like and self.chance(0.8) else r.sample(
                _CAPS, r.randint(1, 2))
        if caps:
            sc["capabilities"] = caps
        if restricted_like or self.chance(0.3):
            sc["runAsNonRoot"] = restricted_like or self.chance(0.5)
        if self.chance(0.2):
            sc["runAsUser"] = 1000 if restricted_like and self.chance(0.8) else r.choice((0, 1000))
        if self.chance(0.25):
            sc["seccompProfile"] = dict(_SECCOMP[0] if restricted_like and self.chance(0.8) else r.choice(_SECCOMP))
        if self.chance(0.08):
            sc["seLinuxOptions"] = {"type": r.choice(("container_t", "spc_t"))}
        return sc

    def container(self, name: str, restricted_like: bool, host_network: bool, port: int) -> dict[str, Any]:
        c: dict[str, Any] = {"name": name, "image": "registry.example/app:1"}
        sc = self.security_context(restricted_like)
        if sc:
            c["securityContext"] = sc
        if self.chance(0.5):
            entry: dict[str, Any] = {"containerPort": port}
            if not restricted_like and self.chance(0.3):  # with host networking a host port must equal the container port
                entry["hostPort"] = port if host_network else port + 10000
            c["ports"] = [entry]
        return c

    def pod_spec(self, kind: str) -> tuple[dict[str, Any], dict[str, str]]:
        """(spec, annotations) of a pod template."""
        r = self.rng
        restricted_like = self.chance(0.45)
        spec: dict[str, Any] = {}
        for field, p in (("hostNetwork", 0.15), ("hostPID", 0.07), ("hostIPC", 0.07)):
            if not restricted_like and self.chance(p):
                spec[field] = True
        names = ["app", "side"][: r.randint(1, 2)]
        ports = r.sample(range(1000, 9000), 3)
        spec["containers"] = [self.container(n, restricted_like, spec.get("hostNetwork", False), ports[i])
                              for i, n in enumerate(names)]
        if self.chance(0.25):
            spec["initContainers"] = [self.container("init", restricted_like, spec.get("hostNetwork", False),
                                                     ports[2])]
        pod_sc: dict[str, Any] = {}
        if restricted_like and self.chance(0.8):
            pod_sc["seccompProfile"] = {"type": "RuntimeDefault"}
        if restricted_like and self.chance(0.8):
            pod_sc["runAsNonRoot"] = True
        allowed_sysctls = self.sysctls(spec)
        if allowed_sysctls and self.chance(0.1):
            pod_sc["sysctls"] = [{"name": k, "value": v} for k, v in r.sample(allowed_sysctls, 1)]
        if self.chance(0.1):
            pod_sc["runAsUser"] = 1001 if restricted_like and self.chance(0.8) else r.choice((0, 1001))
        if pod_sc:
            spec["securityContext"] = pod_sc
        if self.chance(0.5):  # hostPath (3, 4) and nfs (6) are the ones restricted refuses
            pool = [v for i, v in enumerate(_VOLUMES) if i not in (3, 4, 6)] if restricted_like and self.chance(
                0.8) else list(_VOLUMES)
            spec["volumes"] = [{"name": f"v{i}", **r.choice(pool)} for i in range(r.randint(1, 3))]
        if kind in ("Job", "CronJob"):
            spec["restartPolicy"] = r.choice(("Never", "OnFailure"))
        return spec, self.annotations(spec)

    @staticmethod
    def sysctls(spec: dict[str, Any]) -> list[tuple[str, str]]:
        """Validation refuses net.* sysctls with hostNetwork, IPC ones with hostIPC."""
        return [(k, v) for k, v in _SYSCTLS
                if not (spec.get("hostNetwork") and k.startswith("net."))
                and not (spec.get("hostIPC") and k.startswith(("kernel.shm", "kernel.msg")))]

    def annotations(self, spec: dict[str, Any]) -> dict[str, str]:
        """AppArmor and seccomp annotations; a seccomp annotation only where no field is set
        (validation refuses the two when they differ)."""
        r, out = self.rng, {}
        containers = [c for key in ("containers", "initContainers") for c in spec.get(key) or []]
        if self.chance(0.15):
            out[f"container.apparmor.security.beta.kubernetes.io/{r.choice(containers)['name']}"] = r.choice(
                _APPARMOR)
        if self.chance(0.08) and "seccompProfile" not in spec.get("securityContext", {}):
            out["seccomp.security.alpha.kubernetes.io/pod"] = r.choice(_SECCOMP_ANNOTATIONS)
        bare = [c["name"] for c in containers if "seccompProfile" not in c.get("securityContext", {})]
        if bare and self.chance(0.05):
            out[f"container.seccomp.security.alpha.kubernetes.io/{r.choice(bare)}"] = r.choice(
                _SECCOMP_ANNOTATIONS)
        return out

    def workload(self, kind: str, name: str) -> dict[str, Any]:
        spec, annotations = self.pod_spec(kind)
        labels = {"app": name}
        template: dict[str, Any] = {"metadata": {"labels": labels}, "spec": spec}
        if annotations:
            template["metadata"]["annotations"] = annotations
        obj: dict[str, Any] = {"apiVersion": _API.get(kind, "apps/v1"), "kind": kind, "metadata": {"name": name}}
        if kind == "CronJob":  # suspended: its Jobs are made by hand, as kubectl create job --from does
            obj["spec"] = {"schedule": "0 0 1 1 *", "suspend": True, "jobTemplate": {"spec": {"template": template}}}
        elif kind == "Job":
            obj["spec"] = {"template": template, "backoffLimit": 0}
            if self.chance(0.3):
                obj["spec"].update(completionMode="Indexed", completions=1)
                if self.chance(0.5):
                    obj["spec"].update(backoffLimitPerIndex=1)
                    del obj["spec"]["backoffLimit"]
        else:
            obj["spec"] = {"replicas": 1, "template": template,
                           "selector": labels if kind == "ReplicationController" else {"matchLabels": labels}}
        if kind == "StatefulSet":
            self.claims(obj["spec"], spec)
        if kind == "DaemonSet":
            del obj["spec"]["replicas"]
        return obj

    def claims(self, sts: dict[str, Any], spec: dict[str, Any]) -> None:
        """volumeClaimTemplates, half of them named like a template volume they then replace."""
        sts["serviceName"] = "svc"
        if not self.chance(0.6):
            return
        volumes = [v["name"] for v in spec.get("volumes") or []]
        names = [self.rng.choice(volumes)] if volumes and self.chance(0.6) else ["data"]
        sts["volumeClaimTemplates"] = [{"metadata": {"name": n}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}} for n in names]
        # the claim needs a mount only when nothing else uses it; mount it to be an ordinary set
        spec["containers"][0].setdefault("volumeMounts", []).append({"name": names[0], "mountPath": "/data"})

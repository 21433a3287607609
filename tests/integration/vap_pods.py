"""A seeded generator of Pods the API server accepts (valid objects), varied in every field
Pod Security looks at, for comparing an exported ValidatingAdmissionPolicy with Pod Security
Admission on the real server.

Unlike tests/conformance/podgen.py (any decodable pod, for the Go library), these pods must get
past the API server's own validation, or neither admission layer would ever see them: so no
ephemeral containers on create, hostPort equals containerPort with hostNetwork, procMount only
with hostUsers false, one source per volume, Windows pods without Linux-only fields.
"""

from __future__ import annotations

import random
from typing import Any

SEED = 20261203
CAPABILITIES = ("NET_BIND_SERVICE", "CHOWN", "KILL", "SETUID", "SYS_ADMIN", "NET_RAW", "BPF", "ALL", "chown")
PROFILE_TYPES = ("RuntimeDefault", "Localhost", "Unconfined")
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
APPARMOR_VALUES = ("runtime/default", "localhost/profile", "unconfined")
SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER = "container.seccomp.security.alpha.kubernetes.io/"
SECCOMP_VALUES = ("runtime/default", "docker/default", "localhost/profile.json", "unconfined")
SELINUX_TYPES = ("container_t", "container_init_t", "container_kvm_t", "container_engine_t", "spc_t", "")
SYSCTLS = (
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_rmem", "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat", "kernel.msgmax", "net.core.somaxconn",
)
HOSTS = ("localhost", "127.0.0.1", "example.com")
RESTRICTED_VOLUMES = (
    {"hostPath": {"path": "/var/run"}}, {"nfs": {"server": "nfs.example", "path": "/"}},
    {"gitRepo": {"repository": "https://example.com/r.git"}},
    {"awsElasticBlockStore": {"volumeID": "vol-1"}}, {"flexVolume": {"driver": "example/flex"}},
    {"cephfs": {"monitors": ["10.0.0.1:6789"]}},
)
ALLOWED_VOLUMES = (
    {"emptyDir": {}}, {"configMap": {"name": "c"}}, {"secret": {"secretName": "s"}},
    {"persistentVolumeClaim": {"claimName": "p"}}, {"csi": {"driver": "csi.example"}},
    {"downwardAPI": {}}, {"projected": {"sources": []}}, {"image": {"reference": "registry.k8s.io/pause"}},
    {},  # no source: the API server makes it an emptyDir
)


class ValidPods:
    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.odd = 0.0

    def maybe(self) -> bool:
        return self.rng.random() < self.odd

    def pick(self, options: Any) -> Any:
        return self.rng.choice(options)

    def pod(self, name: str) -> dict[str, Any]:
        self.odd = self.pick((0.03, 0.1, 0.25))
        hardened = self.rng.random() < 0.6
        windows = self.rng.random() < 0.06
        user_ns = not windows and self.rng.random() < 0.15
        names = ([f"init{i}" for i in range(self.pick((0, 0, 1, 2)))],
                 [f"app{i}" for i in range(self.pick((1, 1, 2, 3)))])
        spec: dict[str, Any] = {
            "initContainers": [self.container(n, hardened, windows, user_ns, init=True) for n in names[0]],
            "containers": [self.container(n, hardened, windows, user_ns, init=False) for n in names[1]],
        }
        if not spec["initContainers"]:
            del spec["initContainers"]
        if windows:
            spec["os"] = {"name": "windows"}
        elif self.maybe():
            spec["os"] = {"name": "linux"}
        if user_ns:
            spec["hostUsers"] = False
        else:
            self.host_namespaces(spec, windows)
        shares_host = bool(spec.get("hostNetwork") or spec.get("hostIPC"))
        spec["securityContext"] = self.pod_security_context(hardened, windows, shares_host)
        volumes = [{"name": f"vol{i}", **self.volume()} for i in range(self.pick((0, 0, 1, 2)))]
        if volumes:
            spec["volumes"] = volumes
        self.fix_ports(spec)
        metadata: dict[str, Any] = {"name": name}
        annotations = {} if windows else self.annotations(names[0] + names[1], spec)
        if annotations:
            metadata["annotations"] = annotations
        return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}

    def host_namespaces(self, spec: dict[str, Any], windows: bool) -> None:
        for key in ("hostNetwork",) if windows else ("hostNetwork", "hostPID", "hostIPC"):
            if self.maybe():
                spec[key] = self.pick((True, True, False))
        if self.maybe() and not windows:
            spec["hostUsers"] = True

    @staticmethod
    def fix_ports(spec: dict[str, Any]) -> None:
        """Validation: with hostNetwork a hostPort equals its containerPort; no hostPort twice."""
        seen: set[int] = set()
        for c in spec.get("initContainers", []) + spec["containers"]:
            for port in c.get("ports", []):
                if spec.get("hostNetwork"):
                    port["hostPort"] = port["containerPort"]
                if port.get("hostPort") in seen or port["containerPort"] in seen:
                    port.pop("hostPort", None)
                    port["containerPort"] += 10000 + len(seen)
                seen.update({port["containerPort"], port.get("hostPort", port["containerPort"])})
                if spec.get("hostNetwork"):
                    port["hostPort"] = port["containerPort"]
                    if seen and len(seen) % 2:
                        del port["hostPort"]  # the API server defaults it to the containerPort

    def pod_security_context(self, hardened: bool, windows: bool, host_shared: bool) -> dict[str, Any]:
        sc: dict[str, Any] = {}
        if hardened:
            sc["runAsNonRoot"] = True
        if self.maybe():
            sc["runAsNonRoot"] = self.pick((True, False))
        if windows:
            return sc
        if hardened:
            sc["seccompProfile"] = {"type": "RuntimeDefault"}
        if self.maybe():
            sc["seccompProfile"] = self.profile()
        if self.maybe():
            sc["appArmorProfile"] = self.profile()
        if self.maybe():
            sc["runAsUser"] = self.pick((0, 1000))
        if self.maybe():
            sc["seLinuxOptions"] = self.selinux()
        if self.maybe() and not host_shared:  # validation: no namespaced sysctls in host namespaces
            sc["sysctls"] = [{"name": n, "value": "1"} for n in self.rng.sample(SYSCTLS, self.pick((1, 2)))]
        return sc

    def container(self, name: str, hardened: bool, windows: bool, user_ns: bool, init: bool) -> dict[str, Any]:
        c: dict[str, Any] = {"name": name, "image": "registry.k8s.io/pause:3.10"}
        sc: dict[str, Any] = {}
        if not windows:
            if hardened:
                sc.update(allowPrivilegeEscalation=False, capabilities={"drop": ["ALL"]})
            self.linux_container_fields(sc, user_ns)
        if self.maybe():
            sc["runAsNonRoot"] = self.pick((True, False))
        if sc:
            c["securityContext"] = sc
        if self.maybe():
            c["ports"] = [{"containerPort": self.rng.randint(1, 9000)} for _ in range(self.pick((1, 2)))]
            for port in c["ports"]:
                if self.rng.random() < 0.5:
                    port["hostPort"] = self.pick((80, 8080, 9, 10))
        if not init and self.maybe():
            c[self.pick(("livenessProbe", "readinessProbe"))] = self.handler()
        if self.maybe():
            c["lifecycle"] = {self.pick(("postStart", "preStop")): self.handler()}
            if init:
                c["restartPolicy"] = "Always"  # only sidecars may have lifecycle hooks
        return c

    def linux_container_fields(self, sc: dict[str, Any], user_ns: bool) -> None:
        if self.maybe():
            sc["allowPrivilegeEscalation"] = self.pick((True, False))
        if self.maybe() and sc.get("allowPrivilegeEscalation") is not False:
            sc["privileged"] = self.pick((True, False))
        if self.maybe():
            caps = {k: self.rng.sample(CAPABILITIES, self.pick((1, 2))) for k in ("add", "drop") if self.rng.random() < 0.6}
            if sc.get("allowPrivilegeEscalation") is False:
                caps.pop("add", None)  # validation: CAP_SYS_ADMIN and escalation=false clash
            sc["capabilities"] = caps
        for key, make in (("runAsUser", lambda: self.pick((0, 1000))), ("seLinuxOptions", self.selinux),
                          ("seccompProfile", self.profile), ("appArmorProfile", self.profile)):
            if self.maybe():
                sc[key] = make()
        if user_ns and self.rng.random() < 0.3:
            sc["procMount"] = self.pick(("Unmasked", "Default"))
        elif self.maybe():
            sc["procMount"] = "Default"

    def profile(self) -> dict[str, Any]:
        kind = self.pick(PROFILE_TYPES)
        return {"type": kind, "localhostProfile": "p.json"} if kind == "Localhost" else {"type": kind}

    def selinux(self) -> dict[str, Any]:
        opts = {"type": self.pick(SELINUX_TYPES)}
        if self.rng.random() < 0.2:
            opts["user"] = "system_u"
        if self.rng.random() < 0.2:
            opts["role"] = "system_r"
        return opts

    def handler(self) -> dict[str, Any]:
        host = {"host": self.pick(HOSTS)} if self.rng.random() < 0.6 else {}
        if self.rng.random() < 0.5:
            return {"httpGet": {"path": "/", "port": 8080, **host}}
        return {"tcpSocket": {"port": 8080, **host}}

    def volume(self) -> dict[str, Any]:
        return dict(self.pick(RESTRICTED_VOLUMES) if self.maybe() else self.pick(ALLOWED_VOLUMES))

    def annotations(self, names: list[str], spec: dict[str, Any]) -> dict[str, str]:
        found: dict[str, str] = {}
        by_name = {c["name"]: c for c in spec["containers"] + spec.get("initContainers", [])}
        for name in names:
            sc = by_name[name].get("securityContext", {})
            if self.maybe() and "appArmorProfile" not in sc and "appArmorProfile" not in spec["securityContext"]:
                found[APPARMOR_ANNOTATION + name] = self.pick(APPARMOR_VALUES)
            if self.maybe() and "seccompProfile" not in sc:
                found[SECCOMP_CONTAINER + name] = self.pick(SECCOMP_VALUES)
        if self.maybe() and "seccompProfile" not in spec["securityContext"]:
            found[SECCOMP_POD] = self.pick(SECCOMP_VALUES)
        return found


def valid_pods(count: int, seed: int = SEED) -> list[dict[str, Any]]:
    generator = ValidPods(seed)
    return [generator.pod(f"pod-{i}") for i in range(count)]

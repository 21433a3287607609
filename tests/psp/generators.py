"""Seeded random PodSecurityPolicies and pods for differential tests against the oracle.

Values are drawn from small pools that sit on the boundaries the engine cares about (UID 0,
range edges, path prefixes, profile lists with trailing commas...), so a few thousand cases
cover every strategy and most combinations.
"""

from __future__ import annotations

import random
from typing import Any

CAPABILITIES = ("NET_ADMIN", "NET_RAW", "CHOWN", "ALL", "SYS_TIME")
SECCOMP = "seccomp.security.alpha.kubernetes.io/"
APPARMOR = "apparmor.security.beta.kubernetes.io/"
POD_PROFILES = (
    (SECCOMP + "pod", ("runtime/default", "unconfined", "")),
    ("container." + SECCOMP + "a", ("runtime/default", "unconfined", "")),
    ("container." + APPARMOR + "a", ("runtime/default", "localhost/a", "")),
)
SELINUX_VALUES = ("", "s0", "s0:c1,c2", "s0:c2,c1", "container_t", "spc_t", "system_u", "system_r")


class Generator:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)

    def chance(self, p: float = 0.5) -> bool:
        return self.rnd.random() < p

    def pick(self, *values: Any) -> Any:
        return self.rnd.choice(values)

    def some(self, values: tuple[Any, ...], most: int = 2) -> list[Any]:
        return self.rnd.sample(values, self.rnd.randint(0, most))

    def strategy(self, *rules: str) -> dict[str, Any]:
        rule = self.pick(*rules)
        built: dict[str, Any] = {"rule": rule}
        if rule in ("MustRunAs", "MayRunAs") or self.chance(0.2):
            starts = self.rnd.sample([0, 1, 5, 1000, 2000], self.pick(1, 2))
            built["ranges"] = [{"min": s, "max": s + self.pick(0, 10, 1000)} for s in starts]
        return built

    def selinux_options(self) -> dict[str, str]:
        fields = self.rnd.sample(["user", "role", "type", "level"], self.rnd.randint(0, 3))
        return {f: self.pick(*SELINUX_VALUES) for f in fields}

    def policy(self, name: str) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "runAsUser": self.strategy("RunAsAny", "MustRunAs", "MustRunAsNonRoot"),
            "seLinux": self.pick({"rule": "RunAsAny"},
                                 {"rule": "MustRunAs", "seLinuxOptions": self.selinux_options()}),
            "supplementalGroups": self.strategy("RunAsAny", "MustRunAs", "MayRunAs"),
            "fsGroup": self.strategy("RunAsAny", "MustRunAs", "MayRunAs"),
        }
        if self.chance(0.4):
            spec["runAsGroup"] = self.strategy("RunAsAny", "MustRunAs", "MayRunAs")
        for flag in ("privileged", "hostNetwork", "hostPID", "hostIPC", "readOnlyRootFilesystem"):
            if self.chance(0.3):
                spec[flag] = self.chance()
        if self.chance():
            spec["allowPrivilegeEscalation"] = self.chance()
        if self.chance(0.3) and spec.get("allowPrivilegeEscalation", True):
            spec["defaultAllowPrivilegeEscalation"] = self.chance()
        for field in ("defaultAddCapabilities", "requiredDropCapabilities", "allowedCapabilities"):
            if self.chance(0.4):
                pool = CAPABILITIES + ("*",) if field == "allowedCapabilities" else CAPABILITIES
                spec[field] = self.some(pool)
        if self.chance(0.7):
            spec["volumes"] = self.some(("*", "secret", "hostPath", "configMap", "emptyDir", "projected",
                                         "flexVolume", "csi"), 3)
        if self.chance(0.3):
            spec["hostPorts"] = [{"min": p, "max": p + self.pick(0, 100)} for p in self.some((80, 443, 8080))]
        if self.chance(0.3):
            spec["allowedHostPaths"] = [{"pathPrefix": self.pick("/foo", "/foo/", "/var/log", "/"),
                                         "readOnly": self.chance()} for _ in range(self.pick(1, 2))]
        if self.chance(0.2):
            spec["allowedFlexVolumes"] = [{"driver": self.pick("a/b", "c/d")}]
        if self.chance(0.2):
            spec["allowedCSIDrivers"] = [{"name": self.pick("x", "y")}]
        if self.chance(0.3):
            spec["allowedUnsafeSysctls"] = [self.pick("net.*", "kernel.msgmax", "*")]
        if self.chance(0.3):
            spec["forbiddenSysctls"] = [self.pick("net.ipv4.*", "kernel.shm_rmid_forced", "*")]
        if self.chance(0.2):
            spec["allowedProcMountTypes"] = self.some(("Default", "Unmasked")) or ["Default"]
        if self.chance(0.3):
            runtime: dict[str, Any] = {"allowedRuntimeClassNames": self.some(("*", "gvisor", "kata"))}
            if self.chance():
                runtime["defaultRuntimeClassName"] = self.pick("gvisor", "kata")
            spec["runtimeClass"] = runtime
        return {"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy",
                "metadata": {"name": name, "annotations": self.policy_annotations()}, "spec": spec}

    def policy_annotations(self) -> dict[str, str]:
        notes = {}
        if self.chance(0.4):
            notes[SECCOMP + "allowedProfileNames"] = self.pick(
                "runtime/default", "runtime/default,", "docker/default", "*", "localhost/a,unconfined", "")
        if self.chance(0.3):
            notes[SECCOMP + "defaultProfileName"] = self.pick(
                "runtime/default", "docker/default", "unconfined")
        if self.chance(0.3):
            notes[APPARMOR + "allowedProfileNames"] = self.pick(
                "runtime/default", "runtime/default,", "localhost/a,unconfined", "")
        if self.chance(0.3):
            notes[APPARMOR + "defaultProfileName"] = self.pick("runtime/default", "localhost/a")
        return notes

    def security_context(self, pod_level: bool) -> dict[str, Any]:
        context: dict[str, Any] = {}
        for field in ("runAsUser", "runAsGroup"):
            if self.chance(0.3):
                context[field] = self.pick(0, 1, 1000, 1500, 5000)
        if self.chance(0.3):
            context["runAsNonRoot"] = self.chance()
        if self.chance(0.2):
            context["seLinuxOptions"] = self.selinux_options()
        if self.chance(0.2):
            context["seccompProfile"] = self.pick({"type": "RuntimeDefault"}, {"type": "Unconfined"},
                                                  {"type": "Localhost", "localhostProfile": "a"})
        if pod_level:
            if self.chance(0.3):
                context["supplementalGroups"] = self.some((0, 1, 5, 1000))
            if self.chance(0.3):
                context["fsGroup"] = self.pick(0, 1, 1000)
            if self.chance(0.2):
                context["sysctls"] = [{"name": self.pick("net.core.somaxconn", "kernel.shm_rmid_forced",
                                                         "kernel.msgmax"), "value": "1"}]
            return context
        for flag in ("privileged", "readOnlyRootFilesystem", "allowPrivilegeEscalation"):
            if self.chance(0.3):
                context[flag] = self.chance()
        if self.chance(0.2):
            context["procMount"] = self.pick("Default", "Unmasked")
        if self.chance(0.4):
            context["capabilities"] = {k: self.some(CAPABILITIES) for k in ("add", "drop") if self.chance()}
        return context

    def container(self, name: str) -> dict[str, Any]:
        built: dict[str, Any] = {"name": name, "image": "registry.example/app"}
        if self.chance(0.7):
            built["securityContext"] = self.security_context(pod_level=False)
        if self.chance(0.3):
            built["ports"] = [{"containerPort": 80, "hostPort": self.pick(0, 80, 8080, 443)}]
        if self.chance(0.3):
            built["volumeMounts"] = [{"name": "v", "mountPath": "/m", "readOnly": self.chance()}]
        return built

    def volume(self) -> dict[str, Any]:
        volume: dict[str, Any] = self.pick(
            {"name": "v", "hostPath": {"path": self.pick("/foo", "/foobar", "/foo/bar", "/var/log", "/etc")}},
            {"name": "v", "secret": {"secretName": "s"}}, {"name": "v", "emptyDir": {}},
            {"name": "v", "flexVolume": {"driver": self.pick("a/b", "z/z")}},
            {"name": "v", "csi": {"driver": self.pick("x", "q")}},
            {"name": "v", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
            {"name": "v", "cephfs": {"monitors": ["m"]}})
        return volume

    def pod(self) -> dict[str, Any]:
        notes = {}
        for key, values in POD_PROFILES:
            if self.chance(0.2):
                notes[key] = self.pick(*values)
        containers = [self.container("a")] + ([self.container("b")] if self.chance(0.3) else [])
        spec: dict[str, Any] = {"containers": containers}
        if self.chance(0.3):
            spec["initContainers"] = [self.container("i")]
        if self.chance(0.6):
            spec["securityContext"] = self.security_context(pod_level=True)
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if self.chance(0.15):
                spec[flag] = True
        if self.chance(0.4):
            spec["volumes"] = [self.volume()]
        if self.chance(0.2):
            spec["runtimeClassName"] = self.pick("gvisor", "kata")
        metadata = {"name": "web", "annotations": notes}
        return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}

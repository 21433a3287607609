"""A deterministic generator of varied pods for the differential test against the Go oracle.

Pods are plain dicts with the Kubernetes JSON keys, typed so that Go decodes every one of them
into a corev1.Pod. Each pod draws an "oddness": the chance that any one field takes an unusual
value (a forbidden setting, null, an empty object, a wrong-case string...) instead of its usual
one. Half the pods start hardened (restricted-compliant), so every level sees allowed pods too.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

SEED = 20240607
ABSENT: Any = object()  # the key is left out

ODDNESS = (0.02, 0.08, 0.2, 0.45)
ODD_NAMES = ("", 'we"ird', "back\\slash", "ünïcödé", "名前", "with space", "a, b", "dup", "dup", ABSENT, None)
CAPABILITIES = (
    "ALL", "all", "NET_BIND_SERVICE", "net_bind_service", "CAP_NET_BIND_SERVICE", "CHOWN", "chown",
    "CAP_CHOWN", "AUDIT_WRITE", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "SETFCAP",
    "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT", "SYS_ADMIN", "CAP_SYS_ADMIN", "NET_RAW", "BPF", "",
)  # fmt: skip
PROFILE_TYPES = ("RuntimeDefault", "Localhost", "Unconfined", "", "runtimedefault", "Bogus", None)
SECCOMP_POD_KEY = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
SECCOMP_VALUES = (
    "runtime/default", "docker/default", "localhost/profile.json", "localhost/", "localhost",
    "unconfined", "", "Runtime/Default", 'say "hi"',
)  # fmt: skip
APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
# The bad ones are printed with Go %q: quotes, backslashes, controls, non-printable runes.
APPARMOR_VALUES = (
    "runtime/default", "localhost/profile", "localhost/", "", "unconfined", "bogus", 'q"uote',
    "back\\slash", "tab\there", "new\nline", "\x01\x7f", "\x85", "é", "\u200b", "\ue000", "😀", "\U0010ffff",
)  # fmt: skip
SELINUX_TYPES = ("", "container_t", "container_init_t", "container_kvm_t", "container_engine_t", "spc_t", "Container_t")
PROC_MOUNTS = ("Default", "Unmasked", "", "default", "other")
SYSCTLS = (
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat",
    "kernel.msgmax", "net.core.somaxconn", "Kernel.Shm_rmid_forced", "",
)  # fmt: skip
HOSTS = ("localhost", "127.0.0.1", "::1", "example.com", "a.com", "b.com", "", ABSENT, None)
HOST_PORTS = (0, 80, 8080, 9, 10, 443, 65535, -1, ABSENT, None)
USER_IDS = (0, 1, 1000, 65534, 2**31, 2**40, None)
OS_NAMES = ("windows", "Windows", "linux", "", None)
ALLOWED_SOURCES = (
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret",
)  # fmt: skip
RESTRICTED_SOURCES = (
    "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd",
    "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos",
)  # fmt: skip
UNKNOWN_SOURCES = ("futureVolume", "HostPath")  # Go ignores both: the volume has no source


def generate_pods(count: int, seed: int = SEED) -> list[dict[str, Any]]:
    generator = PodGenerator(seed)
    return [generator.pod(index) for index in range(count)]


def _fill(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not ABSENT}


class PodGenerator:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._oddness = 0.0
        self._hardened = False

    def _choose(self, *options: Any) -> Any:
        """One option; a callable option is called to build the value."""
        value = self._rng.choice(options)
        return value() if callable(value) else value

    def _pick(self, usual: Any, *unusual: Any) -> Any:
        """The usual value, or with this pod's oddness one of the unusual ones."""
        if self._rng.random() < self._oddness:
            return self._choose(*unusual)
        return usual

    def _some(self, make: Callable[[], Any], most: int) -> list[Any]:
        return [make() for _ in range(self._rng.randint(1, most))]

    def pod(self, index: int) -> dict[str, Any]:
        self._oddness = self._rng.choice(ODDNESS)
        self._hardened = self._rng.random() < 0.5
        init = [self._container(name) for name in self._names("init", self._rng.choice((0, 0, 1, 2)))]
        regular = [self._container(name) for name in self._names("app", self._rng.choice((1, 1, 2, 3)))]
        ephemeral = [self._ephemeral(name) for name in self._names("debug", self._rng.choice((0, 0, 0, 1, 2)))]
        names = [str(c.get("name") or "") for c in (*init, *regular, *ephemeral)]
        spec = _fill({
            "initContainers": init or self._pick(ABSENT, [], None),
            "containers": regular,
            "ephemeralContainers": ephemeral or self._pick(ABSENT, [], None),
            "hostNetwork": self._pick(ABSENT, True, False, None),
            "hostPID": self._pick(ABSENT, True, False, None),
            "hostIPC": self._pick(ABSENT, True, False, None),
            "hostUsers": self._choose(ABSENT, ABSENT, True, False, False, None),
            "os": self._choose(ABSENT, ABSENT, ABSENT, {"name": "linux"}, {"name": "windows"}, self._odd_os),
            "securityContext": self._pod_security_context(),
            "volumes": [self._volume(i) for i in range(self._rng.randint(0, 3))] or self._pick(ABSENT, [], None),
        })  # fmt: skip
        metadata = _fill({"name": f"pod-{index}", "namespace": "default", "annotations": self._annotations(names)})
        return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}

    def _odd_os(self) -> Any:
        return self._choose(*({"name": name} for name in OS_NAMES), {}, None)

    def _names(self, prefix: str, count: int) -> list[Any]:
        return [self._pick(f"{prefix}{i}", *ODD_NAMES) for i in range(count)]

    def _annotations(self, names: list[str]) -> Any:
        annotations: dict[str, str] = {}
        if self._pick(False, True):
            annotations[SECCOMP_POD_KEY] = self._choose(*SECCOMP_VALUES)
        for name in (*names, "no-such-container"):
            if self._pick(False, True):
                annotations[SECCOMP_CONTAINER_PREFIX + name] = self._choose(*SECCOMP_VALUES)
            if self._pick(False, True):
                annotations[APPARMOR_PREFIX + name] = self._choose(*APPARMOR_VALUES)
        if self._pick(False, True):
            annotations[APPARMOR_PREFIX] = self._choose(*APPARMOR_VALUES)  # the bare prefix counts too
        if self._pick(False, True):
            annotations["example.com/unrelated"] = "x"
        return annotations or self._choose(ABSENT, ABSENT, {}, None)

    def _pod_security_context(self) -> Any:
        if self._pick(False, True):
            return self._choose(ABSENT, None, {})
        hardened = self._hardened
        return _fill({
            "runAsNonRoot": self._pick(True if hardened else ABSENT, True, False, None),
            "runAsUser": self._pick(ABSENT, *USER_IDS),
            "runAsGroup": self._pick(ABSENT, 0, 3000),
            "fsGroup": self._pick(ABSENT, 0, 2000),
            "seccompProfile": self._pick({"type": "RuntimeDefault"} if hardened else ABSENT, self._profile, None),
            "appArmorProfile": self._pick(ABSENT, self._profile, None),
            "seLinuxOptions": self._pick(ABSENT, self._selinux_options, None),
            "windowsOptions": self._pick(ABSENT, self._windows_options, None),
            "sysctls": self._pick(ABSENT, self._sysctls, [], None),
        })  # fmt: skip

    def _container(self, name: Any) -> dict[str, Any]:
        return _fill({
            "name": name,
            "image": "registry.k8s.io/pause",
            "ports": self._pick(ABSENT, self._ports, [], None),
            "securityContext": self._container_security_context(),
            "livenessProbe": self._pick(ABSENT, self._probe, None),
            "readinessProbe": self._pick(ABSENT, self._probe, None),
            "startupProbe": self._pick(ABSENT, self._probe, None),
            "lifecycle": self._pick(ABSENT, self._lifecycle, {}, None),
        })  # fmt: skip

    def _ephemeral(self, name: Any) -> dict[str, Any]:
        # EphemeralContainer inlines the container fields, plus targetContainerName.
        return {**self._container(name), **_fill({"targetContainerName": self._choose(ABSENT, "app0")})}

    def _container_security_context(self) -> Any:
        if self._pick(False, True):
            return self._choose(ABSENT, None, {})
        hardened = self._hardened
        return _fill({
            "privileged": self._pick(ABSENT, True, False, None),
            "allowPrivilegeEscalation": self._pick(False if hardened else ABSENT, True, False, None, ABSENT),
            "capabilities": self._pick({"drop": ["ALL"]} if hardened else ABSENT, self._capabilities, {}, None),
            "runAsNonRoot": self._pick(ABSENT, True, False, None),
            "runAsUser": self._pick(ABSENT, *USER_IDS),
            "procMount": self._pick(ABSENT, *PROC_MOUNTS, None),
            "seLinuxOptions": self._pick(ABSENT, self._selinux_options, None),
            "seccompProfile": self._pick(ABSENT, self._profile, None),
            "appArmorProfile": self._pick(ABSENT, self._profile, None),
            "windowsOptions": self._pick(ABSENT, self._windows_options, None),
            "readOnlyRootFilesystem": self._pick(ABSENT, True, False),
        })  # fmt: skip

    def _capabilities(self) -> dict[str, Any]:
        def names() -> list[str]:
            return self._some(lambda: self._choose(*CAPABILITIES), 3)

        return _fill({"add": self._choose(ABSENT, None, [], names), "drop": self._choose(ABSENT, None, [], names)})

    def _profile(self) -> dict[str, Any]:
        """A seccomp or AppArmor profile; both have type and localhostProfile."""
        return _fill({"type": self._choose(*PROFILE_TYPES), "localhostProfile": self._choose(ABSENT, "p.json", None)})

    def _selinux_options(self) -> dict[str, Any]:
        return _fill({
            "type": self._choose(ABSENT, None, *SELINUX_TYPES),
            "user": self._choose(ABSENT, ABSENT, "system_u", "", None),
            "role": self._choose(ABSENT, ABSENT, "system_r", "", None),
            "level": self._choose(ABSENT, "s0:c123,c456", ""),
        })  # fmt: skip

    def _windows_options(self) -> dict[str, Any]:
        return _fill({
            "hostProcess": self._choose(True, False, None, ABSENT),
            "runAsUserName": self._choose(ABSENT, "ContainerUser"),
        })  # fmt: skip

    def _sysctls(self) -> list[dict[str, str]]:
        return self._some(lambda: {"name": self._choose(*SYSCTLS), "value": "1"}, 3)

    def _ports(self) -> list[dict[str, Any]]:
        def port() -> dict[str, Any]:
            return _fill({"containerPort": self._rng.randint(1, 9000), "hostPort": self._choose(*HOST_PORTS)})

        return self._some(port, 3)

    def _handler(self, kinds: tuple[str, ...]) -> dict[str, Any]:
        """A probe or lifecycle handler; now and then two kinds at once (decodable, if invalid)."""
        builders: dict[str, Callable[[], dict[str, Any]]] = {
            "httpGet": lambda: _fill({"path": "/", "port": self._choose(8080, "http"), "host": self._choose(*HOSTS)}),
            "tcpSocket": lambda: _fill({"port": self._choose(8080, "http"), "host": self._choose(*HOSTS)}),
            "exec": lambda: {"command": ["true"]},
            "grpc": lambda: {"port": 9090},
            "sleep": lambda: {"seconds": 1},
        }
        chosen = self._rng.sample(kinds, self._choose(1, 1, 1, 2))
        return {kind: builders[kind]() for kind in chosen}

    def _probe(self) -> dict[str, Any]:
        return {**self._handler(("httpGet", "tcpSocket", "exec", "grpc")), "periodSeconds": 10}

    def _lifecycle(self) -> dict[str, Any]:
        return _fill({
            "postStart": self._choose(ABSENT, None, self._lifecycle_handler),
            "preStop": self._choose(ABSENT, None, self._lifecycle_handler),
        })  # fmt: skip

    def _lifecycle_handler(self) -> dict[str, Any]:
        return self._handler(("httpGet", "tcpSocket", "exec", "sleep"))

    def _volume(self, index: int) -> dict[str, Any]:
        name = self._pick(f"vol{index}", "", 'v"ol', "dup", "dup")
        source = self._pick(
            self._allowed_source(),
            self._restricted_source,
            self._restricted_source,
            lambda: {self._choose(*UNKNOWN_SOURCES): {}},
            dict,  # no source at all
            lambda: {self._choose(*ALLOWED_SOURCES, *RESTRICTED_SOURCES): None},
            lambda: {**self._restricted_source(), **self._allowed_source()},  # any allowed source wins
            lambda: {**self._restricted_source(), **self._restricted_source()},  # precedence names it
            lambda: {"hostPath": {"path": "/var/run", "type": "Directory"}},
        )
        return {"name": name, **source}

    def _allowed_source(self) -> dict[str, Any]:
        return {self._choose(*ALLOWED_SOURCES): {}}

    def _restricted_source(self) -> dict[str, Any]:
        return {self._choose(*RESTRICTED_SOURCES): {}}

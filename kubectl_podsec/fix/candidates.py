"""The edits that could make each failing check pass (pure).

Generous on purpose: the planner keeps only the edits the object needs
(plan.py). Fields the manifest leaves unset are set by default; a field the
manifest sets to a forbidden value was someone's decision, so changing it
needs its name in `--also` (ALSO below), and the change is flagged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from .edits import Action, Edit, Path

# --also NAME -> what it changes (README: docs-fix.md).
ALSO: dict[str, str] = {
    "allowPrivilegeEscalation": "allowPrivilegeEscalation: true becomes false",
    "appArmor": "AppArmor profiles other than RuntimeDefault/Localhost become RuntimeDefault",
    "capabilities": "added capabilities beyond the level's set are removed from capabilities.add",
    "hostIPC": "hostIPC: true becomes false",
    "hostNetwork": "hostNetwork: true becomes false",
    "hostPID": "hostPID: true becomes false",
    "hostPath": "hostPath volumes become emptyDir volumes",
    "hostPorts": "hostPort is removed from container ports",
    "hostProcess": "windowsOptions.hostProcess: true becomes false",
    "privileged": "privileged: true becomes false",
    "probeHosts": "host is removed from probes and lifecycle handlers",
    "procMount": "procMount becomes Default",
    "runAsNonRoot": "runAsNonRoot: false becomes true",
    "runAsUser": "runAsUser: 0 is removed",
    "seLinux": "forbidden seLinuxOptions type, user and role are removed",
    "seccomp": "seccomp profiles other than RuntimeDefault/Localhost become RuntimeDefault",
    "sysctls": "unsafe sysctls are removed",
    "volumes": "volumes of restricted types (other than hostPath) become emptyDir volumes",
}

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
_BASELINE_CAPS = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                            "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})
# The smallest safe set (v1.0): names safe only at later versions are offered too,
# and dropped by the planner where the version allows them.
_SAFE_SYSCTLS = frozenset({"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                           "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"})
_SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
_PROFILE_TYPES = ("RuntimeDefault", "Localhost")
_RESTRICTED_SOURCES = ("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
                       "persistentVolumeClaim", "projected", "secret")
_APPARMOR = "container.apparmor.security.beta.kubernetes.io/"
_SECCOMP_POD, _SECCOMP = "seccomp.security.alpha.kubernetes.io/pod", "container.seccomp.security.alpha.kubernetes.io/"
_RUNTIME_DEFAULT = {"type": "RuntimeDefault"}

NOTE_NON_ROOT = ("{} not start if {} image runs as root or names its user by name "
                 "(set runAsUser to a non-zero UID then)")


def _non_root_note(names: list[str]) -> str | None:
    if not names:
        return None
    quoted = ", ".join(f'"{n}"' for n in names)
    subject = f"container {quoted} does" if len(names) == 1 else f"containers {quoted} do"
    return NOTE_NON_ROOT.format(subject, "its" if len(names) == 1 else "an")
NOTE_DROP_ALL = "the process loses every capability (binding ports below 1024, chown, setuid)"
NOTE_BEHAVIOUR = "behaviour changes: the workload may no longer work as before"


class Pod:
    """The pod template's metadata and spec as plain dicts, with where they sit."""

    def __init__(self, meta: Mapping[str, Any], spec: Mapping[str, Any], prefix: Path) -> None:
        self.meta, self.spec, self.prefix = meta, spec, prefix

    def containers(self) -> Iterator[tuple[Path, Mapping[str, Any]]]:
        for kind in CONTAINER_LISTS:
            items = self.spec.get(kind)
            for i, c in enumerate(items if isinstance(items, list) else ()):
                if isinstance(c, dict):
                    yield self.prefix + ("spec", kind, i), c

    def pod_context(self) -> tuple[Path, Mapping[str, Any]]:
        return self.prefix + ("spec", "securityContext"), _dict(self.spec.get("securityContext"))

    def contexts(self) -> Iterator[tuple[Path, Mapping[str, Any]]]:
        """The pod's security context, then each container's."""
        yield self.pod_context()
        for path, c in self.containers():
            yield path + ("securityContext",), _dict(c.get("securityContext"))

    def annotations(self) -> Iterator[tuple[Path, str, Any]]:
        annotations = self.meta.get("annotations")
        for key, value in (annotations.items() if isinstance(annotations, dict) else ()):
            yield self.prefix + ("metadata", "annotations", key), str(key), value


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _set(path: Path, value: Any, check: str, also: str | None = None, note: str | None = None) -> Edit:
    return Edit(Action.SET, path, (check,), value, also, note if note or also is None else NOTE_BEHAVIOUR)


def _remove(path: Path, check: str, also: str, action: Action = Action.REMOVE) -> Edit:
    return Edit(action, path, (check,), None, also, NOTE_BEHAVIOUR)


def allow_privilege_escalation(pod: Pod, check: str) -> Iterator[Edit]:
    for path, c in pod.containers():
        sc = _dict(c.get("securityContext"))
        value = sc.get("allowPrivilegeEscalation")
        if value is False:
            continue
        edit = _set(path + ("securityContext", "allowPrivilegeEscalation"), False, check,
                    "allowPrivilegeEscalation" if value is not None else None)
        # The API server refuses allowPrivilegeEscalation=false beside privileged=true
        # or an added CAP_SYS_ADMIN: those must go first.
        needs: list[Path] = [path + ("securityContext", "privileged")] if sc.get("privileged") is True else []
        add = _dict(sc.get("capabilities")).get("add")
        needs += [path + ("securityContext", "capabilities", "add", i)
                  for i, cap in enumerate(add if isinstance(add, list) else ()) if cap == "CAP_SYS_ADMIN"]
        yield Edit(edit.action, edit.path, edit.checks, edit.value, edit.also, edit.note, tuple(needs))


def capabilities(pod: Pod, check: str) -> Iterator[Edit]:
    restricted = check == "capabilities_restricted"
    allowed = frozenset({"NET_BIND_SERVICE"}) if restricted else _BASELINE_CAPS
    for path, c in pod.containers():
        where = path + ("securityContext", "capabilities")
        caps = _dict(_dict(c.get("securityContext")).get("capabilities"))
        drop = caps.get("drop")
        if restricted and "ALL" not in (drop if isinstance(drop, list) else ()):
            yield Edit(Action.APPEND, where + ("drop",), (check,), "ALL", None, NOTE_DROP_ALL)
        add = caps.get("add")
        for i, cap in enumerate(add if isinstance(add, list) else ()):
            if cap not in allowed:
                yield _remove(where + ("add", i), check, "capabilities", Action.REMOVE_ITEM)


def _known_non_root(pod: Pod, container: Mapping[str, Any]) -> bool:
    """Whether the container's user is set, and not root, whatever its image says."""
    own = _dict(container.get("securityContext")).get("runAsUser")
    user = own if own is not None else pod.pod_context()[1].get("runAsUser")
    return isinstance(user, int) and not isinstance(user, bool) and user > 0


def run_as_non_root(pod: Pod, check: str) -> Iterator[Edit]:
    path, pod_sc = pod.pod_context()
    inherit = [c for _, c in pod.containers() if _dict(c.get("securityContext")).get("runAsNonRoot") is None]
    risky = [str(c.get("name") or "") for c in inherit if not _known_non_root(pod, c)]
    if pod_sc.get("runAsNonRoot") is not True:
        also = "runAsNonRoot" if pod_sc.get("runAsNonRoot") is False else None
        yield _set(path + ("runAsNonRoot",), True, check, also, _non_root_note(risky))
    for cpath, c in pod.containers():
        if _dict(c.get("securityContext")).get("runAsNonRoot") is False:
            note = None if _known_non_root(pod, c) else _non_root_note([str(c.get("name") or "")])
            yield _set(cpath + ("securityContext", "runAsNonRoot"), True, check, "runAsNonRoot", note)


def run_as_user(pod: Pod, check: str) -> Iterator[Edit]:
    for path, sc in pod.contexts():
        if sc.get("runAsUser") == 0 and sc.get("runAsUser") is not False:
            yield Edit(Action.REMOVE, path + ("runAsUser",), (check,), None, "runAsUser",
                       "the container then runs as its image's user, which must not be root")


def _profile_ok(profile: Any) -> bool:
    return isinstance(profile, dict) and profile.get("type") in _PROFILE_TYPES


def _matching(pod: Pod, key: str, ok: tuple[str, ...], check: str, also: str,
              found: dict[Path, Edit]) -> tuple[Path, ...]:
    """The annotation edit a RuntimeDefault field needs: the API server refuses
    a pod whose deprecated annotation and field disagree."""
    annotations = pod.meta.get("annotations")
    if not isinstance(annotations, dict) or key not in annotations or annotations[key] in ok:
        return ()
    path = pod.prefix + ("metadata", "annotations", key)
    found[path] = _set(path, "runtime/default", check, also)
    return (path,)


def _runtime_default(pod: Pod, check: str, field: str, also: str, prefix: str, pod_key: str | None,
                     pod_default: bool) -> Iterator[Edit]:
    """RuntimeDefault for each profile field set to something else (and, with
    `pod_default`, for an unset pod-level one), with the annotations that must agree."""
    ok = ("runtime/default", "docker/default") if field == "seccompProfile" else ("runtime/default",)
    found: dict[Path, Edit] = {}
    path, pod_sc = pod.pod_context()
    containers = list(pod.containers())
    inheriting = [c for _, c in containers if _dict(c.get("securityContext")).get(field) is None]
    pod_keys = [pod_key] if pod_key else [prefix + str(c.get("name")) for c in inheriting]
    if pod_sc.get(field) is None and pod_default or pod_sc.get(field) is not None and not _profile_ok(pod_sc[field]):
        needs = tuple(p for k in pod_keys for p in _matching(pod, k, ok, check, also, found))
        edit = _set(path + (field,), dict(_RUNTIME_DEFAULT), check, None if pod_sc.get(field) is None else also)
        yield replace(edit, needs=needs)
    for cpath, c in containers:
        profile = _dict(c.get("securityContext")).get(field)
        if profile is not None and not _profile_ok(profile):
            needs = _matching(pod, prefix + str(c.get("name")), ok, check, also, found)
            yield replace(_set(cpath + ("securityContext", field), dict(_RUNTIME_DEFAULT), check, also), needs=needs)
    for apath, key, value in pod.annotations():
        bad = value not in ok + ("",) * (field == "appArmorProfile") and not str(value).startswith("localhost/")
        if (key == pod_key or key.startswith(prefix)) and bad and apath not in found:
            found[apath] = _set(apath, "runtime/default", check, also)
    yield from found.values()


def seccomp(pod: Pod, check: str) -> Iterator[Edit]:
    return _runtime_default(pod, check, "seccompProfile", "seccomp", _SECCOMP, _SECCOMP_POD,
                            check == "seccompProfile_restricted")


def app_armor(pod: Pod, check: str) -> Iterator[Edit]:
    return _runtime_default(pod, check, "appArmorProfile", "appArmor", _APPARMOR, None, False)


def host_namespaces(pod: Pod, check: str) -> Iterator[Edit]:
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.spec.get(key) is True:
            yield _set(pod.prefix + ("spec", key), False, check, key)


def host_ports(pod: Pod, check: str) -> Iterator[Edit]:
    if not pod.prefix and pod.spec.get("hostNetwork") is True:  # a Pod's ports are then host ports
        yield _set(pod.prefix + ("spec", "hostNetwork"), False, check, "hostNetwork")
    for path, c in pod.containers():
        ports = c.get("ports")
        for i, port in enumerate(ports if isinstance(ports, list) else ()):
            if isinstance(port, dict) and port.get("hostPort"):
                yield _remove(path + ("ports", i, "hostPort"), check, "hostPorts")


def volumes(pod: Pod, check: str) -> Iterator[Edit]:
    items = pod.spec.get("volumes")
    for i, volume in enumerate(items if isinstance(items, list) else ()):
        if not isinstance(volume, dict):
            continue
        host = volume.get("hostPath") is not None
        allowed = any(volume.get(k) is not None for k in _RESTRICTED_SOURCES)
        if host or (check == "restrictedVolumes" and not allowed):
            yield _set(pod.prefix + ("spec", "volumes", i), {"name": volume.get("name"), "emptyDir": {}}, check,
                       "hostPath" if host else "volumes")


def privileged(pod: Pod, check: str) -> Iterator[Edit]:
    for path, c in pod.containers():
        if _dict(c.get("securityContext")).get("privileged") is True:
            yield _set(path + ("securityContext", "privileged"), False, check, "privileged")


def proc_mount(pod: Pod, check: str) -> Iterator[Edit]:
    for path, c in pod.containers():
        value = _dict(c.get("securityContext")).get("procMount")
        if value is not None and value != "Default":
            yield _set(path + ("securityContext", "procMount"), "Default", check, "procMount")


def se_linux(pod: Pod, check: str) -> Iterator[Edit]:
    for sc_path, sc in pod.contexts():
        options = sc.get("seLinuxOptions")
        if not isinstance(options, dict):
            continue
        for key in ("type", "user", "role"):
            value = options.get(key)
            if value and (key != "type" or value not in _SELINUX_TYPES):
                yield _remove(sc_path + ("seLinuxOptions", key), check, "seLinux")


def sysctls(pod: Pod, check: str) -> Iterator[Edit]:
    path, sc = pod.pod_context()
    items = sc.get("sysctls")
    for i, item in enumerate(items if isinstance(items, list) else ()):
        if isinstance(item, dict) and item.get("name") not in _SAFE_SYSCTLS:
            yield _remove(path + ("sysctls", i), check, "sysctls", Action.REMOVE_ITEM)


def host_process(pod: Pod, check: str) -> Iterator[Edit]:
    for sc_path, sc in pod.contexts():
        if _dict(sc.get("windowsOptions")).get("hostProcess") is True:
            yield _set(sc_path + ("windowsOptions", "hostProcess"), False, check, "hostProcess")


def probe_hosts(pod: Pod, check: str) -> Iterator[Edit]:
    for path, c in pod.containers():
        handlers: list[tuple[tuple[str, ...], Any]] = [
            ((k,), c.get(k)) for k in ("livenessProbe", "readinessProbe", "startupProbe")]
        lifecycle = _dict(c.get("lifecycle"))
        handlers += [(("lifecycle", k), lifecycle.get(k)) for k in ("postStart", "preStop")]
        for where, handler in handlers:
            for action in ("httpGet", "tcpSocket"):
                if _dict(_dict(handler).get(action)).get("host"):
                    yield _remove(path + where + (action, "host"), check, "probeHosts")


CANDIDATES: dict[str, Callable[[Pod, str], Iterator[Edit]]] = {
    "allowPrivilegeEscalation": allow_privilege_escalation,
    "appArmorProfile": app_armor,
    "capabilities_baseline": capabilities,
    "capabilities_restricted": capabilities,
    "hostNamespaces": host_namespaces,
    "hostPathVolumes": volumes,
    "hostPorts": host_ports,
    "hostProbesAndHostLifecycle": probe_hosts,
    "privileged": privileged,
    "procMount": proc_mount,
    "procMount_restricted": proc_mount,
    "restrictedVolumes": volumes,
    "runAsNonRoot": run_as_non_root,
    "runAsUser": run_as_user,
    "seLinuxOptions": se_linux,
    "seccompProfile_baseline": seccomp,
    "seccompProfile_restricted": seccomp,
    "sysctls": sysctls,
    "windowsHostProcess": host_process,
}

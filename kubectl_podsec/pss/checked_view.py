"""The reference reader of the typed view: every field's JSON type checked, in
the order upstream's decoder meets them, and the first bad one named by its
path. podspec.py reads most pods with a faster reader and comes here for any
pod that reader finds unusual, so errors (and odd but valid shapes, such as
tuples for arrays) are always this module's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .view import (
    Capabilities, Container, ContainerSecurityContext, InvalidPodSpec, PodMetadata, PodSecurityContext,
    PodSpec, SELinuxOptions, Volume,
)


def _object(value: Any, path: str) -> Mapping[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidPodSpec(path, "object", value)
    return value


def _array(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InvalidPodSpec(path, "array", value)
    return list(value)


def _bool(value: Any, path: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise InvalidPodSpec(path, "boolean", value)


def _int(value: Any, path: str) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise InvalidPodSpec(path, "integer", value)


def _str(value: Any, path: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InvalidPodSpec(path, "string", value)


def _strings(value: Any, path: str) -> tuple[str, ...]:
    items = _array(value, path)
    return tuple(_str(v, f"{path}[{i}]") or "" for i, v in enumerate(items))


def _profile_type(value: Any, path: str) -> str | None:
    profile = _object(value, path)
    if profile is None:
        return None
    return _str(profile.get("type"), f"{path}.type") or ""


def _se_linux(value: Any, path: str) -> SELinuxOptions | None:
    opts = _object(value, path)
    if opts is None:
        return None
    _str(opts.get("level"), f"{path}.level")
    return SELinuxOptions(
        type=_str(opts.get("type"), f"{path}.type") or "",
        user=_str(opts.get("user"), f"{path}.user") or "",
        role=_str(opts.get("role"), f"{path}.role") or "",
    )


def _host_process(value: Any, path: str) -> bool | None:
    opts = _object(value, path)
    if opts is None:
        return None
    return _bool(opts.get("hostProcess"), f"{path}.hostProcess")


# --- builders -----------------------------------------------------------------


def _capabilities(value: Any, path: str) -> Capabilities | None:
    caps = _object(value, path)
    if caps is None:
        return None
    return Capabilities(
        add=_strings(caps.get("add"), f"{path}.add"),
        drop=_strings(caps.get("drop"), f"{path}.drop"),
    )


def _container_security_context(value: Any, path: str) -> ContainerSecurityContext | None:
    sc = _object(value, path)
    if sc is None:
        return None
    return ContainerSecurityContext(
        privileged=_bool(sc.get("privileged"), f"{path}.privileged"),
        allow_privilege_escalation=_bool(
            sc.get("allowPrivilegeEscalation"), f"{path}.allowPrivilegeEscalation"
        ),
        run_as_non_root=_bool(sc.get("runAsNonRoot"), f"{path}.runAsNonRoot"),
        run_as_user=_int(sc.get("runAsUser"), f"{path}.runAsUser"),
        proc_mount=_str(sc.get("procMount"), f"{path}.procMount"),
        capabilities=_capabilities(sc.get("capabilities"), f"{path}.capabilities"),
        se_linux_options=_se_linux(sc.get("seLinuxOptions"), f"{path}.seLinuxOptions"),
        seccomp_profile_type=_profile_type(sc.get("seccompProfile"), f"{path}.seccompProfile"),
        app_armor_profile_type=_profile_type(
            sc.get("appArmorProfile"), f"{path}.appArmorProfile"
        ),
        windows_host_process=_host_process(sc.get("windowsOptions"), f"{path}.windowsOptions"),
    )


def _handler_hosts(value: Any, path: str) -> list[str]:
    handler = _object(value, path)
    if handler is None:
        return []
    hosts = []
    for kind in ("httpGet", "tcpSocket"):
        action = _object(handler.get(kind), f"{path}.{kind}")
        if action is not None:
            host = _str(action.get("host"), f"{path}.{kind}.host")
            if host:
                hosts.append(host)
    return hosts


def _probe_hosts(container: Mapping[str, Any], path: str) -> tuple[str, ...]:
    hosts: list[str] = []
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        hosts += _handler_hosts(container.get(probe), f"{path}.{probe}")
    lifecycle = _object(container.get("lifecycle"), f"{path}.lifecycle")
    if lifecycle is not None:
        for hook in ("postStart", "preStop"):
            hosts += _handler_hosts(lifecycle.get(hook), f"{path}.lifecycle.{hook}")
    return tuple(hosts)


def _host_ports(value: Any, path: str) -> tuple[int, ...]:
    ports = []
    for i, item in enumerate(_array(value, path)):
        port = _object(item, f"{path}[{i}]") or {}
        ports.append(_int(port.get("hostPort"), f"{path}[{i}].hostPort") or 0)
    return tuple(ports)


def _container(value: Any, path: str) -> Container:
    c = _object(value, path) or {}
    return Container(
        name=_str(c.get("name"), f"{path}.name") or "",
        security_context=_container_security_context(
            c.get("securityContext"), f"{path}.securityContext"
        ),
        host_ports=_host_ports(c.get("ports"), f"{path}.ports"),
        probe_hosts=_probe_hosts(c, path),
    )


def _containers(spec: Mapping[str, Any], path: str) -> tuple[Container, ...]:
    found = []
    for key in ("initContainers", "containers", "ephemeralContainers"):
        items = _array(spec.get(key), f"{path}.{key}")
        found += [_container(c, f"{path}.{key}[{i}]") for i, c in enumerate(items)]
    return tuple(found)


def _volumes(value: Any, path: str) -> tuple[Volume, ...]:
    volumes = []
    for i, item in enumerate(_array(value, path)):
        vol = _object(item, f"{path}[{i}]") or {}
        sources = frozenset(k for k, v in vol.items() if k != "name" and v is not None)
        for key in sorted(sources):  # the first wrong one named, in the order the server reads keys
            _object(vol[key], f"{path}[{i}].{key}")
        volumes.append(Volume(_str(vol.get("name"), f"{path}[{i}].name") or "", sources))
    return tuple(volumes)


def _pod_security_context(value: Any, path: str) -> PodSecurityContext | None:
    sc = _object(value, path)
    if sc is None:
        return None
    sysctls = []
    for i, item in enumerate(_array(sc.get("sysctls"), f"{path}.sysctls")):
        sysctl = _object(item, f"{path}.sysctls[{i}]") or {}
        sysctls.append(_str(sysctl.get("name"), f"{path}.sysctls[{i}].name") or "")
    return PodSecurityContext(
        run_as_non_root=_bool(sc.get("runAsNonRoot"), f"{path}.runAsNonRoot"),
        run_as_user=_int(sc.get("runAsUser"), f"{path}.runAsUser"),
        se_linux_options=_se_linux(sc.get("seLinuxOptions"), f"{path}.seLinuxOptions"),
        seccomp_profile_type=_profile_type(sc.get("seccompProfile"), f"{path}.seccompProfile"),
        app_armor_profile_type=_profile_type(
            sc.get("appArmorProfile"), f"{path}.appArmorProfile"
        ),
        windows_host_process=_host_process(sc.get("windowsOptions"), f"{path}.windowsOptions"),
        sysctls=tuple(sysctls),
    )


def checked_pod_spec(value: Any, path: str = "spec") -> PodSpec:
    """The typed view of a pod spec dict; InvalidPodSpec names the bad field."""
    spec = _object(value, path) or {}
    os_ = _object(spec.get("os"), f"{path}.os")
    return PodSpec(
        host_network=bool(_bool(spec.get("hostNetwork"), f"{path}.hostNetwork")),
        host_pid=bool(_bool(spec.get("hostPID"), f"{path}.hostPID")),
        host_ipc=bool(_bool(spec.get("hostIPC"), f"{path}.hostIPC")),
        host_users=_bool(spec.get("hostUsers"), f"{path}.hostUsers"),
        os_name=None if os_ is None else (_str(os_.get("name"), f"{path}.os.name") or ""),
        runtime_class_name=_str(spec.get("runtimeClassName"), f"{path}.runtimeClassName"),
        security_context=_pod_security_context(
            spec.get("securityContext"), f"{path}.securityContext"
        ),
        volumes=_volumes(spec.get("volumes"), f"{path}.volumes"),
        containers=_containers(spec, path),
    )


def checked_pod_metadata(value: Any, path: str = "metadata") -> PodMetadata:
    meta = _object(value, path) or {}
    raw = _object(meta.get("annotations"), f"{path}.annotations") or {}
    annotations = {}
    for key, val in raw.items():
        annotations[str(key)] = _str(val, f"{path}.annotations[{key}]") or ""
    return PodMetadata(name=_str(meta.get("name"), f"{path}.name") or "", annotations=annotations)

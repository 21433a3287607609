"""The fast reader of the typed view, for pods made only of the plain JSON types.

It reads what checked_view.py reads, into the same values, but builds no field
path and accepts only the exact types a decoder gives (dict, list, str, int,
bool, None where the field is optional). Anything else, an error or an
unusual but valid shape (a tuple, a dict subclass, a null list item), raises
`Unusual`, and podspec.py reads that pod again with the checked reader, which
names the bad field or accepts the shape. Types are compared by identity, so
the test is as cheap as it can be; the view's tuples are made with
`tuple.__new__`, skipping the NamedTuple constructors' Python frame.
"""

from __future__ import annotations

from typing import Any

from .view import (
    Capabilities, Container, ContainerSecurityContext, PodMetadata, PodSecurityContext, PodSpec,
    SELinuxOptions, Volume,
)


class Unusual(Exception):
    """The pod holds a value the fast reader leaves to the checked one."""


_NONE = type(None)
_BOOL = frozenset({bool, _NONE})
_INT = frozenset({int, _NONE})
_STR = frozenset({str, _NONE})
_new = tuple.__new__
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_HOOKS = ("postStart", "preStop")
_ACTIONS = ("httpGet", "tcpSocket")


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if type(value) is not list:
        raise Unusual
    for item in value:
        if type(item) is not str:
            raise Unusual
    return tuple(value)


def _se_linux(opts: Any) -> SELinuxOptions:
    if type(opts) is not dict:
        raise Unusual
    get = opts.get
    kind, user, role = get("type"), get("user"), get("role")
    if type(kind) not in _STR or type(user) not in _STR or type(role) not in _STR or type(get("level")) not in _STR:
        raise Unusual
    return _new(SELinuxOptions, (kind or "", user or "", role or ""))


def _profile_type(profile: Any) -> str | None:
    if profile is None:
        return None
    if type(profile) is not dict:
        raise Unusual
    kind = profile.get("type")
    if type(kind) not in _STR:
        raise Unusual
    return kind or ""


def _host_process(opts: Any) -> bool | None:
    if opts is None:
        return None
    if type(opts) is not dict:
        raise Unusual
    value = opts.get("hostProcess")
    if type(value) not in _BOOL:
        raise Unusual
    return value


def _capabilities(caps: Any) -> Capabilities:
    if type(caps) is not dict:
        raise Unusual
    return _new(Capabilities, (_strings(caps.get("add")), _strings(caps.get("drop"))))


def _container_security_context(sc: Any) -> ContainerSecurityContext:
    if type(sc) is not dict:
        raise Unusual
    get = sc.get
    privileged, escalation, non_root = get("privileged"), get("allowPrivilegeEscalation"), get("runAsNonRoot")
    user, proc_mount = get("runAsUser"), get("procMount")
    if (type(privileged) not in _BOOL or type(escalation) not in _BOOL or type(non_root) not in _BOOL
            or type(user) not in _INT or type(proc_mount) not in _STR):
        raise Unusual
    caps, se_linux = get("capabilities"), get("seLinuxOptions")
    return _new(ContainerSecurityContext, (
        privileged, escalation, non_root, user, proc_mount,
        None if caps is None else _capabilities(caps),
        None if se_linux is None else _se_linux(se_linux),
        _profile_type(get("seccompProfile")), _profile_type(get("appArmorProfile")),
        _host_process(get("windowsOptions")),
    ))


def _handler_hosts(handler: Any, hosts: list[str]) -> None:
    if type(handler) is not dict:
        raise Unusual
    for kind in _ACTIONS:
        action = handler.get(kind)
        if action is None:
            continue
        if type(action) is not dict:
            raise Unusual
        host = action.get("host")
        if type(host) not in _STR:
            raise Unusual
        if host:
            hosts.append(host)


def _probe_hosts(container: dict[str, Any]) -> tuple[str, ...]:
    hosts: list[str] = []
    get = container.get
    for key in _PROBES:
        handler = get(key)
        if handler is not None:
            _handler_hosts(handler, hosts)
    lifecycle = get("lifecycle")
    if lifecycle is not None:
        if type(lifecycle) is not dict:
            raise Unusual
        for hook in _HOOKS:
            handler = lifecycle.get(hook)
            if handler is not None:
                _handler_hosts(handler, hosts)
    return tuple(hosts)


def _host_ports(ports: Any) -> tuple[int, ...]:
    if ports is None:
        return ()
    if type(ports) is not list:
        raise Unusual
    found = []
    for port in ports:
        if type(port) is not dict:
            raise Unusual
        value = port.get("hostPort")
        if type(value) not in _INT:
            raise Unusual
        found.append(value or 0)
    return tuple(found)


def _container(container: Any) -> Container:
    if type(container) is not dict:
        raise Unusual
    name, sc = container.get("name"), container.get("securityContext")
    if type(name) not in _STR:
        raise Unusual
    return _new(Container, (
        name or "",
        None if sc is None else _container_security_context(sc),
        _host_ports(container.get("ports")),
        _probe_hosts(container),
    ))


def _containers(spec: dict[str, Any]) -> tuple[Container, ...]:
    found = []
    for key in _CONTAINER_LISTS:
        items = spec.get(key)
        if items is None:
            continue
        if type(items) is not list:
            raise Unusual
        for item in items:
            found.append(_container(item))
    return tuple(found)


def _volumes(volumes: Any) -> tuple[Volume, ...]:
    if volumes is None:
        return ()
    if type(volumes) is not list:
        raise Unusual
    found = []
    for volume in volumes:
        if type(volume) is not dict:
            raise Unusual
        sources = []
        for key, value in volume.items():
            if value is not None and key != "name":
                if type(value) is not dict:
                    raise Unusual
                sources.append(key)
        name = volume.get("name")
        if type(name) not in _STR:
            raise Unusual
        found.append(_new(Volume, (name or "", frozenset(sources))))
    return tuple(found)


def _sysctls(sysctls: Any) -> tuple[str, ...]:
    if sysctls is None:
        return ()
    if type(sysctls) is not list:
        raise Unusual
    names = []
    for sysctl in sysctls:
        if type(sysctl) is not dict:
            raise Unusual
        name = sysctl.get("name")
        if type(name) not in _STR:
            raise Unusual
        names.append(name or "")
    return tuple(names)


def _pod_security_context(sc: Any) -> PodSecurityContext:
    if type(sc) is not dict:
        raise Unusual
    get = sc.get
    non_root, user, se_linux = get("runAsNonRoot"), get("runAsUser"), get("seLinuxOptions")
    if type(non_root) not in _BOOL or type(user) not in _INT:
        raise Unusual
    return _new(PodSecurityContext, (
        non_root, user,
        None if se_linux is None else _se_linux(se_linux),
        _profile_type(get("seccompProfile")), _profile_type(get("appArmorProfile")),
        _host_process(get("windowsOptions")),
        _sysctls(get("sysctls")),
    ))


def fast_pod_spec(value: Any) -> PodSpec:
    """The view of a spec of plain JSON types; Unusual for anything else."""
    if value is None:
        value = {}
    elif type(value) is not dict:
        raise Unusual
    get = value.get
    network, pid, ipc, users = get("hostNetwork"), get("hostPID"), get("hostIPC"), get("hostUsers")
    runtime_class, os_ = get("runtimeClassName"), get("os")
    if (type(network) not in _BOOL or type(pid) not in _BOOL or type(ipc) not in _BOOL
            or type(users) not in _BOOL or type(runtime_class) not in _STR):
        raise Unusual
    os_name = None
    if os_ is not None:
        if type(os_) is not dict or type(os_name := os_.get("name")) not in _STR:
            raise Unusual
        os_name = os_name or ""
    sc = get("securityContext")
    return _new(PodSpec, (
        network is True, pid is True, ipc is True, users, os_name, runtime_class,
        None if sc is None else _pod_security_context(sc),
        _volumes(get("volumes")),
        _containers(value),
    ))


def fast_pod_metadata(value: Any) -> PodMetadata:
    """The view of metadata of plain JSON types; Unusual for anything else."""
    if value is None:
        value = {}
    elif type(value) is not dict:
        raise Unusual
    raw, name = value.get("annotations"), value.get("name")
    if type(name) not in _STR:
        raise Unusual
    if raw is None:
        return _new(PodMetadata, (name or "", {}))
    if type(raw) is not dict:
        raise Unusual
    for key, text in raw.items():
        if type(key) is not str or type(text) is not str:
            raise Unusual
    return _new(PodMetadata, (name or "", dict(raw)))

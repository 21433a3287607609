"""The types of the typed, read-only view of the pod fields the checks look at
(podspec.py reads a pod into them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class InvalidPodSpec(ValueError):
    """A field the checks read has a JSON type the API server would reject."""

    def __init__(self, path: str, expected: str, value: object) -> None:
        self.path = path
        self.expected = expected
        super().__init__(f"{path}: expected {expected}, got {_json_type(value)}")


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


class SELinuxOptions(NamedTuple):
    type: str
    user: str
    role: str


class Capabilities(NamedTuple):
    add: tuple[str, ...]
    drop: tuple[str, ...]


class ContainerSecurityContext(NamedTuple):
    privileged: bool | None
    allow_privilege_escalation: bool | None
    run_as_non_root: bool | None
    run_as_user: int | None
    proc_mount: str | None
    capabilities: Capabilities | None
    se_linux_options: SELinuxOptions | None
    seccomp_profile_type: str | None  # None: no profile; "" a profile without type
    app_armor_profile_type: str | None
    windows_host_process: bool | None


class PodSecurityContext(NamedTuple):
    run_as_non_root: bool | None
    run_as_user: int | None
    se_linux_options: SELinuxOptions | None
    seccomp_profile_type: str | None
    app_armor_profile_type: str | None
    windows_host_process: bool | None
    sysctls: tuple[str, ...]


class Container(NamedTuple):
    name: str
    security_context: ContainerSecurityContext | None
    host_ports: tuple[int, ...]
    probe_hosts: tuple[str, ...]  # non-empty httpGet/tcpSocket hosts of probes and hooks


class Volume(NamedTuple):
    name: str
    sources: frozenset[str]  # every non-null key but "name"


class PodSpec(NamedTuple):
    host_network: bool
    host_pid: bool
    host_ipc: bool
    host_users: bool | None
    os_name: str | None  # None: no `os`; "" an `os` without name
    runtime_class_name: str | None
    security_context: PodSecurityContext | None
    volumes: tuple[Volume, ...]
    containers: tuple[Container, ...]  # init, then regular, then ephemeral

    @property
    def user_namespaced(self) -> bool:
        """`hostUsers: false`, which relaxes some checks from v1.35."""
        return self.host_users is False


class PodMetadata(NamedTuple):
    name: str
    annotations: Mapping[str, str]

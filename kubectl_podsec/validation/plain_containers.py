"""The containers of plain.py: "nothing to report" for the shapes manifests nearly always
have, "look closer" (False) for anything else.

Each function answers True only where the rules of containers.py, resources.py and
probes.py find no error and record no doubt (nor a value of the wrong type); it reads no
path and builds no message. What is rarer (probes, hooks, env sources) is handed to the
exact rule itself with a scratch Reader (`clean`), so that part is the same code, not a copy.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from . import formats
from .plain_security import ascii_or_none, clean, container_context
from .probes import lifecycle, probe
from .resources import env_source, quantity, quantity_above

# Spelled out (not derived from containers.CONTAINER_KEYS, so that a key modelled later
# does not pass here unchecked); left out: envFrom, and restartPolicy but on init containers.
_CONTAINER_KEYS = frozenset(("name", "image", "command", "args", "workingDir", "ports", "env", "resources",
                             "volumeMounts", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
                             "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy",
                             "securityContext", "stdin", "stdinOnce", "tty"))
_INIT_KEYS = _CONTAINER_KEYS | {"restartPolicy"}
_PORT_KEYS = frozenset(("name", "containerPort", "protocol", "hostPort", "hostIP"))
_ENV_KEYS = frozenset(("name", "value", "valueFrom"))
_MOUNT_KEYS = frozenset(("name", "mountPath", "readOnly", "subPath"))
_RESOURCE_KEYS = frozenset(("limits", "requests"))
_RESOURCE_NAMES = frozenset(("cpu", "memory", "ephemeral-storage"))
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_NOT_ON_INIT = ("lifecycle", *_PROBES)  # without restartPolicy Always
_MESSAGE_POLICIES = (None, "", "File", "FallbackToLogsOnError")
_PULL_POLICIES = (None, "", "Always", "IfNotPresent", "Never")
_PROTOCOLS = (None, "", "SCTP", "TCP", "UDP")
_RESTART_POLICIES = (None, "Always", "Never", "OnFailure")
_WHITESPACE = " \t\n\r\v\f"


class PodContext(NamedTuple):
    """What the container rules read from the pod spec."""

    volumes: frozenset[str]  # the volumes declared, all valid
    grace: int  # terminationGracePeriodSeconds after defaulting
    host_network: bool  # a host port set must equal its container port
    defaulted_host_ports: bool  # a Pod on the host network: unset host ports take the container ports


def regular(containers: Any, pod: PodContext) -> set[str] | None:
    """validateContainers finds nothing: the names, or None."""
    if type(containers) is not list or not containers:
        return None
    names: set[str] = set()
    host_ports: set[str] = set()  # unique across the containers
    for ctr in containers:
        if type(ctr) is not dict or not ctr.keys() <= _CONTAINER_KEYS or not common(ctr, pod, host_ports) \
                or ctr["name"] in names or not probes_and_hooks(ctr, pod.grace):
            return None
        names.add(ctr["name"])
    return names


def init(containers: Any, names: set[str], pod: PodContext) -> bool:
    """validateInitContainers finds nothing (`names`: the regular containers')."""
    if containers is None:
        return True
    if type(containers) is not list:
        return False
    seen = set(names)
    for ctr in containers:
        # Upstream compares host ports within each init container only.
        if type(ctr) is not dict or not ctr.keys() <= _INIT_KEYS or not common(ctr, pod, set()) \
                or ctr["name"] in seen:
            return False
        seen.add(ctr["name"])
        policy = ctr.get("restartPolicy")
        if policy not in _RESTART_POLICIES:
            return False
        if policy == "Always":
            if not probes_and_hooks(ctr, pod.grace):
                return False
        elif not _without(ctr, _NOT_ON_INIT):
            return False
    return True


def _without(data: dict[str, Any], keys: tuple[str, ...]) -> bool:
    for key in keys:
        if data.get(key) is not None:
            return False
    return True


def common(ctr: dict[str, Any], pod: PodContext, host_ports: set[str]) -> bool:
    """validateContainerCommon (and validateContainerOnlyForPod's image rule) find nothing."""
    name, image = ctr.get("name"), ctr.get("image")
    if type(name) is not str or not name or formats.dns1123_label(name):
        return False
    if type(image) is not str or not image or not image.isascii() or image != image.strip(_WHITESPACE):
        return False
    if ctr.get("terminationMessagePolicy") not in _MESSAGE_POLICIES or \
            ctr.get("imagePullPolicy") not in _PULL_POLICIES:
        return False
    return ports(ctr.get("ports"), pod, host_ports) and env(ctr.get("env")) \
        and mounts(ctr.get("volumeMounts"), pod.volumes) and resources(ctr.get("resources")) \
        and container_context(ctr.get("securityContext"))


def _entries(items: Any, keys: frozenset[str]) -> list[dict[str, Any]] | None:
    """A list field's objects (none when it is not set), each with only `keys`; None when
    the field is of another shape (for the exact rules)."""
    if items is None:
        return []
    if type(items) is not list:
        return None
    for item in items:
        if type(item) is not dict or not item.keys() <= keys:
            return None
    return items


def ports(items: Any, pod: PodContext, host_ports: set[str]) -> bool:
    """Valid ports with unique names, and host ports (AccumulateUniqueHostPorts) not in `host_ports`."""
    entries = _entries(items, _PORT_KEYS)
    if entries is None:
        return False
    names = set()
    for port in entries:
        number, host, name = port.get("containerPort"), port.get("hostPort"), port.get("name")
        if type(number) is not int or not 1 <= number <= 65535 or port.get("protocol") not in _PROTOCOLS:
            return False
        if host is None or (type(host) is int and host == 0):
            host = number if pod.defaulted_host_ports else 0
        elif type(host) is not int or not 1 <= host <= 65535 or (pod.host_network and host != number):
            return False
        if host and not _new_host_port(port, host, host_ports):
            return False
        if name is not None and name != "":
            if type(name) is not str or formats.port_name(name) or name in names:
                return False
            names.add(name)
    return True


def _new_host_port(port: dict[str, Any], host: int, host_ports: set[str]) -> bool:
    """Whether protocol/hostIP/hostPort is not taken yet (it is then)."""
    address = port.get("hostIP")
    if not ascii_or_none(address):
        return False
    key = f"{port.get('protocol') or 'TCP'}/{address or ''}/{host}"
    if key in host_ports:
        return False
    host_ports.add(key)
    return True


def env(items: Any) -> bool:
    entries = _entries(items, _ENV_KEYS)
    if entries is None:
        return False
    for var in entries:
        name, value, source = var.get("name"), var.get("value"), var.get("valueFrom")
        # printable ASCII without '=': ValidateEnv's relaxed names
        if type(name) is not str or not name or not name.isascii() or not name.isprintable() or "=" in name:
            return False
        if not ascii_or_none(value):
            return False
        if source is not None and (type(source) is not dict or
                                   not clean(lambda r: env_source(r, source, bool(value), "env"))):
            return False
    return True


def mounts(items: Any, volumes: frozenset[str]) -> bool:
    """Mounts of declared volumes, each path once, sub-paths relative and descending."""
    entries = _entries(items, _MOUNT_KEYS)
    if entries is None:
        return False
    points = set()
    for mount in entries:
        name, point, sub = mount.get("name"), mount.get("mountPath"), mount.get("subPath")
        if type(name) is not str or name not in volumes:
            return False
        if type(point) is not str or not point or not point.isascii() or point in points:
            return False
        points.add(point)
        if sub is not None and sub != "" and (type(sub) is not str or not sub.isascii() or sub.startswith("/")
                                              or ".." in sub.split("/")):
            return False
    return True


def resources(spec: Any) -> bool:
    """resources.resources records no doubt: known names, plain quantities, requests not above limits."""
    if spec is None:
        return True
    if type(spec) is not dict or not spec.keys() <= _RESOURCE_KEYS:
        return False
    limits, requests = spec.get("limits"), spec.get("requests")
    limits, requests = {} if limits is None else limits, {} if requests is None else requests
    if type(limits) is not dict or type(requests) is not dict:
        return False  # Reader.obj: a value of another type (even an empty list) is not decoded
    for values in (limits, requests):
        for name, value in values.items():
            if name not in _RESOURCE_NAMES or quantity(value) is None:
                return False
    if not limits:  # no limit for a request to be above
        return True
    for name, value in requests.items():
        request, limit = quantity(value), quantity(limits.get(name))
        if request is not None and limit is not None and quantity_above(request, limit):
            return False
    return True


def probes_and_hooks(ctr: dict[str, Any], grace: int) -> bool:
    hooks = ctr.get("lifecycle")
    if hooks is not None and (type(hooks) is not dict or not clean(lambda r: lifecycle(r, hooks, "lifecycle", grace))):
        return False
    for key in _PROBES:
        spec = ctr.get(key)
        if spec is not None and (type(spec) is not dict or not clean(lambda r: probe(r, spec, key, key))):
            return False
    return True

"""The containers and security contexts of plain.py: "nothing to report" for the shapes
manifests nearly always have, "look closer" (False) for anything else.

Each function answers True only where the rules of containers.py, security.py,
resources.py and probes.py find no error and record no doubt (nor a value of the wrong
type); it reads no path and builds no message. What is rarer (probes, hooks, env sources,
Localhost profiles) is handed to the exact rule itself with a scratch Reader (`clean`),
so that part is the same code, not a copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import formats
from .field import FieldError, Findings
from .probes import lifecycle, probe
from .resources import env_source, quantity, quantity_above
from .security import apparmor_field, seccomp_field
from .source import Reader

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
_CTX_KEYS = frozenset(("capabilities", "privileged", "runAsUser", "runAsGroup", "runAsNonRoot",
                       "readOnlyRootFilesystem", "allowPrivilegeEscalation", "seccompProfile", "appArmorProfile"))
_CAPABILITY_KEYS = frozenset(("add", "drop"))
_POD_CTX_KEYS = frozenset(("runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup", "supplementalGroups",
                           "supplementalGroupsPolicy", "fsGroupChangePolicy", "seLinuxChangePolicy",
                           "seccompProfile", "appArmorProfile"))
_POD_CTX_CHOICES = (("fsGroupChangePolicy", (None, "OnRootMismatch", "Always")),
                    ("supplementalGroupsPolicy", (None, "Merge", "Strict")),
                    ("seLinuxChangePolicy", (None, "Recursive", "MountOption")))
_PROFILES = ({"type": "RuntimeDefault"}, {"type": "Unconfined"})
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_MESSAGE_POLICIES = (None, "", "File", "FallbackToLogsOnError")
_PULL_POLICIES = (None, "", "Always", "IfNotPresent", "Never")
_PROTOCOLS = (None, "", "SCTP", "TCP", "UDP")
_RESTART_POLICIES = (None, "Always", "Never", "OnFailure")
_WHITESPACE = " \t\n\r\v\f"


def clean(check: Callable[[Reader], list[FieldError] | None]) -> bool:
    """Whether the exact rule `check` finds no error and records no doubt."""
    findings = Findings()
    return not check(Reader(findings)) and not findings.doubts


def ascii_or_none(value: Any) -> bool:
    """What Reader.string / opt_str read without a doubt (None reads as "")."""
    return value is None or (type(value) is str and value.isascii())


def is_id(value: Any) -> bool:
    """An absent ID, or one IsValidUserID / IsValidGroupID accepts."""
    return value is None or (type(value) is int and 0 <= value <= formats.MAX_INT32)


def regular(containers: Any, volumes: frozenset[str], grace: int) -> set[str] | None:
    """validateContainers finds nothing: the names, or None."""
    if type(containers) is not list or not containers:
        return None
    names: set[str] = set()
    for ctr in containers:
        if type(ctr) is not dict or not ctr.keys() <= _CONTAINER_KEYS or not common(ctr, volumes) \
                or ctr["name"] in names or not probes_and_hooks(ctr, grace):
            return None
        names.add(ctr["name"])
    return names


def init(containers: Any, names: set[str], volumes: frozenset[str], grace: int) -> bool:
    """validateInitContainers finds nothing (`names`: the regular containers')."""
    if containers is None:
        return True
    if type(containers) is not list:
        return False
    seen = set(names)
    for ctr in containers:
        if type(ctr) is not dict or not ctr.keys() <= _INIT_KEYS or not common(ctr, volumes) \
                or ctr["name"] in seen:
            return False
        seen.add(ctr["name"])
        policy = ctr.get("restartPolicy")
        if policy not in _RESTART_POLICIES:
            return False
        if policy == "Always":
            if not probes_and_hooks(ctr, grace):
                return False
        elif any(ctr.get(key) is not None for key in ("lifecycle", *_PROBES)):
            return False
    return True


def common(ctr: dict[str, Any], volumes: frozenset[str]) -> bool:
    """validateContainerCommon (and validateContainerOnlyForPod's image rule) find nothing."""
    name, image = ctr.get("name"), ctr.get("image")
    if type(name) is not str or not name or formats.dns1123_label(name):
        return False
    if type(image) is not str or not image or not image.isascii() or image != image.strip(_WHITESPACE):
        return False
    if ctr.get("terminationMessagePolicy") not in _MESSAGE_POLICIES or \
            ctr.get("imagePullPolicy") not in _PULL_POLICIES:
        return False
    return ports(ctr.get("ports")) and env(ctr.get("env")) and mounts(ctr.get("volumeMounts"), volumes) \
        and resources(ctr.get("resources")) and container_context(ctr.get("securityContext"))


def ports(items: Any) -> bool:
    """Ports without host ports (AccumulateUniqueHostPorts then has nothing to compare)."""
    if items is None:
        return True
    if type(items) is not list:
        return False
    names = set()
    for port in items:
        if type(port) is not dict or not port.keys() <= _PORT_KEYS:
            return False
        number, host, name = port.get("containerPort"), port.get("hostPort"), port.get("name")
        if type(number) is not int or not 1 <= number <= 65535 or not (host is None or (type(host) is int and host == 0)):
            return False
        if port.get("protocol") not in _PROTOCOLS:
            return False
        if name is not None and name != "":
            if type(name) is not str or formats.port_name(name) or name in names:
                return False
            names.add(name)
    return True


def env(items: Any) -> bool:
    if items is None:
        return True
    if type(items) is not list:
        return False
    for var in items:
        if type(var) is not dict or not var.keys() <= _ENV_KEYS:
            return False
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
    if items is None:
        return True
    if type(items) is not list:
        return False
    points = set()
    for mount in items:
        if type(mount) is not dict or not mount.keys() <= _MOUNT_KEYS:
            return False
        name, point, sub = mount.get("name"), mount.get("mountPath"), mount.get("subPath")
        if type(name) is not str or name not in volumes or type(point) is not str or not point or not point.isascii() or point in points:
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


def _flags(ctx: dict[str, Any], keys: tuple[str, ...]) -> bool:
    return all(type(ctx.get(key)) in (bool, type(None)) for key in keys)


def _profiles(ctx: dict[str, Any]) -> bool:
    """seccompProfile and appArmorProfile: the two common values at once, others by the rule."""
    seccomp, apparmor = ctx.get("seccompProfile"), ctx.get("appArmorProfile")
    if seccomp is not None and seccomp not in _PROFILES and \
            (type(seccomp) is not dict or not clean(lambda r: seccomp_field(r, seccomp, "seccompProfile"))):
        return False
    return apparmor is None or apparmor in _PROFILES or \
        (type(apparmor) is dict and clean(lambda r: apparmor_field(r, apparmor, "appArmorProfile")))


def container_context(ctx: Any) -> bool:
    """ValidateSecurityContext finds nothing (no procMount, Windows or SELinux options)."""
    if ctx is None:
        return True
    if type(ctx) is not dict or not ctx.keys() <= _CTX_KEYS:
        return False
    if not is_id(ctx.get("runAsUser")) or not is_id(ctx.get("runAsGroup")) or \
            not _flags(ctx, ("privileged", "allowPrivilegeEscalation", "runAsNonRoot", "readOnlyRootFilesystem")):
        return False
    capabilities = ctx.get("capabilities")
    if capabilities is not None:
        if type(capabilities) is not dict or not capabilities.keys() <= _CAPABILITY_KEYS:
            return False
        for key in ("add", "drop"):
            names = capabilities.get(key)
            if names is not None and (type(names) is not list or
                                      not all(type(n) is str and n.isascii() for n in names)):
                return False
    if ctx.get("allowPrivilegeEscalation") is False and \
            (ctx.get("privileged") is True or "CAP_SYS_ADMIN" in ((capabilities or {}).get("add") or ())):
        return False
    return _profiles(ctx)


def pod_context(ctx: Any) -> bool:
    """validatePodSpecSecurityContext finds nothing (no sysctls, Windows or SELinux options)."""
    if ctx is None:
        return True
    if type(ctx) is not dict or not ctx.keys() <= _POD_CTX_KEYS:
        return False
    if not (is_id(ctx.get("runAsUser")) and is_id(ctx.get("runAsGroup")) and is_id(ctx.get("fsGroup"))) or \
            not _flags(ctx, ("runAsNonRoot",)):
        return False
    groups = ctx.get("supplementalGroups")
    if groups is not None and (type(groups) is not list or not all(type(g) is int and is_id(g) for g in groups)):
        return False
    if any(ctx.get(key) not in choices for key, choices in _POD_CTX_CHOICES):
        return False
    return _profiles(ctx)

"""Container rules: validateContainers, validateInitContainers, validateEphemeralContainers,
validateContainerCommon and what they call (ports, env, mounts, probes), after the API
server's defaulting (SetDefaults_Container, _Probe, _HTTPGetAction, the port protocol)."""

from __future__ import annotations

from typing import NamedTuple

from . import formats
from .field import FieldError, duplicate, forbidden, go_json, invalid, not_found, not_supported, required
from .probes import lifecycle, probe
from .resources import env_source, resources
from .security import container_security, local_descending_path
from .source import Json, Reader

CONTAINER_KEYS = ("name", "image", "command", "args", "workingDir", "ports", "env", "envFrom", "resources",
                  "volumeMounts", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
                  "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext",
                  "stdin", "stdinOnce", "tty", "restartPolicy")
_EPHEMERAL_FORBIDDEN = (("ports", "ports"), ("resources", "resources"), ("livenessProbe", "livenessProbe"),
                        ("readinessProbe", "readinessProbe"), ("startupProbe", "startupProbe"),
                        ("lifecycle", "lifecycle"))
_PROTOCOLS = ("SCTP", "TCP", "UDP")
_RESTART_POLICIES = ("Always", "Never", "OnFailure")
_INIT_FORBIDDEN = "may not be set for init containers without restartPolicy=Always"


class PodContext(NamedTuple):
    """What container validation needs from the pod: declared volumes and the user namespace."""

    volumes: frozenset[str]
    grace: int  # terminationGracePeriodSeconds after defaulting
    uncertain_volumes: frozenset[str]  # declared, but whether upstream accepts them is not modelled
    host_users: bool


def regular(r: Reader, containers: list[Json], path: str, pod: PodContext) -> list[FieldError]:
    if not containers:
        return [required(path)]
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, ctr in enumerate(containers):
        at = f"{path}[{i}]"
        errs += common(r, ctr, at, pod)
        name = r.string(ctr, "name", at)
        if name in names:
            errs.append(duplicate(f"{at}.name", name))
        names.add(name)
        errs += _lifecycle_and_probes(r, ctr, at, pod)
        policy = r.opt_str(ctr, "restartPolicy", at)
        if policy is not None and policy not in _RESTART_POLICIES:
            errs.append(not_supported(f"{at}.restartPolicy", go_json(policy), _RESTART_POLICIES))
    return errs + host_port_conflicts(r, containers, path)


def init(r: Reader, containers: list[Json], others: list[Json], path: str, pod: PodContext) -> list[FieldError]:
    errs: list[FieldError] = []
    names = {r.string(c, "name", path) for c in others}
    for i, ctr in enumerate(containers):
        at = f"{path}[{i}]"
        errs += common(r, ctr, at, pod)
        policy = r.opt_str(ctr, "restartPolicy", at)
        if policy is not None and policy not in _RESTART_POLICIES:
            errs.append(not_supported(f"{at}.restartPolicy", go_json(policy), _RESTART_POLICIES))
        name = r.string(ctr, "name", at)
        if name in names:
            errs.append(duplicate(f"{at}.name", name))
        elif name:
            names.add(name)
        # Upstream checks one init container at a time and names it index 0 in the path.
        errs += host_port_conflicts(r, [ctr], path)
        if policy == "Always":
            errs += _lifecycle_and_probes(r, ctr, at, pod)
        else:
            for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if ctr.get(key) is not None:
                    errs.append(forbidden(f"{at}.{key}", _INIT_FORBIDDEN))
    return errs


def ephemeral(r: Reader, containers: list[Json], others: list[Json], path: str, pod: PodContext) -> list[FieldError]:
    errs: list[FieldError] = []
    other_names = {r.string(c, "name", path) for c in others}
    names = set(other_names)
    for i, ctr in enumerate(containers):
        at = f"{path}[{i}]"
        errs += common(r, ctr, at, pod, extra=("targetContainerName",))
        errs += image_whitespace(r, ctr, at)
        name = r.string(ctr, "name", at)
        if name in names:
            errs.append(duplicate(f"{at}.name", name))
        else:
            names.add(name)
        target = r.string(ctr, "targetContainerName", at)
        if target and target not in other_names:
            errs.append(not_found(f"{at}.targetContainerName", target))
        for key, go_name in _EPHEMERAL_FORBIDDEN:
            if ctr.get(key) in ([], {}):
                r.doubt(f"{at}.{key}: an empty value's zero-ness is not modelled")
            elif _is_set(ctr.get(key)):
                errs.append(forbidden(f"{at}.{go_name}", "cannot be set for an Ephemeral Container"))
        if ctr.get("restartPolicy") is not None:
            r.doubt(f"{at}.restartPolicy: not modelled for ephemeral containers")
        for j, mount in enumerate(r.objs(ctr, "volumeMounts", at)):
            for key in ("subPath", "subPathExpr"):
                if r.string(mount, key, at):
                    errs.append(forbidden(f"{at}.volumeMounts[{j}].{key}", "cannot be set for an Ephemeral Container"))
    return errs


def common(r: Reader, ctr: Json, at: str, pod: PodContext, extra: tuple[str, ...] = ()) -> list[FieldError]:
    """validateContainerCommon."""
    r.only(ctr, CONTAINER_KEYS + extra, at)
    errs: list[FieldError] = []
    name = r.string(ctr, "name", at)
    if not name:
        errs.append(required(f"{at}.name"))
    else:
        errs += [invalid(f"{at}.name", name, m) for m in formats.dns1123_label(name)]
    if not r.string(ctr, "image", at):
        errs.append(required(f"{at}.image"))
    policy = r.string(ctr, "terminationMessagePolicy", at)
    if policy and policy not in ("File", "FallbackToLogsOnError"):
        errs.append(not_supported(f"{at}.terminationMessagePolicy", go_json(policy), ("File", "FallbackToLogsOnError")))
    errs += ports(r, r.objs(ctr, "ports", at), f"{at}.ports")
    errs += env(r, r.objs(ctr, "env", at), f"{at}.env")
    if _is_set(ctr.get("envFrom")):
        r.doubt(f"{at}.envFrom: not modelled")
    errs += volume_mounts(r, r.objs(ctr, "volumeMounts", at), f"{at}.volumeMounts", pod)
    pull = r.string(ctr, "imagePullPolicy", at)
    if pull and pull not in ("Always", "IfNotPresent", "Never"):
        errs.append(not_supported(f"{at}.imagePullPolicy", go_json(pull), ("Always", "IfNotPresent", "Never")))
    resources(r, r.obj(ctr, "resources", at), f"{at}.resources")
    errs += container_security(r, r.obj(ctr, "securityContext", at), f"{at}.securityContext", pod.host_users)
    return errs


def image_whitespace(r: Reader, ctr: Json, at: str) -> list[FieldError]:
    """validateContainerOnlyForPod."""
    image = r.string(ctr, "image", at)
    if image != image.strip(" \t\n\r\v\f"):
        return [invalid(f"{at}.image", image, "must not have leading or trailing whitespace")]
    return []


def ports(r: Reader, items: list[Json], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, port in enumerate(items):
        at = f"{path}[{i}]"
        r.only(port, ("name", "containerPort", "hostPort", "protocol", "hostIP"), at)
        name = r.string(port, "name", at)
        if name:
            messages = formats.port_name(name)
            if messages:
                errs += [invalid(f"{at}.name", name, m) for m in messages]
            elif name in names:
                errs.append(duplicate(f"{at}.name", name))
            else:
                names.add(name)
        number = r.integer(port, "containerPort", at, bits=32) or 0
        if number == 0:
            errs.append(required(f"{at}.containerPort"))
        else:
            errs += [invalid(f"{at}.containerPort", number, m) for m in formats.port_number(number)]
        host = r.integer(port, "hostPort", at, bits=32) or 0
        if host:
            errs += [invalid(f"{at}.hostPort", host, m) for m in formats.port_number(host)]
        protocol = r.string(port, "protocol", at) or "TCP"
        if protocol not in _PROTOCOLS:
            errs.append(not_supported(f"{at}.protocol", go_json(protocol), _PROTOCOLS))
    return errs


def host_port_conflicts(r: Reader, containers: list[Json], path: str) -> list[FieldError]:
    """AccumulateUniqueHostPorts: protocol/hostIP/hostPort must be unique."""
    seen: set[str] = set()
    errs: list[FieldError] = []
    for ci, ctr in enumerate(containers):
        for pi, port in enumerate(r.objs(ctr, "ports", path)):
            host = r.integer(port, "hostPort", path, bits=32) or 0
            if not host:
                continue
            key = f"{r.string(port, 'protocol', path) or 'TCP'}/{r.string(port, 'hostIP', path)}/{host}"
            if key in seen:
                errs.append(duplicate(f"{path}[{ci}].ports[{pi}].hostPort", key))
            seen.add(key)
    return errs


def env(r: Reader, items: list[Json], path: str) -> list[FieldError]:
    """ValidateEnv with relaxed names (RelaxedEnvironmentVariableValidation is locked on)."""
    errs: list[FieldError] = []
    for i, var in enumerate(items):
        at = f"{path}[{i}]"
        r.only(var, ("name", "value", "valueFrom"), at)
        name = r.string(var, "name", at)
        if not name:
            errs.append(required(f"{at}.name"))
        elif any(ord(c) > 0x7E or ord(c) < 0x20 or c == "=" for c in name):
            errs.append(invalid(f"{at}.name", name, "a valid environment variable name must consist only of "
                                                    "printable ASCII characters other than '='"))
        value = r.string(var, "value", at)
        source = r.obj(var, "valueFrom", at)
        if source is not None:
            env_source(r, source, bool(value), f"{at}.valueFrom")
    return errs


def volume_mounts(r: Reader, mounts: list[Json], path: str, pod: PodContext) -> list[FieldError]:
    """ValidateVolumeMounts, without volumeDevices (doubted) and mount propagation (doubted)."""
    errs: list[FieldError] = []
    points: set[str] = set()
    for i, mount in enumerate(mounts):
        at = f"{path}[{i}]"
        r.only(mount, ("name", "mountPath", "readOnly", "subPath", "subPathExpr"), at)
        name = r.string(mount, "name", at)
        if not name:
            errs.append(required(f"{at}.name"))
        if name in pod.uncertain_volumes:
            r.doubt(f"{at}.name: mounts a volume whose validity is not modelled")
        elif name not in pod.volumes:
            errs.append(not_found(f"{at}.name", name))
        mount_path = r.string(mount, "mountPath", at)
        if not mount_path:
            errs.append(required(f"{at}.mountPath"))
        if mount_path in points:
            errs.append(invalid(f"{at}.mountPath", mount_path, "must be unique"))
        points.add(mount_path)
        sub_path = r.string(mount, "subPath", at)
        if sub_path:
            # Upstream reports these on the list's path, not the item's.
            errs += local_descending_path(sub_path, f"{path}.subPath")
        expr = r.string(mount, "subPathExpr", at)
        if expr:
            if sub_path:
                errs.append(invalid(f"{at}.subPathExpr", expr, "subPathExpr and subPath are mutually exclusive"))
            errs += local_descending_path(expr, f"{path}.subPathExpr")
    return errs


def _lifecycle_and_probes(r: Reader, ctr: Json, at: str, pod: PodContext) -> list[FieldError]:
    hooks = r.obj(ctr, "lifecycle", at)
    errs = [] if hooks is None else lifecycle(r, hooks, f"{at}.lifecycle", pod.grace)
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        spec = r.obj(ctr, key, at)
        if spec is not None:
            errs += probe(r, spec, f"{at}.{key}", key)
    return errs


def _is_set(value: object) -> bool:
    """Whether Go would see a non-zero value (an empty list or object decodes to a zero one)."""
    return value is not None and value != [] and value != {}

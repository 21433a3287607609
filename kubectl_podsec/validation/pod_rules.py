"""Pod-wide rules: host network ports, Windows hostProcess, user namespaces and what a pod
of a given OS may set (validatePodHostNetworkDeps, validateWindowsHostProcessPod,
validateHostUsers, validateOS, validateLinux, validateWindows)."""

from __future__ import annotations

from .agreement import all_containers
from .field import FieldError, forbidden, go_json, invalid, not_supported, required
from .source import Json, Reader

_WINDOWS_POD_FIELDS = (("appArmorProfile", "appArmorProfile"), ("seLinuxOptions", "seLinuxOptions"),
                       ("seccompProfile", "seccompProfile"), ("fsGroup", "fsGroup"),
                       ("fsGroupChangePolicy", "fsGroupChangePolicy"), ("sysctls", "sysctls"),
                       ("runAsUser", "runAsUser"), ("runAsGroup", "runAsGroup"),
                       ("supplementalGroups", "supplementalGroups"),
                       ("supplementalGroupsPolicy", "supplementalGroupsPolicy"),
                       ("seLinuxChangePolicy", "seLinuxChangePolicy"))
_WINDOWS_CONTAINER_FIELDS = ("appArmorProfile", "seLinuxOptions", "seccompProfile", "capabilities",
                             "readOnlyRootFilesystem", "privileged", "allowPrivilegeEscalation", "procMount",
                             "runAsUser", "runAsGroup")
_CANNOT_WINDOWS = "cannot be set for a windows pod"
_WHEN_USERNS = "when `hostUsers` is false"


def host_network_ports(r: Reader, spec: Json, path: str, is_pod: bool) -> list[FieldError]:
    if spec.get("hostNetwork") is not True:
        return []
    errs: list[FieldError] = []
    for i, ctr in enumerate(r.objs(spec, "containers", path)):
        for j, port in enumerate(r.objs(ctr, "ports", path)):
            host = r.integer(port, "hostPort", path, bits=32) or 0
            if (is_pod or host != 0) and host != (r.integer(port, "containerPort", path, bits=32) or 0):
                errs.append(invalid(f"{path}.containers[{i}].ports[{j}].hostPort", host,
                                    "must match `containerPort` when `hostNetwork` is true"))
    return errs


def _host_process(holder: object) -> bool | None:
    if not isinstance(holder, dict):
        return None
    options = holder.get("windowsOptions")
    value = options.get("hostProcess") if isinstance(options, dict) else None
    return value if isinstance(value, bool) else None


def windows_host_process(spec: Json, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    pod = _host_process(spec.get("securityContext"))
    count = host_process = 0
    for ctr, at in all_containers(spec, path):
        count += 1
        own = _host_process(ctr.get("securityContext"))
        if pod is not None and own is not None and pod != own:
            errs.append(invalid(f"{at}.securityContext.windowsOptions.hostProcess", own,
                                f"pod hostProcess value must be identical if both are specified, was "
                                f"{'true' if pod else 'false'}"))
        if own is True or (own is None and pod is True):
            host_process += 1
    if host_process:
        if host_process != count:
            errs.append(invalid(path, "", "If pod contains any hostProcess containers then all containers "
                                          "must be HostProcess containers"))
        if spec.get("hostNetwork") is not True:
            errs.append(invalid(f"{path}.hostNetwork", False,
                                "hostNetwork must be true if pod contains any hostProcess containers"))
    return errs


def host_users(spec: Json, path: str) -> list[FieldError]:
    if spec.get("hostUsers") is not False:
        return []
    errs: list[FieldError] = []
    if spec.get("hostNetwork") is True:
        errs.append(forbidden(f"{path}.hostNetwork", _WHEN_USERNS))
    if spec.get("hostPID") is True:
        errs.append(forbidden(f"{path}.HostPID", _WHEN_USERNS))
    if spec.get("hostIPC") is True:
        errs.append(forbidden(f"{path}.HostIPC", _WHEN_USERNS))
    for ctr, at in all_containers(spec, path):
        if ctr.get("volumeDevices"):
            errs.append(forbidden(f"{at}.volumeDevices", _WHEN_USERNS))
    return errs


def operating_system(r: Reader, spec: Json, path: str) -> list[FieldError]:
    os = r.obj(spec, "os", path)
    if os is None:
        return []
    r.only(os, ("name",), f"{path}.os")
    name = r.string(os, "name", f"{path}.os")
    if not name:
        return [required(f"{path}.os.name")]
    if name not in ("linux", "windows"):
        return [not_supported(f"{path}.os", go_json(name), ("linux", "windows"))]
    return _linux(spec, path) if name == "linux" else _windows(spec, path)


def _linux(spec: Json, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    context = spec.get("securityContext")
    if isinstance(context, dict) and context.get("windowsOptions") is not None:
        errs.append(forbidden(f"{path}.securityContext.windowsOptions", "windows options cannot be set for a linux pod"))
    for ctr, at in all_containers(spec, path):
        sc = ctr.get("securityContext")
        if isinstance(sc, dict) and sc.get("windowsOptions") is not None:
            errs.append(forbidden(f"{at}.securityContext.windowsOptions",
                                  "windows options cannot be set for a linux pod"))
    return errs


def _windows(spec: Json, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    context = spec.get("securityContext")
    if isinstance(context, dict):
        for key, go_key in _WINDOWS_POD_FIELDS:
            value = context.get(key)
            # Go tests nil here, except for the slices, which a decoded `[]` leaves non-nil.
            if value is not None and (key != "sysctls" or value != []):
                errs.append(forbidden(f"{path}.securityContext.{go_key}", _CANNOT_WINDOWS))
    for key in ("hostUsers",):
        if spec.get(key) is not None:
            errs.append(forbidden(f"{path}.{key}", _CANNOT_WINDOWS))
    for key in ("hostPID", "hostIPC"):
        if spec.get(key) is True:
            errs.append(forbidden(f"{path}.{key}", _CANNOT_WINDOWS))
    if spec.get("shareProcessNamespace") is not None:
        errs.append(forbidden(f"{path}.shareProcessNamespace", _CANNOT_WINDOWS))
    for ctr, at in all_containers(spec, path):
        sc = ctr.get("securityContext")
        if isinstance(sc, dict):
            errs += [forbidden(f"{at}.securityContext.{key}", _CANNOT_WINDOWS)
                     for key in _WINDOWS_CONTAINER_FIELDS if sc.get(key) is not None]
    return errs

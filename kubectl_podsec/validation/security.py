"""securityContext rules: ValidateSecurityContext, validatePodSpecSecurityContext, sysctls,
seccomp and AppArmor profile fields (pkg/apis/core/validation, v1.37)."""

from __future__ import annotations

import re
from typing import Any

from . import formats
from .field import FieldError, GoJSON, duplicate, go_json, invalid, not_supported, required, too_long
from .source import Json, Reader

CONTAINER_SC_KEYS = ("capabilities", "privileged", "seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup",
                     "runAsNonRoot", "readOnlyRootFilesystem", "allowPrivilegeEscalation", "procMount",
                     "seccompProfile", "appArmorProfile")
POD_SC_KEYS = ("seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot", "supplementalGroups",
               "supplementalGroupsPolicy", "fsGroup", "sysctls", "fsGroupChangePolicy", "seccompProfile",
               "appArmorProfile", "seLinuxChangePolicy")
_SYSCTL_SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
# A pattern, compiled (and cached by `re`) on the first sysctl: most pods set none.
_SYSCTL_RE = "^(" + _SYSCTL_SEGMENT + "[\\./])*" + _SYSCTL_SEGMENT + "$"
_IPC_SYSCTLS = ("kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
                "kernel.shm", "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.msg")
_PROFILE_TYPES = ("Localhost", "RuntimeDefault", "Unconfined")


def container_security(r: Reader, sc: Json | None, path: str, host_users: bool) -> list[FieldError]:
    """ValidateSecurityContext (a cluster started without --allow-privileged is not assumed)."""
    if sc is None:
        return []
    r.only(sc, CONTAINER_SC_KEYS, path)
    errs: list[FieldError] = []
    for key in ("runAsUser", "runAsGroup"):
        value = r.integer(sc, key, path)
        if value is not None:
            errs += [invalid(f"{path}.{key}", value, m) for m in formats.id_range(value)]
    proc_mount = r.opt_str(sc, "procMount", path)
    if proc_mount is not None:
        if proc_mount not in ("Default", "Unmasked"):
            errs.append(not_supported(f"{path}.procMount", go_json(proc_mount), ("Default", "Unmasked")))
        if host_users and proc_mount == "Unmasked":
            errs.append(invalid(f"{path}.procMount", go_json(proc_mount),
                                "`hostUsers` must be false to use `Unmasked`"))
    errs += seccomp_field(r, r.obj(sc, "seccompProfile", path), f"{path}.seccompProfile")
    if r.flag(sc, "allowPrivilegeEscalation", path) is False:
        if r.flag(sc, "privileged", path):
            errs.append(invalid(path, _internal_sc(sc), "cannot set `allowPrivilegeEscalation` to false and "
                                                        "`privileged` to true"))
        capabilities = r.obj(sc, "capabilities", path) or {}
        for cap in r.strs(capabilities, "add", f"{path}.capabilities"):
            if cap == "CAP_SYS_ADMIN":
                errs.append(invalid(path, _internal_sc(sc), "cannot set `allowPrivilegeEscalation` to false and "
                                                            "`capabilities.Add` CAP_SYS_ADMIN"))
    errs += windows_options(r, r.obj(sc, "windowsOptions", path), f"{path}.windowsOptions")
    errs += apparmor_field(r, r.obj(sc, "appArmorProfile", path), f"{path}.appArmorProfile")
    return errs


def pod_security(r: Reader, sc: Json | None, spec: Json, path: str) -> list[FieldError]:
    """validatePodSpecSecurityContext; `path` is spec.securityContext."""
    if sc is None:
        return []
    r.only(sc, POD_SC_KEYS, path)
    errs: list[FieldError] = []
    for key in ("fsGroup", "runAsUser", "runAsGroup"):
        value = r.integer(sc, key, path)
        if value is not None:
            errs += [invalid(f"{path}.{key}", value, m) for m in formats.id_range(value)]
    groups = sc.get("supplementalGroups") or []
    if not isinstance(groups, list) or not all(isinstance(g, int) and not isinstance(g, bool) for g in groups):
        r.findings.wrong_type(f"{path}.supplementalGroups: not a list of integers")
        groups = []
    for i, gid in enumerate(groups):
        errs += [invalid(f"{path}.supplementalGroups[{i}]", gid, m) for m in formats.id_range(gid)]
    errs += sysctls(r, r.objs(sc, "sysctls", path), spec, f"{path}.sysctls")
    for key, valid in (("fsGroupChangePolicy", ("OnRootMismatch", "Always")),
                       ("supplementalGroupsPolicy", ("Merge", "Strict")),
                       ("seLinuxChangePolicy", ("Recursive", "MountOption"))):
        chosen = r.opt_str(sc, key, path)
        if chosen is not None and chosen not in valid:
            r.doubt(f"{path}.{key}: an unsupported value's message is not modelled")
    errs += seccomp_field(r, r.obj(sc, "seccompProfile", path), f"{path}.seccompProfile")
    errs += windows_options(r, r.obj(sc, "windowsOptions", path), f"{path}.windowsOptions")
    errs += apparmor_field(r, r.obj(sc, "appArmorProfile", path), f"{path}.appArmorProfile")
    return errs


def sysctls(r: Reader, items: list[Json], spec: Json, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, item in enumerate(items):
        r.only(item, ("name", "value"), f"{path}[{i}]")
        name = r.string(item, "name", f"{path}[{i}]")
        where = f"{path}[{i}].name"
        if not name:
            errs.append(required(where))
        elif len(name) > 253 or not re.fullmatch(_SYSCTL_RE, name):
            errs.append(invalid(where, name, f"must have at most 253 characters and match regex {_SYSCTL_RE}"))
        elif name in names:
            errs.append(duplicate(where, name))
        namespace = sysctl_namespace(name)
        if spec.get("hostNetwork") is True and namespace == "Net":
            errs.append(invalid(where, name, "may not be specified when 'hostNetwork' is true"))
        elif spec.get("hostIPC") is True and namespace == "IPC":
            errs.append(invalid(where, name, "may not be specified when 'hostIPC' is true"))
        names.add(name)
    return errs


def sysctl_namespace(name: str) -> str:
    """component-helpers' sysctl.GetNamespace: Net, IPC, UTS, User or ""."""
    first = min((i for i in (name.find("."), name.find("/")) if i >= 0), default=-1)
    if first >= 0 and name[first] == "/":
        name = name.translate(str.maketrans("./", "/."))
    star = name.find("*")
    if star >= 0:
        name = name[:star]
    if name == "kernel.domainname":
        return "UTS"
    if name in _IPC_SYSCTLS:
        return "IPC"
    for prefix, namespace in (("net", "Net"), ("fs.mqueue", "IPC"), ("user", "User")):
        if name.startswith(prefix + "."):
            return namespace
    return ""


def seccomp_field(r: Reader, profile: Json | None, path: str) -> list[FieldError]:
    if profile is None:
        return []
    r.only(profile, ("type", "localhostProfile"), path)
    kind = r.string(profile, "type", path)
    local = r.opt_str(profile, "localhostProfile", path)
    errs: list[FieldError] = []
    if not kind:
        errs.append(required(f"{path}.type", "type is required when seccompProfile is set"))
    elif kind not in _PROFILE_TYPES:
        errs.append(not_supported(f"{path}.type", go_json(kind), _PROFILE_TYPES))
    if kind == "Localhost":
        if local is None:
            errs.append(required(f"{path}.localhostProfile", "must be set when seccomp type is Localhost"))
        else:
            errs += local_descending_path(local, f"{path}.localhostProfile")
    elif local is not None:
        errs.append(invalid(f"{path}.localhostProfile", _internal_profile(kind, local),
                            "can only be set when seccomp type is Localhost"))
    return errs


def apparmor_field(r: Reader, profile: Json | None, path: str) -> list[FieldError]:
    """ValidateAppArmorProfileField."""
    if profile is None:
        return []
    r.only(profile, ("type", "localhostProfile"), path)
    kind = r.string(profile, "type", path)
    local = r.opt_str(profile, "localhostProfile", path)
    if kind == "Localhost":
        if local is None:
            return [required(f"{path}.localhostProfile", "must be set when AppArmor type is Localhost")]
        errs: list[FieldError] = []
        if local.strip() != local:
            errs.append(invalid(f"{path}.localhostProfile", local, "must not be padded with whitespace"))
        elif not local:
            errs.append(required(f"{path}.localhostProfile", "must be set when AppArmor type is Localhost"))
        if len(local) > 4095:
            errs.append(too_long(f"{path}.localhostProfile", 4095))
        return errs
    if kind in ("RuntimeDefault", "Unconfined"):
        if local is not None:
            return [invalid(f"{path}.localhostProfile", go_json(local),
                            "can only be set when AppArmor type is Localhost")]
        return []
    if not kind:
        return [required(f"{path}.type", "type is required when appArmorProfile is set")]
    return [not_supported(f"{path}.type", go_json(kind), _PROFILE_TYPES)]


def apparmor_field_is_valid(kind: str, local: str | None) -> bool:
    """Whether ValidateAppArmorProfileField accepts the field an annotation maps to."""
    if kind == "Localhost":
        return local is not None and local.strip() == local and local != "" and len(local) <= 4095
    return kind in ("RuntimeDefault", "Unconfined") and local is None


def windows_options(r: Reader, options: Json | None, path: str) -> list[FieldError]:
    """validateWindowsSecurityContextOptions: only hostProcess is modelled (it has no rule here)."""
    if options is None:
        return []
    r.only(options, ("hostProcess",), path)
    r.flag(options, "hostProcess", path)
    return []


def local_descending_path(target: str, path: str) -> list[FieldError]:
    errs = [invalid(path, target, "must be a relative path")] if target.startswith("/") else []
    return errs + path_no_backsteps(target, path)


def path_no_backsteps(target: str, path: str) -> list[FieldError]:
    return [invalid(path, target, "must not contain '..'")] if ".." in target.split("/") else []


def _internal_profile(kind: str, local: str) -> GoJSON:
    return go_json({"Type": kind, "LocalhostProfile": local})


def _internal_sc(sc: Json) -> GoJSON:
    """The internal core.SecurityContext as json.Marshal prints it: Go field names, Go order."""
    def struct(value: Any, fields: tuple[tuple[str, str], ...]) -> Any:
        # A value of another type fails decoding; the caller then discards this rendering.
        if not isinstance(value, dict):
            return None
        return {go: value.get(js) for go, js in fields}
    selinux = struct(sc.get("seLinuxOptions"), (("User", "user"), ("Role", "role"), ("Type", "type"),
                                                 ("Level", "level")))
    out = {
        "Capabilities": struct(sc.get("capabilities"), (("Add", "add"), ("Drop", "drop"))),
        "Privileged": sc.get("privileged"),
        "SELinuxOptions": None if selinux is None else {k: v or "" for k, v in selinux.items()},
        "WindowsOptions": struct(sc.get("windowsOptions"), (
            ("GMSACredentialSpecName", "gmsaCredentialSpecName"), ("GMSACredentialSpec", "gmsaCredentialSpec"),
            ("RunAsUserName", "runAsUserName"), ("HostProcess", "hostProcess"))),
        "RunAsUser": sc.get("runAsUser"),
        "RunAsGroup": sc.get("runAsGroup"),
        "RunAsNonRoot": sc.get("runAsNonRoot"),
        "ReadOnlyRootFilesystem": sc.get("readOnlyRootFilesystem"),
        "AllowPrivilegeEscalation": sc.get("allowPrivilegeEscalation"),
        "ProcMount": sc.get("procMount"),
        "SeccompProfile": _profile(sc.get("seccompProfile")),
        "AppArmorProfile": _profile(sc.get("appArmorProfile")),
    }
    return go_json(out)


def _profile(profile: Any) -> Any:
    if not isinstance(profile, dict):
        return None
    return {"Type": profile.get("type", ""), "LocalhostProfile": profile.get("localhostProfile")}

"""One policy applied to one pod: upstream's ``simpleProvider`` (provider.go, v1.24).

``mutate_pod`` is ``MutatePod`` (defaults written into a pod the caller owns) and
``validate_pod`` is ``ValidatePod``; both keep upstream's order, which fixes the order of
recorded mutations and of field errors within one policy.
"""

from __future__ import annotations

from typing import Any

from ..psp import capabilities, identities, profiles, selinux, sysctls, volumes
from .fielderrors import FieldError, Path, invalid
from .mutations import MutationLog, child
from .podshape import (
    Pod,
    container_context,
    containers,
    effective,
    pod_context,
    spec_of,
)
from .policy import MUST_RUN_AS_NON_ROOT, PodSecurityPolicy

_SPEC = Path.of("spec")
_POD_CONTEXT = _SPEC.child("securityContext")
_ANNOTATIONS = Path.of("metadata", "annotations")


def mutate_pod(psp: PodSecurityPolicy, pod: Pod, log: MutationLog) -> None:
    """Write ``psp``'s defaults into ``pod`` (which the caller owns), recording each one."""
    context = pod_context(pod)
    groups = identities.generate_id(psp.supplemental_groups)
    if context.get("supplementalGroups") is None and groups is not None:
        _set_pod_context(pod, "supplementalGroups", [groups], log)
    fs_group = identities.generate_id(psp.fs_group)
    if context.get("fsGroup") is None and fs_group is not None:
        _set_pod_context(pod, "fsGroup", fs_group, log)
    options = selinux.generate(psp.se_linux)
    if context.get("seLinuxOptions") is None and options is not None:
        _set_pod_context(pod, "seLinuxOptions", options, log)
    profile = profiles.generate_seccomp(psp, pod)
    if profile:
        _set_annotation(pod, profiles.SECCOMP_POD, profile, log)
    runtime_class = psp.runtime_class
    if runtime_class and runtime_class.default is not None and \
            spec_of(pod).get("runtimeClassName") is None:
        log.set(child(pod, "spec"), "runtimeClassName", runtime_class.default,
                _SPEC.child("runtimeClassName"))
    for container, path in containers(pod):
        _mutate_container(psp, pod, container, path, log)


def _mutate_container(psp: PodSecurityPolicy, pod: Pod, container: dict[str, Any],
                      path: Path, log: MutationLog) -> None:
    def write(field: str, value: Any) -> None:
        log.set(child(container, "securityContext"), field, value,
                path.child("securityContext", field))

    user = identities.generate_id(psp.run_as_user)
    if effective(container, pod, "runAsUser") is None and user is not None:
        write("runAsUser", user)
    group = identities.generate_id(psp.run_as_group)
    if effective(container, pod, "runAsGroup") is None and group is not None:
        write("runAsGroup", group)
    # seLinux: the pod-level default above is inherited, so containers never need one
    apparmor = profiles.generate_apparmor(psp, pod, container)
    if apparmor is not None:
        _set_annotation(pod, *apparmor, log)
    if psp.run_as_user.rule == MUST_RUN_AS_NON_ROOT and \
            effective(container, pod, "runAsNonRoot") is None and \
            effective(container, pod, "runAsUser") is None:
        write("runAsNonRoot", True)
    caps = capabilities.generate(psp, container_context(container).get("capabilities"))
    if caps is not None:
        for field in ("add", "drop"):
            log.set(child(child(container, "securityContext"), "capabilities"), field,
                    caps.get(field), path.child("securityContext", "capabilities", field))
    context = container_context(container)
    if psp.read_only_root_filesystem and context.get("readOnlyRootFilesystem") is None:
        write("readOnlyRootFilesystem", True)
    default_escalation = psp.default_allow_privilege_escalation
    if default_escalation is not None and context.get("allowPrivilegeEscalation") is None:
        write("allowPrivilegeEscalation", default_escalation)
    if not psp.allow_privilege_escalation and \
            container_context(container).get("allowPrivilegeEscalation") is None:
        write("allowPrivilegeEscalation", False)


def _set_pod_context(pod: Pod, field: str, value: Any, log: MutationLog) -> None:
    log.set(child(child(pod, "spec"), "securityContext"), field, value, _POD_CONTEXT.child(field))


def _set_annotation(pod: Pod, key: str, value: str, log: MutationLog) -> None:
    log.set(child(child(pod, "metadata"), "annotations"), key, value, _ANNOTATIONS.key(key))


def validate_pod(psp: PodSecurityPolicy, pod: Pod) -> list[FieldError]:
    """Every field error ``psp`` reports for ``pod``, in upstream's order."""
    context = pod_context(pod)
    fs_group = context.get("fsGroup")
    errors = identities.validate_groups(psp.fs_group, _POD_CONTEXT.child("fsGroup"),
                                        None if fs_group is None else [fs_group])
    errors += identities.validate_groups(psp.supplemental_groups,
                                         _POD_CONTEXT.child("supplementalGroups"),
                                         context.get("supplementalGroups"))
    errors += profiles.validate_pod_seccomp(psp, pod)
    errors += selinux.validate(psp.se_linux, _POD_CONTEXT.child("seLinuxOptions"),
                               context.get("seLinuxOptions"))
    # Host namespaces sit in the internal PodSecurityContext, hence these paths
    spec = spec_of(pod)
    for field, allowed, label in (("hostNetwork", psp.host_network, "Host network"),
                                  ("hostPID", psp.host_pid, "Host PID"),
                                  ("hostIPC", psp.host_ipc, "Host IPC")):
        if spec.get(field) and not allowed:
            errors.append(invalid(_POD_CONTEXT.child(field), True, f"{label} is not allowed to be used"))
    errors += sysctls.validate(psp, pod)
    errors += volumes.validate(psp, pod)
    errors += _validate_runtime_class(psp, spec.get("runtimeClassName"))
    for container, path in containers(pod):
        errors += _validate_container(psp, pod, container, path)
    return errors


def _validate_runtime_class(psp: PodSecurityPolicy, name: str | None) -> list[FieldError]:
    if psp.runtime_class is None or name is None:
        return []  # an unset runtimeClassName is always allowed
    allowed = psp.runtime_class.allowed
    if "*" in allowed or name in allowed:
        return []
    return [invalid(_SPEC.child("runtimeClassName"), name, "")]


def _validate_container(psp: PodSecurityPolicy, pod: Pod, container: dict[str, Any],
                        path: Path) -> list[FieldError]:
    context_path = path.child("securityContext")
    context = container_context(container)
    errors = identities.validate_user(psp.run_as_user, context_path,
                                      effective(container, pod, "runAsNonRoot"),
                                      effective(container, pod, "runAsUser"))
    group = effective(container, pod, "runAsGroup")
    # sic: upstream reports runAsGroup at the securityContext itself, as a slice
    errors += identities.validate_groups(psp.run_as_group, context_path,
                                         None if group is None else [group])
    errors += selinux.validate(psp.se_linux, context_path.child("seLinuxOptions"),
                               effective(container, pod, "seLinuxOptions"))
    errors += profiles.validate_apparmor(psp, pod, container)
    errors += profiles.validate_container_seccomp(psp, pod, container)
    if context.get("privileged") and not psp.privileged:
        errors.append(invalid(context_path.child("privileged"), True,
                              "Privileged containers are not allowed"))
    proc_mount = context.get("procMount")
    proc_mount = "Default" if proc_mount is None else proc_mount
    if proc_mount not in (psp.allowed_proc_mount_types or ("Default",)):
        errors.append(invalid(context_path.child("procMount"), proc_mount,
                              "ProcMountType is not allowed"))
    errors += capabilities.validate(psp, context_path.child("capabilities"),
                                    context.get("capabilities"))
    errors += _validate_host_ports(psp, container, path)
    errors += _validate_escalation(psp, context, context_path)
    return errors


def _validate_host_ports(psp: PodSecurityPolicy, container: dict[str, Any],
                         path: Path) -> list[FieldError]:
    errors = []
    allowed = ",".join(str(r.min) if r.min == r.max else f"{r.min}-{r.max}"
                       for r in psp.host_ports)
    for port in container.get("ports") or ():
        host_port = (port or {}).get("hostPort") or 0
        if host_port > 0 and not any(r.contains(host_port) for r in psp.host_ports):
            detail = f"Host port {host_port} is not allowed to be used. Allowed ports: [{allowed}]"
            errors.append(invalid(path.child("hostPort"), host_port, detail))  # sic: no ports[k]
    return errors


def _validate_escalation(psp: PodSecurityPolicy, context: Any,
                         context_path: Path) -> list[FieldError]:
    """readOnlyRootFilesystem, then allowPrivilegeEscalation (nil prints as "null")."""
    errors = []
    if psp.read_only_root_filesystem:
        read_only = context.get("readOnlyRootFilesystem")
        path = context_path.child("readOnlyRootFilesystem")
        if read_only is None:
            errors.append(invalid(path, None,
                                  "ReadOnlyRootFilesystem may not be nil and must be set to true"))
        elif not read_only:
            errors.append(invalid(path, False, "ReadOnlyRootFilesystem must be set to true"))
    escalation = context.get("allowPrivilegeEscalation")
    if not psp.allow_privilege_escalation and escalation is not False:
        errors.append(invalid(context_path.child("allowPrivilegeEscalation"), escalation,
                              "Allowing privilege escalation for containers is not allowed"))
    return errors

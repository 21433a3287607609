"""ValidatePodSpec, ValidatePodTemplateSpec and ValidatePodCreate, in upstream's order."""

from __future__ import annotations

from . import agreement, containers, formats, metadata, plain, pod_rules, scheduling
from .field import FieldError, forbidden, go_json, invalid, not_supported, required
from .security import pod_security
from .source import Json, Reader
from .volumes import volumes

# Keys whose rules are modelled; the rest of PodSpec is doubted when set.
SPEC_KEYS = ("volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
             "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
             "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName", "hostNetwork",
             "hostPID", "hostIPC", "shareProcessNamespace", "securityContext", "imagePullSecrets", "hostname",
             "subdomain", "schedulerName", "enableServiceLinks", "os", "hostUsers", "dnsConfig", "tolerations",
             "affinity", "topologySpreadConstraints")
_RESTART = ("Always", "OnFailure", "Never")
_DNS = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")


def pod_spec(r: Reader, spec: Json, pod_name: str | None, path: str, is_pod: bool) -> list[FieldError]:
    """ValidatePodSpec (pod_name: the Pod's name, None inside templates)."""
    r.only(spec, SPEC_KEYS, path)
    for key in ("hostNetwork", "hostPID", "hostIPC", "hostUsers", "shareProcessNamespace"):
        r.flag(spec, key, path)
    host_users = spec.get("hostUsers") is not False
    vols = volumes(r, r.objs(spec, "volumes", path), pod_name, f"{path}.volumes")
    grace = r.integer(spec, "terminationGracePeriodSeconds", path)
    grace = 30 if grace is None else (1 if grace < 0 and is_pod else grace)  # SetDefaults_PodSpec, _Pod
    ctx = containers.PodContext(vols.valid, grace, vols.uncertain, host_users)
    regular = r.objs(spec, "containers", path)
    inits = r.objs(spec, "initContainers", path)
    errs = list(vols.errors)
    errs += containers.regular(r, regular, f"{path}.containers", ctx)
    errs += containers.init(r, inits, regular, f"{path}.initContainers", ctx)
    errs += containers.ephemeral(r, r.objs(spec, "ephemeralContainers", path), regular + inits,
                                 f"{path}.ephemeralContainers", ctx)
    errs += pod_rules.host_network_ports(r, spec, path, is_pod)
    errs += _enum(r, spec, "restartPolicy", _RESTART, path)
    errs += _enum(r, spec, "dnsPolicy", _DNS, path)
    dns_after = []
    if spec.get("dnsConfig") is not None:
        r.doubt(f"{path}.dnsConfig: not modelled")
    elif spec.get("dnsPolicy") == "None":
        dns_after.append(required(f"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"))
    errs += metadata.labels(r, r.str_map(spec, "nodeSelector", path), f"{path}.nodeSelector")
    errs += pod_security(r, r.obj(spec, "securityContext", path), spec, f"{path}.securityContext")
    if spec.get("shareProcessNamespace") is True and spec.get("hostPID") is True:
        errs.append(invalid(f"{path}.shareProcessNamespace", True,
                            "ShareProcessNamespace and HostPID cannot both be enabled"))
    for secret in r.objs(spec, "imagePullSecrets", path):
        r.only(secret, ("name",), f"{path}.imagePullSecrets")
    scheduling.affinity(r, r.obj(spec, "affinity", path), f"{path}.affinity")
    errs += dns_after
    errs += scheduling.topology_spread(r, r.objs(spec, "topologySpreadConstraints", path),
                                       f"{path}.topologySpreadConstraints")
    errs += pod_rules.windows_host_process(spec, path)
    errs += pod_rules.host_users(spec, path)
    errs += _names(r, spec, path)
    scheduling.tolerations(r, r.objs(spec, "tolerations", path), f"{path}.tolerations")
    errs += pod_rules.operating_system(r, spec, path)
    return errs


def _enum(r: Reader, spec: Json, key: str, valid: tuple[str, ...], path: str) -> list[FieldError]:
    value = r.string(spec, key, path)
    return [not_supported(f"{path}.{key}", go_json(value), valid)] if value and value not in valid else []


def _names(r: Reader, spec: Json, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    account = r.string(spec, "serviceAccountName", path) or r.string(spec, "serviceAccount", path)
    if account:
        errs += [invalid(f"{path}.serviceAccountName", account, m) for m in formats.dns1123_subdomain(account)]
    node = r.string(spec, "nodeName", path)
    if node:
        errs += [invalid(f"{path}.nodeName", node, m) for m in formats.dns1123_subdomain(node)]
    deadline = r.integer(spec, "activeDeadlineSeconds", path)
    if deadline is not None and not 1 <= deadline <= formats.MAX_INT32:
        errs.append(invalid(f"{path}.activeDeadlineSeconds", deadline, formats.inclusive_range(1, formats.MAX_INT32)))
    for key in ("hostname", "subdomain"):
        value = r.string(spec, key, path)
        if value:
            errs += [invalid(f"{path}.{key}", value, m) for m in formats.dns1123_label(value)]
    return errs


def container_names(spec: Json) -> list[str]:
    return [str(c.get("name", "")) for c, _ in agreement.all_containers(spec, "spec")]


def template_spec(r: Reader, template: Json, path: str) -> list[FieldError]:
    """ValidatePodTemplateSpec: labels, annotations, the spec, then the annotation agreements."""
    if r.fast and plain.template_plainly(template):
        return []  # nothing to report, for certain: the rules one by one would find the same
    meta = r.obj(template, "metadata", path) or {}
    spec = r.obj(template, "spec", path) or {}
    r.only(template, ("metadata", "spec"), path)
    r.only(meta, ("labels", "annotations", "name", "namespace", "creationTimestamp"), f"{path}.metadata")
    annotations = r.str_map(meta, "annotations", f"{path}.metadata")
    errs = metadata.labels(r, r.str_map(meta, "labels", f"{path}.metadata"), f"{path}.labels")
    errs += metadata.annotation_keys(r, annotations, f"{path}.annotations")
    errs += metadata.pod_annotations(r, annotations, container_names(spec), f"{path}.annotations")
    errs += pod_spec(r, spec, None, f"{path}.spec", is_pod=False)
    errs += agreement.seccomp(annotations, spec, f"{path}.spec")
    errs += agreement.apparmor(annotations, spec, f"{path}.spec")
    if spec.get("ephemeralContainers"):
        errs.append(forbidden(f"{path}.spec.ephemeralContainers", "ephemeral containers not allowed in pod template"))
    return errs


def pod_create(r: Reader, pod: Json) -> list[FieldError]:
    """ValidatePodCreate, on the Pod after PrepareForCreate (AppArmor annotations copied)."""
    r.only(pod, ("apiVersion", "kind", "metadata", "spec", "status"), "")
    meta = r.obj(pod, "metadata", "") or {}
    spec = r.obj(pod, "spec", "") or {}
    annotations = r.str_map(meta, "annotations", "metadata")
    agreement.sync_apparmor(annotations, spec)  # type: ignore[arg-type]
    errs = metadata.object_meta(r, meta, formats.dns1123_subdomain)
    errs += metadata.pod_annotations(r, annotations, container_names(spec), "metadata.annotations")
    name = r.string(meta, "name", "metadata")
    errs += pod_spec(r, spec, name, "spec", is_pod=True)
    for key in ("containers", "initContainers"):
        for i, ctr in enumerate(r.objs(spec, key, "spec")):
            errs += containers.image_whitespace(r, ctr, f"spec.{key}[{i}]")
    if spec.get("ephemeralContainers"):
        errs.append(forbidden("spec.ephemeralContainers", "cannot be set on create"))
    errs += agreement.seccomp(annotations, spec, "spec")
    errs += agreement.apparmor(annotations, spec, "spec")
    return errs

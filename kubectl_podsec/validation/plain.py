"""The common case of validation, answered fast: a Pod, or a pod template, in which no
rule finds an error or records a doubt (plain_workloads.py does the same for Deployments).

Most objects from manifests are valid, and the exact rules cost the most where there is
nothing to report: each builds the place of every value it reads, walks the containers
again for each pod-wide rule, and checks keys against the modelled ones. This walk only
answers "nothing to report" (True) or "look closer" (False). It accepts a value only
where the exact rules accept it for certain and hands anything else (an unusual field,
a name that fails, a shape not modelled) back to them, which then find every error in
the server's order and every doubt. So it may send a good object the slow way, and
never lets one through the exact rules would report on (tests/unit/test_validation_plain.py
holds the two to the same answers). Like decode_plain.py for decoding.

What it leaves to the exact rules, among others: generated names, the seccomp and AppArmor
annotations (they must agree with fields), Windows options, sysctls, user namespaces,
ephemeral containers and volumes, envFrom, dnsConfig. Rarer parts it accepts only after
their own exact rule found nothing (affinity, tolerations, probes, volume sources other
than the common ones in their plain shapes, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import formats, scheduling, volumes as exact_volumes
from .field import FieldError
from .metadata import APPARMOR_CONTAINER, DOUBTED_ANNOTATIONS, SECCOMP_CONTAINER, SECCOMP_POD
from .plain_containers import PodContext, init, regular
from .plain_security import ascii_or_none, clean, pod_context
from .source import Reader

OBJECT_KEYS = frozenset(("apiVersion", "kind", "metadata", "spec", "status"))
_META_KEYS = frozenset(("name", "namespace", "labels", "annotations", "uid", "creationTimestamp"))
_TEMPLATE_KEYS = frozenset(("metadata", "spec"))
_TEMPLATE_META_KEYS = frozenset(("labels", "annotations", "name", "namespace", "creationTimestamp"))
# Spelled out, not derived from podspec.SPEC_KEYS: a key modelled later must not pass here
# unchecked. Left out: ephemeralContainers, dnsConfig.
_SPEC_KEYS = frozenset((
    "volumes", "initContainers", "containers", "restartPolicy", "terminationGracePeriodSeconds",
    "activeDeadlineSeconds", "dnsPolicy", "nodeSelector", "serviceAccountName", "serviceAccount",
    "automountServiceAccountToken", "nodeName", "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace",
    "securityContext", "imagePullSecrets", "hostname", "subdomain", "schedulerName", "enableServiceLinks", "os",
    "hostUsers", "tolerations", "affinity", "topologySpreadConstraints"))
_RESTART = (None, "", "Always", "OnFailure", "Never")
_DNS = (None, "", "ClusterFirstWithHostNet", "ClusterFirst", "Default")  # "None" asks for dnsConfig
_AGREEING = (SECCOMP_CONTAINER, APPARMOR_CONTAINER)  # annotations that must agree with fields
_ANNOTATIONS_SIZE = 256 * 1024
_SOURCES = {"configMap": ("name", frozenset(("name", "defaultMode", "optional"))),
            "secret": ("secretName", frozenset(("secretName", "defaultMode", "optional"))),
            "persistentVolumeClaim": ("claimName", frozenset(("claimName", "readOnly"))),
            "emptyDir": ("", frozenset(("medium",)))}


def _flag(value: Any) -> bool:
    return value is None or type(value) is bool


def _named(rule: Callable[[str], list[str]]) -> Callable[[Any], bool]:
    return lambda value: value is None or value == "" or (type(value) is str and not rule(value))


_SCALARS: dict[str, Callable[[Any], bool]] = {
    "hostNetwork": _flag, "hostPID": _flag, "hostIPC": _flag, "shareProcessNamespace": _flag,
    "hostUsers": lambda value: value is None or value is True,  # false: the user-namespace rules
    "restartPolicy": lambda value: value in _RESTART, "dnsPolicy": lambda value: value in _DNS,
    "serviceAccountName": _named(formats.dns1123_subdomain), "serviceAccount": _named(formats.dns1123_subdomain),
    "nodeName": _named(formats.dns1123_subdomain), "hostname": _named(formats.dns1123_label),
    "subdomain": _named(formats.dns1123_label),
    "terminationGracePeriodSeconds": lambda value: value is None or (type(value) is int and
                                                                     -(1 << 63) <= value < 1 << 63),
    "activeDeadlineSeconds": lambda value: value is None or (type(value) is int and
                                                             1 <= value <= formats.MAX_INT32),
    "os": lambda value: value is None or value == {"name": "linux"},
}


def pod_plainly(pod: dict[str, Any]) -> bool:
    """True when validating the Pod `pod` (decoded without a problem) finds nothing at all."""
    spec = pod.get("spec")
    return pod.keys() <= OBJECT_KEYS and type(spec) is dict and object_meta(pod.get("metadata")) \
        and pod_spec(spec, is_pod=True)


def object_meta(meta: Any) -> bool:
    """ValidateObjectMeta finds nothing, with a name given (a generated one is not for here),
    and ValidatePodSpecificAnnotations finds nothing either."""
    if type(meta) is not dict or not meta.keys() <= _META_KEYS:
        return False
    name = meta.get("name")
    if type(name) is not str or not name or formats.dns1123_subdomain(name):
        return False
    return label_map(meta.get("labels")) and annotation_map(meta.get("annotations"))


def template_plainly(template: Any) -> bool:
    """True when ValidatePodTemplateSpec of `template` finds nothing at all."""
    if type(template) is not dict or not template.keys() <= _TEMPLATE_KEYS:
        return False
    meta, spec = template.get("metadata"), template.get("spec")
    if meta is not None and (type(meta) is not dict or not meta.keys() <= _TEMPLATE_META_KEYS
                             or not label_map(meta.get("labels")) or not annotation_map(meta.get("annotations"))):
        return False
    return type(spec) is dict and pod_spec(spec, is_pod=False)


def label_map(values: Any) -> bool:
    """ValidateLabels finds nothing (valid keys and values are ASCII: no doubt either)."""
    if values is None:
        return True
    if type(values) is not dict:
        return False
    for key, value in values.items():
        if type(value) is not str or formats.label_key(key) or formats.label_value(value):
            return False
    return True


def annotation_map(values: Any) -> bool:
    """ValidateAnnotations and ValidatePodSpecificAnnotations find nothing, and no annotation
    is one that must agree with a field (or one whose rules are not modelled)."""
    if values is None:
        return True
    if type(values) is not dict:
        return False
    size = 0
    for key, value in values.items():
        if type(value) is not str or not key.isascii() or not value.isascii() or formats.label_key(key.lower()):
            return False
        if key.startswith(_AGREEING) or key == SECCOMP_POD or key in DOUBTED_ANNOTATIONS:
            return False
        size += len(key) + len(value)
    return size <= _ANNOTATIONS_SIZE


def pod_spec(spec: dict[str, Any], is_pod: bool) -> bool:
    """ValidatePodSpec finds nothing (on a Pod, after the host ports' defaulting)."""
    if not spec.keys() <= _SPEC_KEYS or not _scalars(spec):
        return False
    volume_names = volumes(spec.get("volumes"))
    if volume_names is None:
        return False
    grace = spec.get("terminationGracePeriodSeconds")
    grace = 30 if grace is None else (1 if grace < 0 and is_pod else grace)  # as podspec.pod_spec defaults it
    network = spec.get("hostNetwork") is True
    pod = PodContext(volume_names, grace, network, network and is_pod)
    names = regular(spec.get("containers"), pod)
    if names is None or not init(spec.get("initContainers"), names, pod):
        return False
    return label_map(spec.get("nodeSelector")) and pod_context(spec.get("securityContext")) \
        and _secrets(spec.get("imagePullSecrets")) and _scheduling(spec)


def _scalars(spec: dict[str, Any]) -> bool:
    """The flags, enums, names and numbers of the pod spec (only those present are looked at)."""
    for key, value in spec.items():
        check = _SCALARS.get(key)
        if check is not None and not check(value):
            return False
    return not (spec.get("shareProcessNamespace") is True and spec.get("hostPID") is True)


def _secrets(items: Any) -> bool:
    return items is None or (type(items) is list and all(type(s) is dict and s.keys() <= {"name"} for s in items))


def _scheduling(spec: dict[str, Any]) -> bool:
    """Affinity, tolerations and spread constraints, rare enough to be left to their rules."""
    if spec.get("affinity") is not None and \
            not clean(lambda r: scheduling.affinity(r, r.obj(spec, "affinity", "spec"), "spec.affinity")):
        return False
    if spec.get("tolerations") is not None and \
            not clean(lambda r: scheduling.tolerations(r, r.objs(spec, "tolerations", "spec"), "spec.tolerations")):
        return False
    key = "topologySpreadConstraints"
    return spec.get(key) is None or clean(lambda r: scheduling.topology_spread(r, r.objs(spec, key, "spec"), key))


def volumes(items: Any) -> frozenset[str] | None:
    """ValidateVolumes finds nothing: the volumes' names (all valid), or None."""
    if items is None:
        return frozenset()
    if type(items) is not list:
        return None
    names: set[str] = set()
    for vol in items:
        if type(vol) is not dict:
            return None
        name = vol.get("name")
        if type(name) is not str or not name or name in names or formats.dns1123_label(name):
            return None
        if not _plain_source(vol) and (vol.get("ephemeral") is not None or not _clean_volume(vol)):
            return None  # an ephemeral volume's rules depend on the pod's name
        names.add(name)
    return frozenset(names)


def _plain_source(vol: dict[str, Any]) -> bool:
    """One common source, in its plain shape."""
    if len(vol) != 2:
        return False
    first, second = vol  # "name" (volumes() read it) and the source
    key = second if first == "name" else first
    form = _SOURCES.get(key)
    source = vol[key]
    if form is None or type(source) is not dict or not source.keys() <= form[1]:
        return False
    required, _ = form
    if required:
        value = source.get(required)
        if type(value) is not str or not value or not value.isascii():
            return False
        mode = source.get("defaultMode")
        return mode is None or (type(mode) is int and 0 <= mode <= 0o777)
    return ascii_or_none(source.get("medium"))


def _clean_volume(vol: dict[str, Any]) -> bool:
    """The exact rules of one volume find nothing, and they model its source."""
    found: list[exact_volumes.Volumes] = []

    def check(r: Reader) -> list[FieldError]:
        found.append(exact_volumes.volumes(r, [vol], None, "spec.volumes"))
        return found[0].errors
    return clean(check) and not found[0].uncertain

"""Object metadata, labels and annotations (apimachinery's ValidateObjectMeta, ValidateLabels,
ValidateAnnotations) and the pod-specific security annotations.

Go validates maps in random iteration order: when more than one key of a map is wrong, the
errors are certain but their order is not, and the message is doubted.
"""

from __future__ import annotations

from collections.abc import Callable

from . import formats
from .field import FieldError, go_quote, invalid, too_long
from .security import local_descending_path
from .source import Json, Reader

# resourceVersion is left out: a create that sets it is a 400, not a validation error.
META_KEYS = ("name", "generateName", "namespace", "labels", "annotations", "uid", "creationTimestamp")
SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER = "container.seccomp.security.alpha.kubernetes.io/"
APPARMOR_CONTAINER = "container.apparmor.security.beta.kubernetes.io/"
DOUBTED_ANNOTATIONS = ("kubernetes.io/config.mirror", "scheduler.alpha.kubernetes.io/tolerations",
                        "controller.kubernetes.io/pod-deletion-cost")


def object_meta(r: Reader, meta: Json, name_check: Callable[[str], list[str]] | None,
                with_generate_name: bool = True) -> list[FieldError]:
    """ValidateObjectMeta on create (ValidateObjectMetaWithOpts, for ReplicationControllers,
    does not check generateName); `name_check` None when the name's rule is not modelled."""
    r.only(meta, META_KEYS, "metadata")
    errs: list[FieldError] = []
    prefix = r.string(meta, "generateName", "metadata")
    if prefix and with_generate_name and name_check is not None:
        # maskTrailingDash, quirk included: a trailing dash costs two characters.
        masked = prefix[:-2] + "a" if len(prefix) > 1 and prefix.endswith("-") else prefix
        errs += [invalid("metadata.generateName", prefix, m) for m in name_check(masked)]
    name = r.string(meta, "name", "metadata")
    if not name:
        # generateName is resolved before validation; no name at all is a different error.
        r.doubt("metadata.name: empty or generated names are not modelled")
    elif name_check is None:
        r.doubt("metadata.name: this kind's name rule is not modelled")
    else:
        errs += [invalid("metadata.name", name, m) for m in name_check(name)]
    errs += labels(r, r.str_map(meta, "labels", "metadata"), "metadata.labels")
    errs += annotation_keys(r, r.str_map(meta, "annotations", "metadata"), "metadata.annotations")
    return errs


def labels(r: Reader, values: dict[str, str], path: str) -> list[FieldError]:
    """ValidateLabels: each key, then its value."""
    per_key = []
    for key, value in values.items():
        own = [invalid(path, key, m) for m in formats.label_key(key)]
        own += [invalid(path, value, m) for m in formats.label_value(value)]
        per_key.append(own)
    return _in_map_order(r, per_key, path)


def annotation_keys(r: Reader, values: dict[str, str], path: str) -> list[FieldError]:
    per_key = [[invalid(path, key, m) for m in formats.label_key(key.lower())] for key in values]
    errs = _in_map_order(r, per_key, path)
    if sum(len(k) + len(v) for k, v in values.items()) > 256 * 1024:
        errs.append(too_long(path, 256 * 1024))
    return errs


def pod_annotations(r: Reader, values: dict[str, str], containers: list[str], path: str) -> list[FieldError]:
    """ValidatePodSpecificAnnotations."""
    for key in DOUBTED_ANNOTATIONS:
        if key in values:
            r.doubt(f"{path}[{key}]: not modelled")
    errs: list[FieldError] = []
    if SECCOMP_POD in values:
        errs += seccomp_annotation(values[SECCOMP_POD], f"{path}.{SECCOMP_POD}")
    errs += _in_map_order(r, [seccomp_annotation(v, f"{path}.{k}") for k, v in values.items()
                              if k.startswith(SECCOMP_CONTAINER)], path)
    per_key = []
    for key, value in values.items():
        if key.startswith(APPARMOR_CONTAINER):
            own = []
            container = key[len(APPARMOR_CONTAINER):]
            if container not in containers:
                own.append(invalid(f"{path}[{key}]", container, "container not found"))
            if value not in ("", "runtime/default", "unconfined") and not value.startswith("localhost/"):
                own.append(invalid(f"{path}[{key}]", value, f"invalid AppArmor profile name: {go_quote(value)}"))
            per_key.append(own)
    return errs + _in_map_order(r, per_key, path)


def seccomp_annotation(value: str, path: str) -> list[FieldError]:
    """ValidateSeccompProfile."""
    if value in ("runtime/default", "docker/default", "unconfined"):
        return []
    if value.startswith("localhost/"):
        return local_descending_path(value[len("localhost/"):], path)
    return [invalid(path, value, "must be a valid seccomp profile")]


def _in_map_order(r: Reader, per_key: list[list[FieldError]], path: str) -> list[FieldError]:
    if sum(1 for errs in per_key if errs) > 1:
        r.doubt(f"{path}: errors of several keys come in Go's random map order")
    return [e for errs in per_key for e in errs]

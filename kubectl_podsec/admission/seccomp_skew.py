"""The seccomp version skew of the API server's pod create strategy (pure).

Between the mutating and the validating admission phases, the pod create
strategy of Kubernetes 1.19 to 1.26 (applySeccompVersionSkew, from
kubernetes/kubernetes#91408) brings the deprecated seccomp annotations and the
`seccompProfile` fields together, so Pod Security judges the pod with both:

* 1.19 to 1.24: an annotation without its field gets the field, and a field
  without its annotation gets the annotation;
* 1.25 and 1.26: only annotations give fields (#109819);
* 1.27 on: neither (#114947).

A pod's annotation is `seccomp.security.alpha.kubernetes.io/pod` (the pod's
securityContext), a container's `container.seccomp.security.alpha.kubernetes.io/NAME`.
Values without a field form (or fields without an annotation form) are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .workloads import PodTemplate

FIRST_MINOR, BOTH_WAYS_UNTIL, LAST_MINOR = 19, 24, 26
POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
_FIELDS = {"unconfined": {"type": "Unconfined"}, "runtime/default": {"type": "RuntimeDefault"},
           "docker/default": {"type": "RuntimeDefault"}}
_CONTAINER_KINDS = ("initContainers", "containers", "ephemeralContainers")


def directions(server_minor: int | None) -> tuple[bool, bool]:
    """(annotations to fields, fields to annotations) on this server; None: the newest."""
    if server_minor is None or not FIRST_MINOR <= server_minor <= LAST_MINOR:
        return False, False
    return True, server_minor <= BOTH_WAYS_UNTIL


def field_for(annotation: Any) -> dict[str, str] | None:
    """podutil.SeccompFieldForAnnotation."""
    if isinstance(annotation, str) and annotation.startswith("localhost/") and annotation != "localhost/":
        return {"type": "Localhost", "localhostProfile": annotation[len("localhost/"):]}
    return dict(_FIELDS[annotation]) if isinstance(annotation, str) and annotation in _FIELDS else None


def annotation_for(field: Any) -> str:
    """podutil.SeccompAnnotationForField ("" when it has no annotation form)."""
    if not isinstance(field, Mapping):
        return ""
    kind = field.get("type")
    if kind == "Unconfined":
        return "unconfined"
    if kind == "RuntimeDefault":
        return "runtime/default"
    if kind == "Localhost" and isinstance(field.get("localhostProfile"), str):
        return "localhost/" + str(field["localhostProfile"])
    return ""


def apply(template: PodTemplate, server_minor: int | None) -> PodTemplate:
    """The pod as the create strategy of this server leaves it (the same
    object when nothing changes; the input is never changed)."""
    to_fields, to_annotations = directions(server_minor)
    if not to_fields:
        return template
    return sync(template, to_annotations)


def sync(template: PodTemplate, to_annotations: bool = True) -> PodTemplate:
    """applySeccompVersionSkew on a copy (fields to annotations too unless told not to)."""
    meta = template.metadata if isinstance(template.metadata, Mapping) else {}
    raw = meta.get("annotations")
    annotations = dict(raw) if isinstance(raw, Mapping) else {}
    before = dict(annotations)
    spec = dict(template.spec)
    changed = _sync_one(annotations, POD_ANNOTATION, spec, to_annotations)
    for kind in _CONTAINER_KINDS:
        containers = spec.get(kind)
        if not isinstance(containers, list):
            continue
        synced = [dict(c) if isinstance(c, Mapping) else c for c in containers]
        touched = False
        for container in synced:
            if isinstance(container, dict) and isinstance(container.get("name"), str):
                key = CONTAINER_ANNOTATION_PREFIX + container["name"]
                touched = _sync_one(annotations, key, container, to_annotations) or touched
        if touched:
            spec[kind] = synced
            changed = True
    if not changed:
        return template
    metadata = dict(meta)
    if annotations != before:
        metadata["annotations"] = annotations
    return PodTemplate(metadata, spec, template.path)


def _sync_one(annotations: dict[str, Any], key: str, holder: dict[str, Any], to_annotations: bool) -> bool:
    """One annotation and the field beside it; whether anything was written."""
    context = holder.get("securityContext")
    context = context if isinstance(context, Mapping) else {}
    field = context.get("seccompProfile")
    if field is not None:
        value = annotation_for(field)
        if to_annotations and key not in annotations and value:
            annotations[key] = value
            return True
        return False
    new = field_for(annotations.get(key)) if key in annotations else None
    if new is None:
        return False
    holder["securityContext"] = {**context, "seccompProfile": new}
    return True

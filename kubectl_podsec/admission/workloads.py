"""Where each workload kind keeps its pod template (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

# kind -> API groups it is served from, and the path to its pod template.
_TEMPLATE_PATHS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Pod": (("",), ()),
    "PodTemplate": (("",), ("template",)),
    "ReplicationController": (("",), ("spec", "template")),
    "ReplicaSet": (("apps", "extensions"), ("spec", "template")),
    "Deployment": (("apps", "extensions"), ("spec", "template")),
    "StatefulSet": (("apps",), ("spec", "template")),
    "DaemonSet": (("apps", "extensions"), ("spec", "template")),
    "Job": (("batch",), ("spec", "template")),
    "CronJob": (("batch",), ("spec", "jobTemplate", "spec", "template")),
}

WORKLOAD_KINDS = tuple(_TEMPLATE_PATHS)


class TemplateError(ValueError):
    """The object carries a pod template of the wrong shape."""


class PodTemplate(NamedTuple):
    """The pod metadata and spec admission evaluates for an object."""

    metadata: Mapping[str, Any]
    spec: Mapping[str, Any]
    path: str  # where it sits in the object, e.g. "spec.template"


def api_group(api_version: str) -> str:
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def carries_pod_spec(kind: str, api_version: str) -> bool:
    groups = _TEMPLATE_PATHS.get(kind, ((), ()))[0]
    return api_group(api_version) in groups


def pod_template(obj: Mapping[str, Any]) -> PodTemplate | None:
    """The pod template of a Pod or workload; None when the object has none
    (a ReplicationController without template is skipped, as upstream does)."""
    kind = obj.get("kind")
    if not isinstance(kind, str) or kind not in _TEMPLATE_PATHS:
        return None
    path = _TEMPLATE_PATHS[kind][1]
    node: Any = obj
    for i, key in enumerate(path):
        if not isinstance(node, dict):
            raise TemplateError(f"{'.'.join(path[:i]) or 'object'}: expected an object")
        node = node.get(key)
        if node is None:
            return None
    if not isinstance(node, dict):
        raise TemplateError(f"{'.'.join(path)}: expected an object")
    meta, spec = node.get("metadata") or {}, node.get("spec") or {}
    where = ".".join(path)
    if not isinstance(meta, dict):
        raise TemplateError(f"{where + '.' if where else ''}metadata: expected an object")
    if not isinstance(spec, dict):
        raise TemplateError(f"{where + '.' if where else ''}spec: expected an object")
    return PodTemplate(meta, spec, where)

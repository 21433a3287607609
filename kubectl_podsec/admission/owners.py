"""Pods and the templates of the controllers that own them (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from .workloads import PodTemplate, TemplateError, pod_template


class OwnedPod(NamedTuple):
    pod: Mapping[str, Any]
    owner: str  # "ReplicaSet web/api-5d9c7"
    template: PodTemplate


def _key(obj: Mapping[str, Any]) -> tuple[str, str, str]:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(obj.get("kind") or ""), str(meta.get("name") or ""))


def _controller(pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    refs = (pod.get("metadata") or {}).get("ownerReferences") or []
    if not isinstance(refs, list):  # not a list the API server would have decoded: no owner
        return None
    return next((r for r in refs if isinstance(r, Mapping) and r.get("controller")), None)


def owned_pods(pods: Iterable[Mapping[str, Any]],
               owners: Iterable[Mapping[str, Any]]) -> Iterator[OwnedPod]:
    """Each pod whose controlling owner is among `owners` and carries a pod
    template (ReplicaSet, ReplicationController, StatefulSet, DaemonSet, Job)."""
    templates: dict[tuple[str, str, str], PodTemplate] = {}
    for obj in owners:
        try:
            template = pod_template(obj)
        except TemplateError:
            continue
        if template is not None and obj.get("kind") != "Pod":
            templates[_key(obj)] = template
    for pod in pods:
        ref = _controller(pod)
        if ref is None:
            continue
        namespace = str((pod.get("metadata") or {}).get("namespace") or "")
        key = (namespace, str(ref.get("kind") or ""), str(ref.get("name") or ""))
        if key in templates:
            yield OwnedPod(pod, f"{key[1]} {namespace + '/' if namespace else ''}{key[2]}", templates[key])

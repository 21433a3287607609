"""`fix --server`: the API server's own verdict on each fixed object.

Each object that passes after the fix is created with dryRun=All (admission
runs, nothing is stored) in its namespace; for a workload, so is the Pod its
controller would create from the fixed template, since enforce judges only
Pods. Any refusal is reported with the server's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..admission.workloads import pod_template
from ..kube.client import ApiError, Cluster
from ..kube.resources import POD, resource_for
from .document import apply_patch
from .files import FileFix, ObjectFix

_SERVER_METADATA = ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink",
                    "deletionTimestamp", "ownerReferences")


def create_body(obj: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in _SERVER_METADATA}
    return {**{k: v for k, v in obj.items() if k != "status"}, "metadata": {**meta, "namespace": namespace}}


def controller_pod(owner: Mapping[str, Any], namespace: str) -> dict[str, Any] | None:
    """The Pod a workload's controller creates: the template's labels,
    annotations and spec, in the workload's namespace, under a generated name."""
    template = pod_template(owner)
    if template is None:
        return None
    name = str((owner.get("metadata") or {}).get("name") or "pod")
    meta: dict[str, Any] = {"generateName": name[:40] + "-podsec-fix-", "namespace": namespace}
    for key in ("labels", "annotations"):
        if template.metadata.get(key):
            meta[key] = dict(template.metadata[key])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": with_claims(owner, template.spec)}


def with_claims(owner: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """A StatefulSet's pods also get a volume per volumeClaimTemplate (the
    controller's claim `<template>-<set>-<ordinal>`), which their mounts name."""
    claims = (owner.get("spec") or {}).get("volumeClaimTemplates") if owner.get("kind") == "StatefulSet" else None
    if not isinstance(claims, list) or not claims:
        return dict(spec)
    name = str((owner.get("metadata") or {}).get("name") or "set")
    volumes = list(spec.get("volumes") or [])
    names = {v.get("name") for v in volumes if isinstance(v, dict)}
    for claim in claims:
        claim_name = ((claim or {}).get("metadata") or {}).get("name") if isinstance(claim, dict) else None
        if isinstance(claim_name, str) and claim_name not in names:
            volumes.append({"name": claim_name, "persistentVolumeClaim": {"claimName": f"{claim_name}-{name}-0"}})
    return {**spec, "volumes": volumes}


class ServerDryRun:
    def __init__(self, cluster: Cluster, default_namespace: str) -> None:
        self.cluster = cluster
        self.default_namespace = default_namespace

    def check_all(self, fixed: FileFix) -> dict[int, dict[str, Any]]:
        """id(ObjectFix) -> the server's answers, for each object fix says passes."""
        return {id(obj): self.check(obj) for obj in fixed.objects if obj.plan.passes}

    def check(self, obj: ObjectFix) -> dict[str, Any]:
        fixed = apply_patch(obj.object, obj.plan.operations)
        kind, api_version = str(fixed.get("kind")), str(fixed.get("apiVersion"))
        resource = resource_for(kind, api_version)
        if resource is None:
            return {"rejected": True, "message": f"{api_version} {kind} cannot be dry-run"}
        out: dict[str, Any] = {}
        answer = self.cluster.dry_run_create(resource, obj.namespace, create_body(fixed, obj.namespace))
        out["object"] = answer.to_dict()
        messages = [] if answer.accepted else [answer.message or answer.outcome]
        pod = controller_pod(fixed, obj.namespace) if kind != "Pod" else None
        if pod is not None:
            pods = self.cluster.dry_run_create(POD, obj.namespace, pod)
            out["pods"] = pods.to_dict()
            if not pods.accepted:
                messages.append(f"its pods: {pods.message or pods.outcome}")
        out["rejected"] = bool(messages)
        if messages:
            out["message"] = "; ".join(messages)
        return out


class ClusterLabels:
    """namespace -> its labels in the cluster, asked once each; None when the
    namespace does not exist (the cluster defaults then apply)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._seen: dict[str, dict[str, str] | None] = {}

    def __call__(self, namespace: str) -> dict[str, str] | None:
        if namespace not in self._seen:
            try:
                labels = (self.cluster.namespace_object(namespace).get("metadata") or {}).get("labels")
                self._seen[namespace] = dict(labels) if isinstance(labels, dict) else {}
            except ApiError as err:
                if err.status != 404:
                    raise
                self._seen[namespace] = None
        return self._seen[namespace]

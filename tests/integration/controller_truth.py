"""What the real controllers did with workloads: applied in bulk, then read back as the pod each
one created or the FailedCreate event that carries the server's denial.

Used by test_controller_pods.py. A workload is named by (kind, name) in its namespace; the pods
and events of the objects in between (a Deployment's ReplicaSet, a CronJob's Job) are traced
back to it through their controller references.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from kubectl_podsec.admission.controller_pods import job_from_cronjob

from .control_plane import Cluster

_PLURALS = {"ReplicationController": "/api/v1/namespaces/{}/replicationcontrollers",
            "ReplicaSet": "/apis/apps/v1/namespaces/{}/replicasets",
            "Deployment": "/apis/apps/v1/namespaces/{}/deployments",
            "StatefulSet": "/apis/apps/v1/namespaces/{}/statefulsets",
            "DaemonSet": "/apis/apps/v1/namespaces/{}/daemonsets",
            "Job": "/apis/batch/v1/namespaces/{}/jobs",
            "CronJob": "/apis/batch/v1/namespaces/{}/cronjobs"}
FORBIDDEN = " is forbidden: "
Key = tuple[str, str, str]  # (namespace, kind, name) of a workload


@dataclass(frozen=True)
class Outcome:
    """The first pod a controller created for a workload, or the denial it got."""

    pod: Mapping[str, Any] | None = None
    denial: str | None = None  # the event's text after `pods "NAME" is forbidden: `
    event: str | None = None  # the whole event message


def manual_job_name(cronjob: str) -> str:
    return f"{cronjob}-manual"


def apply(cluster: Cluster, namespace: str, objects: Iterable[Mapping[str, Any]]) -> list[str]:
    """Create the objects (and for each CronJob its Job, as `kubectl create job --from` makes it);
    returns the errors of those the server refused."""
    def create(obj: Mapping[str, Any]) -> str | None:
        path = _PLURALS[str(obj["kind"])].format(namespace)
        created = cluster.api("POST", path, obj)
        if created.status != 201:
            return f"{obj['kind']} {obj['metadata']['name']}: {created.status} {created.body}"
        if obj["kind"] != "CronJob":
            return None
        job = job_from_cronjob(created.body, manual_job_name(obj["metadata"]["name"]))
        made = cluster.api("POST", _PLURALS["Job"].format(namespace), job)
        return None if made.status == 201 else f"Job from {obj['metadata']['name']}: {made.status} {made.body}"

    with ThreadPoolExecutor(6) as pool:
        return [e for e in pool.map(create, objects) if e]


def _items(cluster: Cluster, path: str) -> list[dict[str, Any]]:
    response = cluster.api("GET", path)
    assert response.status == 200, (path, response.status, response.body)
    items: list[dict[str, Any]] = response.body["items"]
    return items


def _controller(obj: Mapping[str, Any]) -> tuple[str, str] | None:
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return str(ref["kind"]), str(ref["name"])
    return None


def _workload(namespace: str, kind: str, name: str, parents: Mapping[tuple[str, str], tuple[str, str]]) -> Key:
    """The workload behind an owner: a Deployment's ReplicaSet, a CronJob's Job, or itself."""
    kind, name = parents.get((kind, name), (kind, name))
    return namespace, kind, name


def read(cluster: Cluster, namespace: str) -> dict[Key, Outcome]:
    """The outcome of every workload in the namespace that has one yet."""
    parents: dict[tuple[str, str], tuple[str, str]] = {}
    for kind in ("ReplicaSet", "Job"):
        for obj in _items(cluster, _PLURALS[kind].format(namespace)):
            owner = _controller(obj)
            if owner is not None and owner[0] in ("Deployment", "CronJob"):
                parents[(kind, obj["metadata"]["name"])] = owner
    denials: dict[Key, str] = {}
    events = _items(cluster, f"/api/v1/namespaces/{namespace}/events?fieldSelector=reason%3DFailedCreate")
    for event in events:
        involved, message = event["involvedObject"], str(event.get("message") or "")
        denials.setdefault(_workload(namespace, involved["kind"], involved["name"], parents), message)
    pods: dict[Key, dict[str, Any]] = {}
    for pod in _items(cluster, f"/api/v1/namespaces/{namespace}/pods"):
        owner = _controller(pod)
        if owner is not None:
            pods.setdefault(_workload(namespace, *owner, parents), pod)
    return {key: Outcome(pods.get(key), denials[key].split(FORBIDDEN, 1)[-1] if key in denials else None,
                         denials.get(key))
            for key in pods.keys() | denials.keys()}


def await_outcomes(cluster: Cluster, wanted: set[Key], timeout: float) -> dict[Key, Outcome]:
    """Poll every namespace until each wanted workload has an outcome, or the time is up."""
    namespaces = sorted({key[0] for key in wanted})
    deadline = time.monotonic() + timeout
    outcomes: dict[Key, Outcome] = {}
    while True:
        for namespace in namespaces:
            outcomes.update(read(cluster, namespace))
        if wanted <= outcomes.keys() or time.monotonic() > deadline:
            return outcomes
        time.sleep(2)

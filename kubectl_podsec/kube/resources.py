"""The API resources `kubectl podsec` reads, reviews and dry-runs (pure).

Each kind that carries a pod spec, with the group, version and plural name the
API server serves it under, so requests and access reviews are built without
discovery.
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import UsageError


class Resource(NamedTuple):
    kind: str
    group: str  # "" for the core group
    version: str
    plural: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def collection_path(self, namespace: str | None) -> str:
        """The URL path of the collection, in one namespace or across all."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace is not None and self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"

    def object_path(self, namespace: str | None, name: str) -> str:
        return f"{self.collection_path(namespace)}/{name}"


# Every kind with a pod spec, in the order a cluster scan reports them.
WORKLOAD_RESOURCES = (
    Resource("Pod", "", "v1", "pods", short_names=("po",)),
    Resource("PodTemplate", "", "v1", "podtemplates"),
    Resource("ReplicationController", "", "v1", "replicationcontrollers", short_names=("rc",)),
    Resource("ReplicaSet", "apps", "v1", "replicasets", short_names=("rs",)),
    Resource("Deployment", "apps", "v1", "deployments", short_names=("deploy",)),
    Resource("StatefulSet", "apps", "v1", "statefulsets", short_names=("sts",)),
    Resource("DaemonSet", "apps", "v1", "daemonsets", short_names=("ds",)),
    Resource("Job", "batch", "v1", "jobs"),
    Resource("CronJob", "batch", "v1", "cronjobs", short_names=("cj",)),
)
NAMESPACES = Resource("Namespace", "", "v1", "namespaces", namespaced=False, short_names=("ns",))
PODSECURITYPOLICIES = Resource("PodSecurityPolicy", "policy", "v1beta1", "podsecuritypolicies",
                               namespaced=False, short_names=("psp",))  # served up to v1.24
POD = WORKLOAD_RESOURCES[0]

_BY_KIND = {r.kind: r for r in WORKLOAD_RESOURCES}
_BY_NAME = {
    name: r
    for r in WORKLOAD_RESOURCES
    for name in (r.kind.lower(), r.plural, r.plural[:-1], *r.short_names)
}


def resource_for(kind: str, api_version: str) -> Resource | None:
    """The resource an object of this kind and apiVersion is created through,
    at the object's own version (the server says when it does not serve it)."""
    resource = _BY_KIND.get(kind)
    group, _, version = api_version.rpartition("/")
    if resource is None or group != resource.group or not version:
        return None
    return resource._replace(version=version)


def parse_kinds(values: tuple[str, ...] | list[str]) -> tuple[Resource, ...]:
    """`--kind` values (repeatable, comma-separated; kinds, plurals or short
    names, any case) to resources in scan order; none given means all."""
    wanted: set[str] = set()
    for value in values:
        for name in filter(None, (v.strip() for v in value.split(","))):
            resource = _BY_NAME.get(name.lower())
            if resource is None:
                known = ", ".join(r.kind for r in WORKLOAD_RESOURCES)
                raise UsageError(f'--kind: "{name}" is not a kind with a pod spec (one of {known})')
            wanted.add(resource.kind)
    if not wanted:
        return WORKLOAD_RESOURCES
    return tuple(r for r in WORKLOAD_RESOURCES if r.kind in wanted)

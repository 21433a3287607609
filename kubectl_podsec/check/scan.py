"""Reading a cluster for `check`: its objects page by page, and its namespaces'
labels, recording what cannot be read instead of stopping at it.

Only losing the server (no answer, bad credentials) stops a scan; a list or
namespace that is forbidden or missing is reported and the scan goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from ..kube.concurrency import prefetched
from ..admission.labels import pod_security_labels
from ..kube.client import ApiError, Cluster
from ..kube.resources import NAMESPACES, Resource
from ..pss import server_minor

INPUT_ORIGIN = "Namespace object in the input"
CLUSTER_ORIGIN = "the namespace in the cluster"


class Unreadable(NamedTuple):
    what: str
    error: ApiError

    def __str__(self) -> str:
        return f"cannot read {self.what}: {self.error}"


def fatal(error: ApiError) -> bool:
    """Errors that end a scan: no answer, credentials or impersonation refused."""
    return error.fatal


def served_minor(cluster: Cluster) -> int | None:
    """`latest` as the server knows it: its minor version (also the first
    request, so a wrong context or identity fails here, before any output);
    None for a server with an odd version string (the newest known)."""
    version = cluster.version()
    try:
        return server_minor(str(version.get("gitVersion") or ""))
    except ValueError:
        return None


class NamespaceLabels(Mapping[str, Mapping[str, str]]):
    """Namespace -> its pod-security labels: from Namespace objects in the
    input first, then from the cluster (listed at once, or fetched one by one
    when listing is not allowed). Namespaces that do not exist are absent;
    those that cannot be read are absent and reported once."""

    def __init__(self, cluster: Cluster, on_error: Callable[[Unreadable], None],
                 input_labels: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.cluster = cluster
        self.on_error = on_error
        self.input = dict(input_labels or {})
        self.live: dict[str, dict[str, str] | None] = {}
        self.missing: dict[str, ApiError] = {}
        self.refused: dict[str, ApiError] = {}  # namespaces whose labels cannot be read
        self.listed = False

    def load_all(self) -> list[str] | None:
        """List every namespace (paginated); their names, or None when not allowed."""
        try:
            for page in self.cluster.list_pages(NAMESPACES):
                for ns in page:
                    meta = ns.get("metadata") or {}
                    self.live[meta.get("name", "")] = pod_security_labels(meta.get("labels"))
        except ApiError as err:
            if fatal(err):
                raise
            return None
        self.listed = True
        return sorted(self.live)

    def _fetch(self, name: str) -> None:
        if name in self.live or self.listed:
            return
        try:
            meta = self.cluster.namespace_object(name).get("metadata") or {}
            self.live[name] = pod_security_labels(meta.get("labels"))
        except ApiError as err:
            if fatal(err):
                raise
            self.live[name] = None
            if err.status == 404:
                self.missing[name] = err
            else:
                self.refused[name] = err
                self.on_error(Unreadable(f'the labels of namespace "{name}"', err))

    def why_unreadable(self, name: str) -> str | None:
        """Why the namespace's labels cannot be read; None when they can (or
        it is in the input, or does not exist)."""
        if name in self.input:
            return None
        self._fetch(name)
        err = self.refused.get(name)
        return None if err is None else str(err)

    def existing(self, names: list[str], on_missing: Callable[[Unreadable], None]) -> list[str]:
        """The namespaces that exist (or cannot be told not to); a missing one
        is an error: the run's only namespace, or reported beside the others."""
        for name in names:
            self._fetch(name)
        if len(names) == 1 and names[0] in self.missing:
            raise self.missing[names[0]]
        for name in names:
            if name in self.missing:
                on_missing(Unreadable(f'namespace "{name}"', self.missing[name]))
        return [n for n in names if n not in self.missing]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if name in self.input:
            return True
        self._fetch(name)
        return self.live.get(name) is not None

    def __getitem__(self, name: str) -> Mapping[str, str]:
        if name in self.input:
            return self.input[name]
        if name in self:
            return self.live[name] or {}
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter({**self.live, **self.input})

    def __len__(self) -> int:
        return len({**self.live, **self.input})

    def origin(self, name: str) -> str:
        return INPUT_ORIGIN if name in self.input else CLUSTER_ORIGIN


def objects(cluster: Cluster, resources: Iterable[Resource], namespaces: list[str] | None,
            selector: str | None, labels: NamespaceLabels,
            on_error: Callable[[Unreadable], None]) -> Iterator[list[dict[str, Any]]]:
    """Pages of objects of each resource, in `namespaces` or (None) in all of
    them. A cluster-wide list that is forbidden falls back to one list per
    namespace, for users whose rights are granted namespace by namespace."""
    all_names: list[str] | None = None
    for resource in resources:
        if namespaces is not None:
            for ns in namespaces:
                yield from _pages(cluster, resource, ns, selector, on_error)
            continue
        refused: list[ApiError] = []
        yield from _pages(cluster, resource, None, selector, on_error, refused)
        if not refused:
            continue
        if all_names is None:
            all_names = labels.load_all() or []
        if not labels.listed:
            on_error(Unreadable(f"{resource.plural} in all namespaces (nor list the namespaces "
                                "to read them one by one)", refused[0]))
            continue
        denied: list[Unreadable] = []
        for ns in all_names:
            yield from _pages(cluster, resource, ns, selector, denied.append)
        if denied:
            on_error(_collapsed(resource, denied, len(all_names)))


def _collapsed(resource: Resource, denied: list[Unreadable], total: int) -> Unreadable:
    """One report for a resource unreadable in many namespaces, not one each."""
    if len(denied) == 1:
        return denied[0]
    names = [u.what.rpartition(" ")[2].strip('"') for u in denied]
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return Unreadable(f"{resource.plural} in {len(denied)} of {total} namespaces ({shown})", denied[0].error)


def _pages(cluster: Cluster, resource: Resource, namespace: str | None, selector: str | None,
           on_error: Callable[[Unreadable], None],
           refused: list[ApiError] | None = None) -> Iterator[list[dict[str, Any]]]:
    """The pages of one list; a failure is reported (or, for a refused
    cluster-wide list with nothing read yet, handed back in `refused`)."""
    started = False
    try:
        for page in prefetched(cluster.list_pages(resource, namespace, selector)):
            started = True
            yield page
    except ApiError as err:
        if fatal(err):
            raise
        if refused is not None and err.status == 403 and not started:
            refused.append(err)
            return
        where = f'in namespace "{namespace}"' if namespace else "in all namespaces"
        on_error(Unreadable(f"{resource.plural} {where}", err))

"""Reading what a rollout needs from the cluster: the namespaces (named, all,
or by label), and every pod and workload template in them, judged and
counted per namespace as the pages arrive (bounded memory).

Named namespaces (and a few selected by label) are read one by one; with -A
(or many selected) each kind is listed once across the cluster, page by page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ..admission.config import PodSecurityConfig
from ..kube.client import ApiError, Cluster
from ..kube.concurrency import merged
from ..pss import Level, Version
from ..kube.resources import NAMESPACES, WORKLOAD_RESOURCES, Resource
from .stages import NamespacePlan, default_level, level_under_way, skip_reason
from .tally import Judge, Tally, namespace_plan
from .worker import judging
from ..check.scan import NamespaceLabels, Unreadable, fatal, objects

PER_NAMESPACE_UP_TO = 10  # selected namespaces read one by one; more: cluster-wide lists


class Selection(NamedTuple):
    names: tuple[str, ...] = ()  # named namespaces (system ones included when named)
    all_namespaces: bool = False
    selector: str | None = None  # a label selector on namespaces


class Survey(NamedTuple):
    """Each selected namespace as read, and its plan, in name order."""

    namespaces: dict[str, dict[str, Any]]
    plans: dict[str, NamespacePlan]
    errors: list[str]  # what could not be read
    judged: int  # objects judged
    evaluated: int  # templates evaluated (the rest came from the cache)
    version: Version  # the policy version judged against (pinned)

    def idle(self, enforced: Level) -> list[str]:
        """The namespaces (not skipped) with no rollout under way: without
        --level, `rollout ns` cannot know where to take them."""
        return [name for name, plan in self.plans.items() if not plan.skip and level_under_way(
            (self.namespaces[name].get("metadata") or {}).get("labels"), enforced) is None]


def read_namespaces(cluster: Cluster, selection: Selection,
                    on_error: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """The namespace objects; a named one that does not exist is an error
    (the run's only one: raised; among others: reported)."""
    if not selection.names:
        found = {}
        for page in cluster.list_pages(NAMESPACES, selector=selection.selector):
            for ns in page:
                found[str((ns.get("metadata") or {}).get("name"))] = ns
        return dict(sorted(found.items()))
    out: dict[str, dict[str, Any]] = {}
    for name in selection.names:
        try:
            out[name] = cluster.namespace_object(name)
        except ApiError as err:
            if fatal(err) or len(selection.names) == 1:
                raise
            on_error(f'namespace "{name}": {err}')
    return out


def survey(cluster: Cluster, selection: Selection, level: Level | None, version: Version,
           judge: Judge, config: PodSecurityConfig, force: bool,
           on_error: Callable[[str], None], tick: Callable[[int], None] = lambda n: None) -> Survey:
    """Read the namespaces, judge every pod and template in those not skipped,
    and plan each towards `level` (or, without one, its default_level)."""
    errors: list[str] = []

    def error(text: str) -> None:
        errors.append(text)
        on_error(text)

    # Cluster-wide, pages are judged in a second process (forked before any
    # thread starts), and with -A the lists start while the namespaces are read.
    judges = judging(judge, parallel=not selection.names)
    early = Lists(cluster, None) if selection.all_namespaces else None
    try:
        namespaces = read_namespaces(cluster, selection, error)
        named = bool(selection.names)
        skips = {name: skip_reason(ns, named, config.exempt_namespaces, force)
                 for name, ns in namespaces.items()}
        levels = {name: level or default_level(_labels(ns), config.defaults.enforce.level)
                  for name, ns in namespaces.items()}
        tallies = {name: Tally(levels[name]) for name in namespaces if not skips[name]}
        judges.start({name: tally.level for name, tally in tallies.items()})
        for lists in _lists(cluster, early, list(tallies)):
            for resource, page in lists:
                judges.page(resource, page)
                tick(1)
            for item in lists.unreadable:
                error(str(item))
                for name in lists.namespaces or tallies:
                    tallies[name].error(str(item))
        counted, evaluated = judges.finish()
    finally:
        judges.close()
        if early is not None:
            early.close()
    for name, tally in counted.items():
        tallies[name].merge(tally)
    plans = {name: namespace_plan(ns, tallies.get(name), levels[name], version, skips[name])
             for name, ns in namespaces.items()}
    judged = sum(t.objects + t.exempt for t in tallies.values())
    return Survey(namespaces, plans, errors, judged, evaluated, version)


def _labels(namespace: dict[str, Any]) -> dict[str, str]:
    return dict((namespace.get("metadata") or {}).get("labels") or {})


def _lists(cluster: Cluster, early: Lists | None, names: list[str]) -> Iterator[Lists]:
    """Cluster-wide lists (-A, or many namespaces), or one set per namespace."""
    if not names:
        return
    if early is not None or len(names) > PER_NAMESPACE_UP_TO:
        yield early or Lists(cluster, None)
        return
    for name in names:
        yield Lists(cluster, [name])


Page = tuple[Resource, "bytes | list[dict[str, Any]]"]


class Lists:
    """Every kind with a pod spec listed at the same time (from the moment
    this is made), in one namespace or across the cluster, page by page:
    cluster-wide pages come undecoded (bytes), for the judging process. A
    list that cannot be read is kept in `unreadable`: the namespaces it
    covers get an error, so enforce is not advanced on a partial view."""

    def __init__(self, cluster: Cluster, namespaces: list[str] | None) -> None:
        self.namespaces = namespaces
        self.unreadable: list[Unreadable] = []  # appended to from the listing threads
        labels = NamespaceLabels(cluster, lambda item: None)
        self._pages = merged([_kind_pages(cluster, resource, namespaces, labels, self.unreadable)
                              for resource in WORKLOAD_RESOURCES])

    def __iter__(self) -> Iterator[Page]:
        return self._pages

    def close(self) -> None:
        self._pages.close()


def _kind_pages(cluster: Cluster, resource: Resource, namespaces: list[str] | None, labels: NamespaceLabels,
                unreadable: list[Unreadable]) -> Iterator[Page]:
    """One kind's pages: cluster-wide raw; in namespaces (or where a
    cluster-wide list is refused, namespace by namespace, as check does) decoded."""
    if namespaces is None:
        started = False
        try:
            for raw in cluster.list_pages(resource, raw=True):
                started = True
                yield resource, raw
            return
        except ApiError as err:
            if fatal(err):
                raise
            if started or err.status != 403:
                unreadable.append(Unreadable(f"{resource.plural} in all namespaces", err))
                return
    for page in objects(cluster, [resource], namespaces, None, labels, unreadable.append):
        yield resource, page

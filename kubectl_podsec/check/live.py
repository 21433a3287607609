"""`check` against a live cluster: its objects (or the files given), the live
namespaces' labels, `latest` as the server's version, and with `--server` the
server's own answers beside the offline ones."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..admission.policy import PolicyResolver
from ..kube.client import ApiError, Cluster
from ..kube.resources import PODSECURITYPOLICIES, Resource
from ..kube.concurrency import ordered_map
from ..pss import Evaluator
from .checker import Checker
from .dry_run import ServerVerdict
from .probe import Prober
from .report import Result
from .run import CheckRequest, Item, ReportSink, Run, check_all
from .scan import NamespaceLabels, Unreadable, fatal, objects, served_minor
from .server import WORKERS, ServerChecker


def check_cluster(request: CheckRequest, cluster: Cluster, run: Run, writer: ReportSink,
                  input_labels: Mapping[str, Any], items: Iterator[Item] | None,
                  psp_policies: list[dict[str, Any]] | None) -> None:
    server_minor = served_minor(cluster)
    if request.server_dry_run and cluster.identity.user:  # a refused impersonation fails here, before any output
        cluster.access({"verb": "create", "resource": "pods", "namespace": cluster.namespace})
    psp = ClusterPsp.of(cluster, run, psp_policies)
    live = NamespaceLabels(cluster, _on_labels_error(run, request), input_labels)
    # how this server reads the labels, whatever --server-version says
    prober = Prober(cluster)
    resolver = PolicyResolver(request.admission_config, live, request.assumed_labels, live.origin,
                              server_minor, unreadable=live.why_unreadable,
                              probe=prober if request.probe else None, defaults_unknown_unless_given=True)
    names = list(request.namespaces)
    default_namespace = names[0] if names and items is not None else cluster.namespace
    minor = request.server_minor
    checker = Checker(Evaluator(server_minor if minor is None else minor), resolver,
                      default_namespace, request.level, username=cluster.identity.user,
                      psp=psp.admission if psp else None)
    if items is None:
        if request.all_namespaces:
            live.load_all()  # their labels in a request or two, instead of one per namespace
        scope = None if request.all_namespaces else live.existing(names or [cluster.namespace],
                                                                  run.unreadable)
        items = _cluster_items(cluster, request.resources, scope, request.selector, live, run)
        if request.level is None and scope is not None and len(scope) > 1:  # a few at a time
            prober.prefetch([n for n in scope if resolver.needs_probe(n)])
    check_all(checker, items, writer, run, ServerAnswers(cluster) if request.server_dry_run else None)
    for note in psp.authorizers.notes if psp else ():
        run.console.err(f"note: {note}")


def _on_labels_error(run: Run, request: CheckRequest) -> Callable[[Unreadable], None]:
    """Unreadable labels leave the namespace's policy unknown (the results say
    so, mode by mode, unless the server tells it), unless --namespace-labels
    says what to assume."""
    if request.assumed_labels is None:
        def unknown(item: Unreadable) -> None:
            run.console.err(f"warning: {item}; its Pod Security policy is unknown unless the server "
                            "tells it (a dry-run probe, where you may create pods)")

        return unknown

    def assume(item: Unreadable) -> None:
        run.console.err(f"warning: {item}; assuming --namespace-labels")

    return assume


def _cluster_items(cluster: Cluster, resources: tuple[Resource, ...], namespaces: list[str] | None,
                   selector: str | None, labels: NamespaceLabels, run: Run) -> Iterator[Item]:
    run.pages_read = 0
    for page in objects(cluster, resources, namespaces, selector, labels, run.unreadable):
        run.pages_read += 1
        for obj in page:
            yield Item(obj, None)


class ClusterPsp:
    """PodSecurityPolicy admission against a cluster: its policies (or those of
    --psp-file), and who may use each answered by its access reviews
    (psp_cluster.ClusterAuthorizers: for a Pod the chosen identity, for a
    workload the controller that creates its pods; the pods' service account)."""

    def __init__(self, cluster: Cluster, policies: list[dict[str, Any]]) -> None:
        from .psp import PspAdmission
        from .psp_cluster import ClusterAuthorizers

        sa = cluster.identity.service_account
        self.authorizers = ClusterAuthorizers(cluster, offline_hint=(
            "check offline instead, with -f, --psp-file, --psp-allow and --psp-sa-allow"))
        self.admission = PspAdmission(policies, self.authorizers.for_kind, sa[1] if sa else None)

    @classmethod
    def of(cls, cluster: Cluster, run: Run, policies: list[dict[str, Any]] | None) -> ClusterPsp | None:
        """With the cluster's own policies, where it serves some: one discovery
        request, and the PSP engine stays unloaded, where it does not."""
        if policies is None:
            policies = _served_policies(cluster, run)
            if policies is None:
                return None
            from .psp import check_policies

            check_policies(policies, "the cluster's PodSecurityPolicies")
        return cls(cluster, policies)


def _served_policies(cluster: Cluster, run: Run) -> list[dict[str, Any]] | None:
    """The cluster's PodSecurityPolicies; None where it serves none, has none
    (the admission plugin is then taken to be off) or they cannot be listed
    (a partial result)."""
    if not cluster.serves(PODSECURITYPOLICIES.api_version, PODSECURITYPOLICIES.plural):
        return None
    try:
        policies = cluster.list_all(PODSECURITYPOLICIES)
    except ApiError as err:
        if fatal(err):
            raise
        run.unreadable(Unreadable("podsecuritypolicies", err))
        return None
    if not policies:
        run.console.err("note: the cluster serves PodSecurityPolicies but has none: "
                        "PodSecurityPolicy admission is taken to be off")
    return policies or None


class ServerAnswers:
    """Adds the server's answers to each result; what it cannot answer for is
    a partial result."""

    def __init__(self, cluster: Cluster) -> None:
        self.checker = ServerChecker(cluster)

    def _ask(self, pair: tuple[Any, Result]) -> ServerVerdict:
        try:
            return self.checker.check(*pair)
        except ApiError as err:
            if fatal(err):
                raise
            return ServerVerdict.no_answer(self.checker.identity, str(err), unknown=True)

    def answer(self, pairs: Iterator[tuple[Any, Result]], run: Run) -> Iterator[Result]:
        for (_, result), server in ordered_map(self._ask, pairs, WORKERS):
            if server.unknown:
                run.unreadable(f"{result.object.describe()}: no complete answer from the server: "
                               f"{_unknown_reason(server)}")
            yield result._replace(server=server)


def _unknown_reason(server: ServerVerdict) -> str:
    if server.error:
        return server.error
    for part, answer in (("object", server.object), ("pods", server.pods)):
        if answer is not None and answer.outcome in ("error", "forbidden"):
            return f"{part}: {answer.message}"
    return "unknown"

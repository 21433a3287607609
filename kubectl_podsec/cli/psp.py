"""`kubectl podsec psp`: legacy PodSecurityPolicy, and the migration off it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import click

from ..errors import ExitCode, UsageError
from ..workloads import TemplateError, admitted_pod
from .console import Console
from .options import cluster_flags_given, cluster_options, common_options, connect, output_option
from .psp_input import Read, policy_names, read_objects, read_policies
from .serialize import dump

# The PSP engine and its renderers are imported by the commands that use them,
# so other commands start without loading them.


def _emit(console: Console, output: str, docs: list[dict[str, Any]], text: str, kind: str) -> None:
    if output in ("json", "yaml"):
        console.out(dump({"apiVersion": "podsec.kubectl.io/v1alpha1", "kind": kind, "items": docs},
                         output))
    else:
        console.out(text)


@click.group()
def psp() -> None:
    """Legacy PodSecurityPolicy: which policy a pod gets, and moving off PSP."""


@psp.command()
@click.option("-f", "--filename", "files", multiple=True, required=True, metavar="FILE|DIR",
              help="Pods (or workloads, whose pod template is used) to admit.")
@click.option("--psp-file", "psp_files", multiple=True, metavar="FILE",
              help="The PodSecurityPolicy objects (default: the cluster's, where it still serves them).")
@click.option("--allow", metavar="NAME,...",
              help="Policies the requesting user may `use`, offline (default: all; with the cluster's "
                   "policies, --online or a connection flag, the cluster says). For workloads the "
                   "requester is the controller that creates the pods.")
@click.option("--sa-allow", metavar="NAME,...", help="Policies the pod's service account may `use`, offline.")
@click.option("--online", is_flag=True,
              help="Ask the cluster who may `use` each policy (access reviews), also with --psp-file.")
@click.option("-n", "--namespace", metavar="NS",
              help="The namespace of objects that name none (default: the context's; offline: default).")
@click.option("--update", is_flag=True, help="Admit as an UPDATE of an existing pod (no mutation).")
@cluster_options
@output_option(("table", "json", "yaml"))
@common_options
def which(files: tuple[str, ...], psp_files: tuple[str, ...], allow: str | None,
          sa_allow: str | None, online: bool, namespace: str | None, update: bool, output: str,
          no_color: bool, debug: bool, **connection: Any) -> None:
    """Which PodSecurityPolicy would admit these pods, how it would mutate them,
    and why every other policy was passed over.

    The policies come from --psp-file, else from the cluster (up to v1.24).
    Who may `use` each: --allow and --sa-allow; otherwise, with the cluster's
    policies, --online or any connection flag, the cluster's access reviews
    for the pod's service account and the requesting user (the chosen
    identity for a Pod, the controller that creates the pods of a workload);
    otherwise every policy, for the user."""
    from ..psp import Grants, Operation

    console, errors = Console(no_color=no_color), list[str]()
    offline = allow is not None or sa_allow is not None
    if "-" in files and "-" in psp_files:
        raise UsageError("-f - and --psp-file - cannot both read stdin")
    if online and offline:
        raise UsageError("--online asks the cluster who may use each policy; "
                         "it does not go with --allow or --sa-allow")
    ask = not offline and (online or not psp_files or cluster_flags_given(connection))
    cluster = connect(connection) if ask or not psp_files else None
    policies = read_policies(psp_files, console, errors) if psp_files else _cluster_policies(cluster)
    if not policies:
        console.err("note: the cluster has no PodSecurityPolicy objects: where their admission plugin "
                    "is enabled, it admits no pod")
    if ask:
        from ..psp_cluster import ClusterAuthorizers

        assert cluster is not None
        authorizers: Any = ClusterAuthorizers(cluster)
    else:
        authorizers = _Offline(Grants(user=policy_names(allow) if allow is not None else ["*"],
                                      service_account=policy_names(sa_allow)))
    operation = Operation.UPDATE if update else Operation.CREATE
    default_namespace = namespace or (cluster.namespace if cluster is not None else "default")
    docs, texts, denied = _admit_all(read_objects(files, False, console, errors), policies, authorizers,
                                     default_namespace, operation, console, errors)
    for note in authorizers.notes:
        console.err(f"note: {note}")
    _emit(console, output, docs, "\n".join(texts), "PSPWhichReport")
    raise click.exceptions.Exit(ExitCode.worst(ExitCode.USAGE if errors else ExitCode.OK,
                                               ExitCode.FINDINGS if denied else ExitCode.OK))


def _cluster_policies(cluster: Any) -> list[dict[str, Any]]:
    """The cluster's PodSecurityPolicies; a usage error where it serves none."""
    from ..cluster import ApiError
    from ..psp_admission import check_policies
    from ..psp_cluster import cluster_policies

    try:
        found = cluster_policies(cluster)
    except ApiError as err:
        if err.status != 403:
            raise
        raise ApiError(f"cannot list the cluster's PodSecurityPolicies ({err}); "
                       "pass them with --psp-file", err.status, err.reason) from None
    if found is None:
        raise UsageError(f"{cluster.server} does not serve PodSecurityPolicy (policy/v1beta1, removed "
                         "in Kubernetes 1.25); pass the policies with --psp-file")
    for policy in found:
        check_policies([policy], f'PodSecurityPolicy "{(policy.get("metadata") or {}).get("name", "")}" '
                                 "in the cluster")
    return found


class _Offline:
    """The same offline grants for every object (--allow, --sa-allow, or all)."""

    def __init__(self, grants: Any) -> None:
        self.grants = grants
        self.notes: list[str] = []

    def for_kind(self, kind: str) -> Any:
        return self.grants


def _admit_all(objects: Iterator[Read], policies: list[dict[str, Any]], authorizers: Any,
               namespace: str, operation: Any, console: Console,
               errors: list[str]) -> tuple[list[dict[str, Any]], list[str], bool]:
    """Each object's admission: its document, its text, and whether any was denied."""
    from ..psp import PspInputError, simulate
    from ..render.psp import which_document, which_text

    docs, texts, denied = [], [], False
    for doc in objects:
        try:
            pod = admitted_pod(doc.obj, namespace)
        except TemplateError as err:  # the same error `check` reports
            meta = doc.obj.get("metadata") or {}
            errors.append(f"{doc.source.describe()}: {doc.obj.get('kind')} "
                          f"{meta.get('namespace') or namespace}/{meta.get('name', '')}: {err}")
            console.err(f"error: {errors[-1]}")
            continue
        if pod is None:
            continue
        kind, pod_namespace = str(doc.obj.get("kind")), pod["metadata"]["namespace"]
        subject = f"{kind} {pod_namespace}/{(doc.obj.get('metadata') or {}).get('name', '')}"
        try:
            admission = simulate(pod, policies, authorizers.for_kind(kind), namespace=pod_namespace,
                                 operation=operation)
        except PspInputError as err:
            errors.append(f"{doc.source.describe()}: {err}")
            console.err(f"error: {doc.source.describe()}: {err}")
            continue
        denied = denied or not admission.allowed
        docs.append(which_document(subject, admission))
        texts.append(which_text(subject, admission))
    return docs, texts, denied


@psp.command(name="map")
@click.option("--psp-file", "psp_files", multiple=True, required=True, metavar="FILE",
              help="The PodSecurityPolicy objects to map.")
@output_option(("table", "wide", "json", "yaml"))
@common_options
def map_(psp_files: tuple[str, ...], output: str, no_color: bool, debug: bool) -> None:
    """Each policy's strictest equivalent Pod Security Standard, and what keeps
    it from the next stricter level."""
    from ..psp import map_policy
    from ..render.psp import map_document, map_text

    console, errors = Console(no_color=no_color), list[str]()
    mappings = [map_policy(p) for p in read_policies(psp_files, console, errors)]
    _emit(console, output, [map_document(m) for m in mappings], map_text(mappings, output == "wide"),
          "PSPMapReport")
    raise click.exceptions.Exit(ExitCode.USAGE if errors else ExitCode.OK)


@psp.command()
@click.option("-f", "--filename", "files", multiple=True, metavar="FILE|DIR",
              help="Pods and their owners (ReplicaSets, StatefulSets, DaemonSets, Jobs, ...), "
                   "e.g. `kubectl get pods,rs,sts,ds,jobs,rc -A -o yaml`. Without -f, they are "
                   "read from the cluster.")
@click.option("-R", "--recursive", is_flag=True, help="Recurse into directories given with -f.")
@click.option("-n", "--namespace", metavar="NS", help="The namespace to read (default: the context's).")
@click.option("-A", "--all-namespaces", is_flag=True, help="Read every namespace.")
@click.option("-l", "--selector", metavar="SELECTOR", help="Only pods with these labels.")
@cluster_options
@output_option(("table", "json", "yaml"))
@common_options
def mutated(files: tuple[str, ...], recursive: bool, namespace: str | None, all_namespaces: bool,
            selector: str | None, output: str, no_color: bool, debug: bool, **connection: Any) -> None:
    """Pods whose spec differs from their owner's template in the fields a
    PodSecurityPolicy mutates: the first step of every move off PSP. From a
    dump (-f), or from the cluster: the context's namespace, -n NS or -A."""
    from ..render.psp import drift_document, drift_text

    if files and (namespace or all_namespaces or selector):
        raise UsageError("-f reads a dump, -n, -A and -l read the cluster: use one or the other")
    if namespace and all_namespaces:
        raise UsageError("-A and -n cannot be used together")
    console, errors = Console(no_color=no_color), list[str]()
    if files:
        objects = [d.obj for d in read_objects(files, recursive, console, errors)]
        found = _drifted((o for o in objects if o.get("kind") == "Pod"), objects, console, errors)
        code = ExitCode.USAGE if errors else ExitCode.OK
    else:
        found, code = _drifted_in_cluster(connect(connection), namespace, all_namespaces, selector,
                                          console, errors)
    if output in ("json", "yaml"):
        console.out(dump({"apiVersion": "podsec.kubectl.io/v1alpha1", "kind": "PSPMutatedReport",
                          "items": [drift_document(p, d) | {"owner": o} for p, o, d in found],
                          "errors": errors}, output))
    elif code != ExitCode.CLUSTER:  # nothing could be read: no verdict to give
        console.out(drift_text(found))
    raise click.exceptions.Exit(code)


def _drifted_in_cluster(cluster: Any, namespace: str | None, all_namespaces: bool, selector: str | None,
                        console: Console, errors: list[str]) -> tuple[list[Any], ExitCode]:
    """`_drifted` over the cluster's Pods and owners; lists that cannot be read
    make a partial result (nothing read at all: a cluster error)."""
    from ..psp_cluster import PodsAndOwners

    read = PodsAndOwners(cluster, None if all_namespaces else namespace or cluster.namespace, selector)
    read.check_namespace()
    progress = console.progress("pods read")

    def pods() -> Iterator[dict[str, Any]]:
        for pod in read.pods():
            progress.tick()
            yield pod

    found = _drifted(pods(), read.owners(), console, errors)
    progress.done()
    for item in read.unreadable:
        errors.append(str(item))
        console.err(f"error: {item}")
    nothing_read = read.pages_read == 0 and bool(read.unreadable)
    return found, ExitCode.worst(ExitCode.CLUSTER if nothing_read else ExitCode.OK,
                                 ExitCode.PARTIAL if read.unreadable else ExitCode.OK)


def _drifted(pods: Iterable[dict[str, Any]], owners: Iterable[dict[str, Any]], console: Console,
             errors: list[str]) -> list[Any]:
    """(pod, owner, Drift) for each pod that differs from its owner's template.
    The owners are read first, then the pods one by one; a pod or template
    the engine cannot read is an error naming the pod."""
    from ..owners import owned_pods
    from ..psp import PspInputError
    from ..psp.drift import find_drift

    found = []
    for owned in owned_pods(pods, owners):
        try:
            drift = find_drift(owned.pod, {"metadata": owned.template.metadata,
                                           "spec": owned.template.spec})
        except PspInputError as err:
            meta = owned.pod.get("metadata") or {}
            errors.append(f"Pod {meta.get('namespace', '')}/{meta.get('name', '')} "
                          f"(owner {owned.owner}): {err}")
            console.err(f"error: {errors[-1]}")
            continue
        if drift.differences:
            meta = owned.pod.get("metadata") or {}
            found.append((f"Pod {meta.get('namespace', '')}/{meta.get('name', '')}", owned.owner, drift))
    return found

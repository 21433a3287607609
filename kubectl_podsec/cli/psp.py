"""`kubectl podsec psp`: legacy PodSecurityPolicy, and the migration off it."""

from __future__ import annotations

from typing import Any

import click

from ..check.psp_files import StaticGrants, policy_names, read_objects, read_policies
from ..errors import ExitCode, UsageError
from ..terminal.console import Console
from ..render.serialize import document, dump
from .options import cluster_flags_given, cluster_options, common_options, connect, output_option, run_console

# The PSP engine and its renderers are imported by the commands that use them,
# so other commands start without loading them.


def _emit(console: Console, output: str, docs: list[dict[str, Any]], text: str, kind: str) -> None:
    if output in ("json", "yaml"):
        console.out(dump(document(kind, {"items": docs}), output))
    else:
        console.out(text)


@click.group()
def psp() -> None:
    """Legacy PodSecurityPolicy: which policy a pod gets, and moving off PSP."""


@psp.command()
@click.option("-f", "--filename", "files", type=click.Path(), multiple=True,
              required=True, metavar="FILE|DIR",
              help="Pods (or workloads, whose pod template is used) to admit.")
@click.option("--psp-file", "psp_files", type=click.Path(dir_okay=False), multiple=True,
              metavar="FILE",
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
          sa_allow: str | None, online: bool, namespace: str | None, update: bool, output: str, **connection: Any) -> None:
    """Which PodSecurityPolicy would admit these pods, how it would mutate them,
    and why every other policy was passed over.

    The policies come from --psp-file, else from the cluster (up to v1.24).
    Who may `use` each: --allow and --sa-allow; otherwise, with the cluster's
    policies, --online or any connection flag, the cluster's access reviews
    for the pod's service account and the requesting user (the chosen
    identity for a Pod, the controller that creates the pods of a workload);
    otherwise every policy, for the user."""
    from ..legacy.which import admit_all, cluster_policies
    from ..psp import Grants, Operation

    console, errors = run_console(), list[str]()
    offline = allow is not None or sa_allow is not None
    if "-" in files and "-" in psp_files:
        raise UsageError("-f - and --psp-file - cannot both read stdin")
    if online and offline:
        raise UsageError("--online asks the cluster who may use each policy; "
                         "it does not go with --allow or --sa-allow")
    ask = not offline and (online or not psp_files or cluster_flags_given(connection))
    cluster = connect(connection) if ask or not psp_files else None
    policies = read_policies(psp_files, console, errors) if psp_files else cluster_policies(cluster)
    if not policies:
        console.err("note: the cluster has no PodSecurityPolicy objects: where their admission plugin "
                    "is enabled, it admits no pod")
    if ask:
        from ..check.psp_cluster import ClusterAuthorizers

        assert cluster is not None
        authorizers: Any = ClusterAuthorizers(cluster)
    else:
        authorizers = StaticGrants(Grants(user=policy_names(allow) if allow is not None else ["*"],
                                      service_account=policy_names(sa_allow)))
    operation = Operation.UPDATE if update else Operation.CREATE
    default_namespace = namespace or (cluster.namespace if cluster is not None else "default")
    admitted = admit_all(read_objects(files, False, console, errors), policies, authorizers,
                         default_namespace, operation, console, errors)
    for note in authorizers.notes:
        console.err(f"note: {note}")
    _emit(console, output, admitted.documents, "\n".join(admitted.texts), "PSPWhichReport")
    raise click.exceptions.Exit(ExitCode.worst(ExitCode.USAGE if errors else ExitCode.OK,
                                               ExitCode.FINDINGS if admitted.denied else ExitCode.OK))


@psp.command(name="map")
@click.option("--psp-file", "psp_files", type=click.Path(dir_okay=False), multiple=True,
              required=True, metavar="FILE",
              help="The PodSecurityPolicy objects to map.")
@output_option(("table", "wide", "json", "yaml"))
@common_options
def map_(psp_files: tuple[str, ...], output: str) -> None:
    """Each policy's strictest equivalent Pod Security Standard, and what keeps
    it from the next stricter level."""
    from ..psp import map_policy
    from ..render.psp import map_document, map_text

    console, errors = run_console(), list[str]()
    mappings = [map_policy(p) for p in read_policies(psp_files, console, errors)]
    _emit(console, output, [map_document(m) for m in mappings], map_text(mappings, output == "wide"),
          "PSPMapReport")
    raise click.exceptions.Exit(ExitCode.USAGE if errors else ExitCode.OK)


@psp.command()
@click.option("-f", "--filename", "files", type=click.Path(), multiple=True,
              metavar="FILE|DIR",
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
            selector: str | None, output: str, **connection: Any) -> None:
    """Pods whose spec differs from their owner's template in the fields a
    PodSecurityPolicy mutates: the first step of every move off PSP. From a
    dump (-f), or from the cluster: the context's namespace, -n NS or -A."""
    from ..legacy.mutated import drifted, drifted_in_cluster
    from ..render.psp import drift_document, drift_text

    if files and (namespace or all_namespaces or selector):
        raise UsageError("-f reads a dump, -n, -A and -l read the cluster: use one or the other")
    if namespace and all_namespaces:
        raise UsageError("-A and -n cannot be used together")
    console, errors = run_console(), list[str]()
    if files:
        objects = [d.obj for d in read_objects(files, recursive, console, errors)]
        found = drifted((o for o in objects if o.get("kind") == "Pod"), objects, console, errors)
        code = ExitCode.USAGE if errors else ExitCode.OK
    else:
        found, code = drifted_in_cluster(connect(connection), namespace, all_namespaces, selector,
                                          console, errors)
    if output in ("json", "yaml"):
        console.out(dump(document("PSPMutatedReport", {
            "items": [drift_document(p, d) | {"owner": o} for p, o, d in found], "errors": errors}), output))
    elif code != ExitCode.CLUSTER:  # nothing could be read: no verdict to give
        console.out(drift_text(found))
    raise click.exceptions.Exit(code)



"""`kubectl podsec check`: will these pods be admitted, and under which policy?

Offline with `-f` alone. Against the cluster without `-f` (its objects), or
with `-f` plus any connection flag or `--server` (the files, under the live
namespaces' labels and the server's version).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click

from ..admission import invalid_namespace_message
from ..admission_config import DEFAULT_CONFIG
from ..errors import ClusterError, ExitCode, InputError, UsageError
from ..labels import policy_from_labels
from ..manifests import Input, expand, input_documents, input_namespaces, read_admission_config, shorten
from ..pss import Evaluator, LevelVersion
from ..render import WRITERS
from ..report import Checker, PolicyResolver, PspCheck, Result, Skipped, Summary
from ..resources import parse_kinds
from . import fanout
from .console import Console
from .serialize import dump_yaml
from .options import (
    cluster_flags_given, cluster_options, common_options, connect, output_option, parse_labels,
    parse_server_version,
)

Item = tuple[Any, dict[str, Any], str, "InputError | None"]  # object, source, where, error


class Run:
    """What one check run has seen: results go out as they come; the rest is kept."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.summary = Summary()
        self.skipped: list[Skipped] = []
        self.errors: list[str] = []
        self.partial = 0  # objects or namespaces that could not be read or answered for
        self.pages_read: int | None = None  # counted on cluster scans
        self.fatal = False

    def error(self, err: InputError) -> None:
        self.errors.append(str(err))
        self.summary.errors += 1
        self.console.err(f"error: {err}")

    def unreadable(self, what: object) -> None:
        self.errors.append(str(what))
        self.partial += 1
        self.console.err(f"error: {what}")

    def lost(self, err: Exception) -> None:
        self.errors.append(str(err))
        self.fatal = True
        self.console.err(f"error: {err}")

    @property
    def exit_code(self) -> ExitCode:
        nothing_read = self.pages_read == 0 and self.partial > 0
        return ExitCode.worst(
            ExitCode.USAGE if self.summary.errors else ExitCode.OK,
            ExitCode.CLUSTER if self.fatal or nothing_read else ExitCode.OK,
            ExitCode.PARTIAL if self.partial else ExitCode.OK,
            ExitCode.FINDINGS if self.summary.denied else ExitCode.OK,
        )


def _namespace_labels(inputs: list[Input], run: Run) -> dict[str, Any]:
    """Labels of the Namespace objects in the input; invalid ones are reported as
    the API server would reject them."""
    found: dict[str, Any] = {}
    for item in inputs:
        for ns in input_namespaces(item):
            meta = ns.get("metadata") or {}
            name, labels = str(meta.get("name") or ""), meta.get("labels") or {}
            if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
                run.error(InputError(f"{item.display}: Namespace {shorten(name)}", "labels must be strings"))
                continue
            _, label_errors = policy_from_labels(labels, DEFAULT_CONFIG.defaults)
            if label_errors:
                message = invalid_namespace_message(shorten(name), [str(e) for e in label_errors])
                run.error(InputError(item.display, message))
            found[name] = labels
    return found


def _documents(inputs: list[Input]) -> Iterator[Item]:
    for item in inputs:
        for doc in input_documents(item):
            yield doc.obj, doc.source.to_dict(), doc.source.describe(), doc.error


def _level(level: str | None, version: str | None) -> LevelVersion | None:
    if level is None:
        if version is not None:
            raise UsageError("--version needs --level")
        return None
    try:
        return LevelVersion.parse(level, version or "latest")
    except ValueError as err:
        bad = "--level" if "one of" in str(err) else "--version"
        raise UsageError(f"{bad}: {err}") from None


def _namespaces(values: tuple[str, ...], all_namespaces: bool, files: tuple[str, ...],
                scan_flags: bool) -> list[str]:
    names = [n for v in values for n in (p.strip() for p in v.split(",")) if n]
    if all_namespaces and names:
        raise UsageError("-A and -n cannot be used together")
    if files and (all_namespaces or scan_flags):
        raise UsageError("-A, -l and --kind choose objects in the cluster; they do not go with -f")
    if files and len(names) > 1:
        raise UsageError("with -f, -n takes one namespace: the one for objects that name none")
    return names


@click.command()
@click.option("-f", "--filename", "files", multiple=True, metavar="FILE|DIR|-",
              help="Manifests to check (YAML or JSON, multi-document, Lists); repeatable. "
                   "Without -f, the objects in the cluster are checked.")
@click.option("-R", "--recursive", is_flag=True, help="Recurse into directories given with -f.")
@click.option("-n", "--namespace", "namespaces", multiple=True, metavar="NS",
              help="Namespaces to check in the cluster (repeatable, or a,b); with -f, the one for "
                   "objects that name none. Default: the context's namespace (offline: default).")
@click.option("-A", "--all-namespaces", is_flag=True, help="Check the objects of every namespace.")
@click.option("-l", "--selector", metavar="SELECTOR", help="Only objects with these labels (cluster).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Only these kinds from the cluster (repeatable, or a,b; e.g. pods, deploy).")
@click.option("--server", "server_dry_run", is_flag=True,
              help="Also ask the API server: may the identity create each object, and would it "
                   "(and the pods of a workload) be admitted? Server-side dry runs, nothing stored.")
@click.option("--level", type=click.Choice(["privileged", "baseline", "restricted"]),
              help="Check against this Pod Security Standard only, not the namespace policy.")
@click.option("--version", "policy_version", metavar="V", help="Policy version for --level (latest or v1.N).")
@click.option("--namespace-labels", multiple=True, metavar="K=V,...",
              help="Labels assumed for namespaces not defined in the input (nor in the cluster); "
                   "repeatable: all are merged (one key with two values is an error).")
@click.option("--admission-config", type=click.Path(dir_okay=False), metavar="FILE",
              help="The API server's AdmissionConfiguration: cluster defaults and exemptions.")
@click.option("--server-version", metavar="v1.N",
              help="What `latest` means (default: the cluster's version, offline the newest known), "
                   "and, offline, which server's behaviour to expect (warn follows enforce from "
                   "v1.26; seccomp annotations count as fields on v1.19 to v1.26).")
@click.option("--psp-file", "psp_files", multiple=True, metavar="FILE",
              help="PodSecurityPolicy objects (repeatable): also say which policy would admit each "
                   "pod, what it would change, or that none would (a finding, exit 1). A cluster "
                   "that still serves PodSecurityPolicies (up to v1.24) has its own used without it.")
@click.option("--psp-allow", metavar="NAME,...",
              help="Offline: the policies whoever creates the pods may `use` (for a workload, its "
                   "controller). Default: all of them.")
@click.option("--psp-sa-allow", metavar="NAME,...",
              help="Offline: the policies the pods' service account may `use`. Default: none.")
@cluster_options
@output_option(("table", "wide", "json", "yaml", "sarif"))
@common_options
def check(files: tuple[str, ...], recursive: bool, namespaces: tuple[str, ...], all_namespaces: bool,
          selector: str | None, kinds: tuple[str, ...], server_dry_run: bool, level: str | None,
          policy_version: str | None, namespace_labels: tuple[str, ...], admission_config: str | None,
          server_version: str | None, psp_files: tuple[str, ...], psp_allow: str | None,
          psp_sa_allow: str | None, output: str, no_color: bool, debug: bool,
          **connection: Any) -> None:
    """Will these pods be admitted, and under which policy?

    Every object that carries a pod spec is checked exactly as Pod Security
    Admission would: Pods against enforce, audit and warn; workload templates
    against audit and warn, with enforce shown for the pods they will create.

    -f alone is offline. Without -f, the cluster's objects are checked; with
    -f and any connection flag (--kubeconfig, --context, --as, ...) or
    --server, the files are checked under the live namespaces' labels and
    the server's version.

    With --psp-file, or against a cluster that serves PodSecurityPolicies,
    each result also says which PodSecurityPolicy would admit its pod and
    how it would mutate it; a pod no policy admits is denied (exit 1). Who
    may use which policy: offline, see --psp-allow and --psp-sa-allow;
    against a cluster, its RBAC says.

    Exit codes: 0 nothing would be denied, 1 something would be denied,
    2 invalid input or usage, 3 cluster error, 4 partial result.
    """
    console = Console(no_color=no_color)
    run = Run(console)
    names = _namespaces(namespaces, all_namespaces, files, bool(selector or kinds))
    resources = parse_kinds(kinds)
    lv = _level(level, policy_version)
    minor = parse_server_version(server_version)
    resolver = PolicyResolver(
        config=read_admission_config(admission_config) if admission_config else DEFAULT_CONFIG,
        assumed_labels=parse_labels(namespace_labels))
    writer = WRITERS[output](wide=output == "wide", color=console.color, yaml_dump=dump_yaml)
    inputs = expand(list(files), recursive, note=lambda text: console.err(f"note: {text}"))
    input_labels = _namespace_labels(inputs, run) if lv is None else {}
    items = _documents(inputs) if files else None
    offline = not (items is None or server_dry_run or cluster_flags_given(connection))
    _grant_flags(psp_allow, psp_sa_allow, psp_files, offline)
    policies = _file_policies(psp_files, console)
    if offline:
        resolver.namespace_labels = input_labels
        resolver.server_minor = minor
        checker = Checker(Evaluator(minor), resolver, names[0] if names else "default", lv,
                          psp=_offline_psp(policies, psp_allow, psp_sa_allow, console))
        if fanout.worthwhile(inputs):
            _check_all(checker, None, writer, run, outcomes=fanout.outcomes(checker, inputs))
        else:
            _check_all(checker, items, writer, run)
    else:
        from .check_cluster import check_cluster

        check_cluster(connect(connection), run, resolver, writer, lv, minor, input_labels, items,
                      names, all_namespaces, selector, resources, server_dry_run, policies)
    raise click.exceptions.Exit(run.exit_code)


def _grant_flags(allow: str | None, sa_allow: str | None, psp_files: tuple[str, ...],
                 offline: bool) -> None:
    if allow is None and sa_allow is None:
        return
    if not offline:
        raise UsageError("--psp-allow and --psp-sa-allow are for offline checks: against a "
                         "cluster, its RBAC says who may use each PodSecurityPolicy")
    if not psp_files:
        raise UsageError("--psp-allow and --psp-sa-allow need --psp-file")


def _file_policies(psp_files: tuple[str, ...], console: Console) -> list[dict[str, Any]] | None:
    if not psp_files:
        return None
    from .check_psp import file_policies  # the PSP engine, only when asked for

    return file_policies(psp_files, console)


def _offline_psp(policies: list[dict[str, Any]] | None, allow: str | None, sa_allow: str | None,
                 console: Console) -> PspCheck | None:
    if policies is None:
        return None
    from .check_psp import offline_admission

    return offline_admission(policies, allow, sa_allow, console)


def _check_all(checker: Checker, items: Iterator[Item] | None, writer: Any, run: Run,
               server: Any = None, outcomes: Iterator[Any] | None = None) -> None:
    """Check each item, stream its result; with `server`, add the server's
    answers (several objects at a time, results in order)."""
    console, progress = run.console, run.console.progress("checked")
    console.out(writer.begin())
    try:
        if outcomes is None:
            assert items is not None, "items or outcomes"
            pairs = _offline(checker, items, run, progress)
        else:
            pairs = _collected(outcomes, run, progress)
        results = (r for _, r in pairs) if server is None else server.answer(pairs, run)
        for result in results:
            run.summary.add(result)
            console.out(writer.result(result))
    except ClusterError as err:  # the server is gone: finish the report, then exit 3
        run.lost(err)
    progress.done()
    console.out(writer.end(run.skipped, run.errors, run.summary))


def _offline(checker: Checker, items: Iterator[Item], run: Run, progress: Any) -> Iterator[Any]:
    """(object, Result) for each object with a pod spec; the rest is recorded."""
    for obj, source, where, error in items:
        progress.tick()
        if error is not None or obj is None:
            run.error(error or InputError(where, "empty"))
            continue
        try:
            item = checker.check(obj, source)
        except InputError as err:
            where = where or _describe(obj)
            bad = InputError(f"{where}: {err.where}" if source.get("file") else where, err.message)
            run.error(bad) if source.get("file") else run.unreadable(bad)
            continue
        if isinstance(item, Result):
            yield obj, item
        else:
            run.summary.add(item)
            run.skipped.append(item)


def _collected(outcomes: Iterator[Any], run: Run, progress: Any) -> Iterator[Any]:
    """(None, Result) for outcomes checked elsewhere (cli/fanout.py)."""
    for kind, value in outcomes:
        progress.tick()
        if kind == "error":
            run.error(value)
        elif kind == "skipped":
            run.summary.add(value)
            run.skipped.append(value)
        else:
            yield None, value


def _describe(obj: Any) -> str:
    meta = obj.get("metadata") or {}
    return f"{obj.get('kind')} {meta.get('namespace')}/{meta.get('name')}"

"""`kubectl podsec fix`: the smallest change that makes manifests pass a level."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import click

from ..errors import ExitCode, UsageError
from ..fix import report
from ..fix.candidates import ALSO
from ..fix.files import FileFix
from ..fix.run import Request, fix_files
from ..manifests import expand, spool_stdin
from ..pss import LevelVersion
from .console import Console
from .options import cluster_flags_given, cluster_options, common_options, connect, parse_labels, parse_server_version


def _also(text: str | None) -> tuple[str, ...]:
    names = tuple(n for n in (p.strip() for p in (text or "").split(",")) if n)
    unknown = [n for n in names if n not in ALSO]
    if unknown:
        raise UsageError(f"--also: unknown {', '.join(unknown)}; valid: {', '.join(ALSO)}")
    return names


def _level(level: str | None, version: str | None) -> LevelVersion | None:
    if level is None:
        if version is not None:
            raise UsageError("--version needs --level")
        return None
    try:
        return LevelVersion.parse(level, version or "latest")
    except ValueError as err:
        raise UsageError(f"--version: {err}") from None


@click.command()
@click.option("-f", "--filename", "files", multiple=True, required=True, metavar="FILE|DIR|-",
              help="Manifests to fix (YAML or JSON, multi-document, Lists); repeatable.")
@click.option("-R", "--recursive", is_flag=True, help="Recurse into directories given with -f.")
@click.option("--level", type=click.Choice(["baseline", "restricted"]),
              help="The Pod Security Standard to pass (default: each namespace's enforce level).")
@click.option("--version", "policy_version", metavar="V", help="Policy version for --level (latest or v1.N).")
@click.option("-n", "--namespace", metavar="NS",
              help="The namespace of objects that name none (default: default; with --server, the "
                   "context's namespace).")
@click.option("--namespace-labels", metavar="K=V,...",
              help="Labels assumed for namespaces without a Namespace object in the input.")
@click.option("--server-version", metavar="v1.N", help="What `latest` means (default: the newest known).")
@click.option("--also", "also", metavar="NAME,...",
              help=f"Also change these fields, which changes behaviour: {', '.join(ALSO)}.")
@click.option("--in-place", is_flag=True, help="Rewrite each changed file (atomically) instead of printing.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff instead of the documents.")
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True,
              help="yaml: the fixed documents as written (JSON files stay JSON); json: a FixReport "
                   "with each object's JSON Patch and the checks each operation satisfies.")
@click.option("--server", "server_dry_run", is_flag=True,
              help="Also dry-run each fixed object (and a workload's pod) against the cluster.")
@cluster_options
@common_options
def fix(files: tuple[str, ...], recursive: bool, level: str | None, policy_version: str | None,
        namespace: str | None, namespace_labels: str | None, server_version: str | None, also: str | None,
        in_place: bool, show_diff: bool, output: str, server_dry_run: bool, no_color: bool, debug: bool,
        **connection: Any) -> None:
    """The smallest change that makes each pod-bearing object pass a level.

    Only fields that the failing checks name and that are unset are set.
    Fields set to a forbidden value (privileged, host namespaces, hostPath,
    host ports, added capabilities, ...) are left alone and reported unless
    named with --also. Comments and layout are kept; unchanged documents stay
    byte-identical.

    Exit codes: 0 everything passes after the fix, 1 something is not fixable
    (or, with --server, still rejected), 2 invalid input or usage, 3 cluster error.
    """
    console = Console(no_color=no_color)
    if show_diff and output == "json":
        raise UsageError("--diff and -o json cannot be used together")
    if cluster_flags_given(connection) and not server_dry_run:
        raise UsageError("connection flags are for --server")
    request = Request(_level(level, policy_version), _also(also), namespace or "default",
                      parse_server_version(server_version), parse_labels(namespace_labels))
    inputs = expand(list(files), recursive)
    if in_place and any(i.path == "-" for i in inputs):
        raise UsageError("--in-place cannot rewrite stdin")
    stdin = spool_stdin() if any(i.path == "-" for i in inputs) else None
    server = None
    if server_dry_run:
        server, request = _server(connect(connection), namespace, request)
    out, progress = _Output(console, output, show_diff, in_place), console.progress("documents")
    for fixed in fix_files(inputs, stdin, request, progress.tick):
        progress.done()
        out.file(fixed, server.check_all(fixed) if server is not None else {})
    progress.done()
    raise click.exceptions.Exit(out.end())


class _Output:
    """Where each fixed file goes (stdout, diff, the file itself, the report), with the summary."""

    def __init__(self, console: Console, output: str, show_diff: bool, in_place: bool) -> None:
        self.console, self.output, self.show_diff, self.in_place = console, output, show_diff, in_place
        self.summary = report.Summary()
        self.results: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.files = 0

    def file(self, fixed: FileFix, answers: dict[int, dict[str, Any]]) -> None:
        self.summary.add(fixed)
        for err in fixed.errors:
            self.errors.append(str(err))
            self.console.err(f"error: {err}")
        for obj in fixed.objects:
            for line in report.object_lines(obj):
                self.console.err(line)
            answer = answers.get(id(obj))
            if answer is not None and answer.get("rejected"):
                self.summary.rejected += 1
                self.console.err(f"rejected: {report.describe(obj)}: {answer['message']}")
            self.results.append(report.result(obj, answer))
        if self.in_place and fixed.fixed != fixed.original:
            from ..fix.write import replace_file

            replace_file(fixed.path, fixed.fixed)
        if self.output != "json":
            self.console.out(report.unified_diff(fixed) if self.show_diff else "" if self.in_place else
                             _separated(fixed.fixed, first=self.files == 0))
        self.files += 1

    def end(self) -> ExitCode:
        if self.output == "json":
            self.console.out(json.dumps(report.document(self.results, self.summary, self.errors), indent=2) + "\n")
        self.console.err(self.summary.text())
        return ExitCode.worst(ExitCode.USAGE if self.summary.errors else ExitCode.OK,
                              ExitCode.FINDINGS if self.summary.unfixable or self.summary.rejected else ExitCode.OK)


def _separated(text: str, first: bool) -> str:
    """Files one after the other, as one YAML stream."""
    if first or not text or text.lstrip().startswith(("{", "[", "---")):
        return text
    return "---\n" + text


def _server(cluster: Any, namespace: str | None, request: Request) -> tuple[Any, Request]:
    """The dry runs, and the request as the cluster completes it: its version
    for `latest`, its namespaces' labels, its context's namespace."""
    from ..fix.server import ClusterLabels, ServerDryRun  # the cluster layer, only with --server

    minor = request.server_minor
    if minor is None:
        try:
            minor = parse_server_version(str(cluster.version().get("gitVersion") or ""))
        except UsageError:  # an odd version string: the newest known
            minor = None
    request = replace(request, server_minor=minor, default_namespace=namespace or cluster.namespace,
                      cluster_labels=ClusterLabels(cluster))
    return ServerDryRun(cluster, request.default_namespace), request

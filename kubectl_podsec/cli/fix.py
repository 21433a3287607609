"""`kubectl podsec fix`: the smallest change that makes manifests pass a level."""

from __future__ import annotations

from typing import Any

import click

from ..errors import UsageError
from ..fix.candidates import ALSO
from ..fix.output import FixOutput, with_cluster
from ..fix.run import Request, fix_files
from ..manifests import expand
from ..pss import Level, Version
from .options import cluster_flags_given, cluster_options, common_options, connect, parse_labels, run_console
from .types import level_version, ENFORCEABLE_LEVEL, POLICY_VERSION, SERVER_VERSION


def _also(text: str | None) -> tuple[str, ...]:
    names = tuple(n for n in (p.strip() for p in (text or "").split(",")) if n)
    unknown = [n for n in names if n not in ALSO]
    if unknown:
        raise UsageError(f"--also: unknown {', '.join(unknown)}; valid: {', '.join(ALSO)}")
    return names


@click.command()
@click.option("-f", "--filename", "files", type=click.Path(), multiple=True,
              required=True, metavar="FILE|DIR|-",
              help="Manifests to fix (YAML or JSON, multi-document, Lists); repeatable.")
@click.option("-R", "--recursive", is_flag=True, help="Recurse into directories given with -f.")
@click.option("--level", type=ENFORCEABLE_LEVEL,
              help="The Pod Security Standard to pass (default: each namespace's enforce level).")
@click.option("--version", "policy_version", type=POLICY_VERSION, metavar="V", help="Policy version for --level (latest or v1.N).")
@click.option("-n", "--namespace", metavar="NS",
              help="The namespace of objects that name none (default: default; with --server, the "
                   "context's namespace).")
@click.option("--namespace-labels", multiple=True, metavar="K=V,...",
              help="Labels assumed for namespaces without a Namespace object in the input; "
                   "repeatable: all are merged (one key with two values is an error).")
@click.option("--server-version", type=SERVER_VERSION, metavar="v1.N", help="What `latest` means (default: the newest known).")
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
def fix(files: tuple[str, ...], recursive: bool, level: Level | None, policy_version: Version | None,
        namespace: str | None, namespace_labels: tuple[str, ...], server_version: int | None, also: str | None,
        in_place: bool, show_diff: bool, output: str, server_dry_run: bool, **connection: Any) -> None:
    """The smallest change that makes each pod-bearing object pass a level.

    Only fields that the failing checks name and that are unset are set.
    Fields set to a forbidden value (privileged, host namespaces, hostPath,
    host ports, added capabilities, ...) are left alone and reported unless
    named with --also. Comments and layout are kept; unchanged documents stay
    byte-identical.

    Exit codes: 0 everything passes after the fix, 1 something is not fixable
    (or, with --server, still rejected), 2 invalid input or usage, 3 cluster error.
    """
    console = run_console()
    if show_diff and output == "json":
        raise UsageError("--diff and -o json cannot be used together")
    if cluster_flags_given(connection) and not server_dry_run:
        raise UsageError("connection flags are for --server")
    request = Request(level_version(level, policy_version), _also(also), namespace or "default",
                      server_version, parse_labels(namespace_labels))
    inputs = expand(list(files), recursive, note=lambda text: console.err(f"note: {text}"))
    if in_place and any(i.path == "-" for i in inputs):
        raise UsageError("--in-place cannot rewrite stdin")
    server = None
    if server_dry_run:
        server, request = with_cluster(connect(connection), namespace, request)
    out, progress = FixOutput(console, output, show_diff, in_place), console.progress("documents")
    for fixed in fix_files(inputs, request, progress.tick):
        progress.done()
        out.file(fixed, server.check_all(fixed) if server is not None else {})
    progress.done()
    raise click.exceptions.Exit(out.end())

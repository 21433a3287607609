"""Where `fix`'s results go: the fixed documents on stdout, a unified diff,
the files themselves (--in-place) or the FixReport (-o json), with the
summary on stderr; and, with --server, the request as the cluster completes it."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from ..errors import ExitCode
from ..terminal.console import Console
from . import report
from .files import FileFix
from .run import Request


class FixOutput:
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
            from .write import replace_file

            replace_file(fixed.path, fixed.fixed)
        if self.output != "json":
            self.console.out(report.unified_diff(fixed) if self.show_diff else "" if self.in_place else
                             separated(fixed.fixed, first=self.files == 0))
        self.files += 1

    def end(self) -> ExitCode:
        if self.output == "json":
            self.console.out(json.dumps(report.document(self.results, self.summary, self.errors), indent=2) + "\n")
        self.console.err(self.summary.text())
        return ExitCode.worst(ExitCode.USAGE if self.summary.errors else ExitCode.OK,
                              ExitCode.FINDINGS if self.summary.unfixable or self.summary.rejected else ExitCode.OK)


def separated(text: str, first: bool) -> str:
    """Files one after the other, as one YAML stream."""
    if first or not text or text.lstrip().startswith(("{", "[", "---")):
        return text
    return "---\n" + text


def with_cluster(cluster: Any, namespace: str | None, request: Request) -> tuple[Any, Request]:
    """The dry runs, and the request as the cluster completes it: its version
    for `latest`, its namespaces' labels, its context's namespace."""
    from .server import ClusterLabels, ServerDryRun  # the cluster layer, only with --server

    from ..check.scan import served_minor

    minor = request.server_minor if request.server_minor is not None else served_minor(cluster)
    request = replace(request, server_minor=minor, default_namespace=namespace or cluster.namespace,
                      cluster_labels=ClusterLabels(cluster))
    return ServerDryRun(cluster, request.default_namespace), request

"""`kubectl podsec check`: will these pods be admitted, and under which policy?"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import IO, Any

import click

from ..admission import invalid_namespace_message
from ..admission_config import DEFAULT_CONFIG
from ..errors import ExitCode, InputError, UsageError
from ..labels import policy_from_labels
from ..manifests import (
    Document, Input, documents, expand, namespace_objects, open_input,
    read_admission_config, spool_stdin,
)
from ..pss import Evaluator, LevelVersion
from ..render import WRITERS
from ..report import Checker, PolicyResolver, Result, Skipped, Summary
from .console import Console
from .options import common_options, output_option, parse_labels, parse_server_version


class Run:
    """What one check run has seen: results go out as they come; the rest is kept."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.summary = Summary()
        self.skipped: list[Skipped] = []
        self.errors: list[str] = []

    def error(self, err: InputError) -> None:
        self.errors.append(str(err))
        self.summary.errors += 1
        self.console.err(f"error: {err}")

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.worst(
            ExitCode.USAGE if self.errors else ExitCode.OK,
            ExitCode.FINDINGS if self.summary.denied else ExitCode.OK,
        )


def _source(doc: Document) -> dict[str, Any]:
    src: dict[str, Any] = {"file": doc.source.file, "document": doc.source.document,
                           "line": doc.source.line}
    if doc.source.item is not None:
        src["item"] = doc.source.item
    return src


def _namespace_labels(inputs: list[Input], stdin: IO[str] | None, run: Run) -> dict[str, Any]:
    """Labels of the Namespace objects in the input; invalid ones are reported as
    the API server would reject them."""
    found: dict[str, Any] = {}
    for item in inputs:
        with _opened(item, stdin) as f:
            for ns in namespace_objects(item.display, f):
                meta = ns.get("metadata") or {}
                name, labels = str(meta.get("name") or ""), meta.get("labels") or {}
                if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
                    run.error(InputError(f"{item.display}: Namespace {name}", "labels must be strings"))
                    continue
                _, label_errors = policy_from_labels(labels, DEFAULT_CONFIG.defaults)
                if label_errors:
                    message = invalid_namespace_message(name, [str(e) for e in label_errors])
                    run.error(InputError(item.display, message))
                found[name] = labels
    return found


@contextlib.contextmanager
def _opened(item: Input, stdin: IO[str] | None) -> Iterator[IO[str]]:
    """The input's stream: the spooled stdin rewound, or the file opened."""
    if item.path == "-":
        assert stdin is not None
        stdin.seek(0)
        yield stdin
    else:
        with open_input(item, stdin) as f:
            yield f


def _documents(inputs: list[Input], stdin: IO[str] | None) -> Iterator[Document]:
    for item in inputs:
        with _opened(item, stdin) as f:
            yield from documents(item.display, f)


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


@click.command()
@click.option("-f", "--filename", "files", multiple=True, required=True, metavar="FILE|DIR|-",
              help="Manifests to check (YAML or JSON, multi-document, Lists); repeatable.")
@click.option("-R", "--recursive", is_flag=True, help="Recurse into directories given with -f.")
@click.option("-n", "--namespace", default="default", show_default=True,
              help="Namespace for objects that name none.")
@click.option("--level", type=click.Choice(["privileged", "baseline", "restricted"]),
              help="Check against this Pod Security Standard only, not the namespace policy.")
@click.option("--version", "policy_version", metavar="V", help="Policy version for --level (latest or v1.N).")
@click.option("--namespace-labels", metavar="K=V,...",
              help="Labels assumed for namespaces not defined in the input.")
@click.option("--admission-config", type=click.Path(dir_okay=False), metavar="FILE",
              help="The API server's AdmissionConfiguration: cluster defaults and exemptions.")
@click.option("--server-version", metavar="v1.N",
              help="What `latest` means: the target server's version (default: newest known).")
@output_option(("table", "wide", "json", "yaml", "sarif"))
@common_options
def check(files: tuple[str, ...], recursive: bool, namespace: str, level: str | None,
          policy_version: str | None, namespace_labels: str | None,
          admission_config: str | None, server_version: str | None, output: str,
          no_color: bool, debug: bool) -> None:
    """Will these pods be admitted, and under which policy?

    Every object that carries a pod spec is checked exactly as Pod Security
    Admission would: Pods against enforce, audit and warn; workload templates
    against audit and warn, with enforce shown for the pods they will create.
    """
    console = Console(no_color=no_color)
    run = Run(console)
    inputs = expand(list(files), recursive)
    stdin = spool_stdin() if any(i.path == "-" for i in inputs) else None
    resolver = PolicyResolver(
        config=read_admission_config(admission_config) if admission_config else DEFAULT_CONFIG,
        assumed_labels=parse_labels(namespace_labels),
    )
    checker = Checker(Evaluator(parse_server_version(server_version)), resolver, namespace,
                      _level(level, policy_version))
    if checker.level is None:
        resolver.namespace_labels = _namespace_labels(inputs, stdin, run)
    writer = WRITERS[output](wide=output == "wide", color=console.color)
    _check_all(checker, _documents(inputs, stdin), writer, run)
    raise click.exceptions.Exit(run.exit_code)


def _check_all(checker: Checker, docs: Iterator[Document], writer: Any, run: Run) -> None:
    console, progress = run.console, run.console.progress("checked")
    console.out(writer.begin())
    for doc in docs:
        progress.tick()
        if doc.error is not None or doc.obj is None:
            run.error(doc.error or InputError(doc.source.describe(), "empty"))
            continue
        try:
            item = checker.check(doc.obj, _source(doc))
        except InputError as err:
            run.error(InputError(f"{doc.source.describe()}: {err.where}", err.message))
            continue
        run.summary.add(item)
        if isinstance(item, Result):
            console.out(writer.result(item))
        else:
            run.skipped.append(item)
    progress.done()
    console.out(writer.end(run.skipped, run.errors, run.summary))

"""The check use case's one entry: `run(request, console, writer)` reads the
objects (files, or the cluster), checks each as Pod Security Admission would,
streams the results through the writer, and says how the run ends."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from ..admission.config import DEFAULT_CONFIG, PodSecurityConfig
from ..admission.labels import policy_from_labels
from ..admission.verdicts import invalid_namespace_message
from ..errors import ClusterError, ExitCode, InputError, UsageError
from ..manifests import Input, Source, input_documents, input_namespaces, shorten
from ..pss import Evaluator, LevelVersion
from ..terminal.console import Console, Progress
from . import fanout
from ..admission.policy import PolicyResolver
from .checker import Checker
from .report import Failure, PspCheck, Rendered, Result, Skipped, Summary

if TYPE_CHECKING:  # the cluster's side is imported only by runs that read the cluster
    from ..kube.resources import Resource


SMALL_BYTES = 1 << 20  # inputs up to this size are decoded once and kept in memory


class ReportSink(Protocol):
    """Where results go as they come: a renderer's text, piece by piece."""

    def begin(self) -> str: ...

    def result(self, result: Result) -> str: ...

    def detached(self) -> Callable[[Result], Rendered] | None:
        """How a result becomes its text (or a table's row) on its own, apart from
        the other results (`result` writes `placed(render(result))`); None when
        the sink needs the results themselves."""

    def placed(self, rendered: Rendered) -> str:
        """What `result` writes for the result that `detached()` rendered."""

    def placed_texts(self, texts: list[str]) -> str:
        """What `placed` writes for each of these rendered results (with no marks), in turn."""

    def end(self, skipped: list[Skipped], errors: list[Failure], summary: Summary) -> str: ...


class Item:
    """One object to check, where it came from, and why it could not be read."""

    __slots__ = ("obj", "source", "error")

    def __init__(self, obj: Any, source: Source | None, error: InputError | None = None) -> None:
        self.obj, self.source, self.error = obj, source, error


class CheckRequest(NamedTuple):
    """Everything `check` was asked, parsed: what to read, which policy, and
    which cluster (`connect`, None when offline). A NamedTuple: a frozen dataclass of
    this many fields costs milliseconds to define, on every run."""

    inputs: tuple[Input, ...] = ()
    namespaces: tuple[str, ...] = ()
    all_namespaces: bool = False
    selector: str | None = None
    resources: tuple[Resource, ...] = ()
    level: LevelVersion | None = None
    assumed_labels: Mapping[str, str] | None = None
    admission_config: PodSecurityConfig = DEFAULT_CONFIG
    server_minor: int | None = None
    evaluator: Evaluator | None = None  # the checks to run, when not all (check --policy)
    server_dry_run: bool = False
    psp_files: tuple[str, ...] = ()
    psp_allow: str | None = None
    psp_sa_allow: str | None = None
    probe: bool = True  # against a cluster: dry-run probes for what labels and config leave unknown
    connect: Callable[[], Any] | None = None  # a kube Cluster; None: offline


class Run:
    """What one check run has seen: results go out as they come; the rest is kept."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.summary = Summary()
        self.skipped: list[Skipped] = []
        self.errors: list[Failure] = []
        self.partial = 0  # objects or namespaces that could not be read or answered for
        self.pages_read: int | None = None  # counted on cluster scans
        self.fatal = False

    def error(self, err: InputError, source: Source | None = None, file: str | None = None) -> None:
        """Bad input, in a document (`source`) or a whole file."""
        self.errors.append(Failure(str(err), source, file))
        self.summary.errors += 1
        self.console.err(f"error: {err}")

    def unreadable(self, what: object) -> None:
        """Something in the cluster that could not be read or answered for."""
        self.errors.append(Failure(str(what)))
        self.partial += 1
        self.console.err(f"error: {what}")

    def lost(self, err: Exception) -> None:
        self.errors.append(Failure(str(err)))
        self.fatal = True
        self.console.err(f"error: {err}")

    @property
    def exit_code(self) -> ExitCode:
        nothing_read = self.pages_read == 0 and self.partial > 0
        return ExitCode.worst(
            ExitCode.USAGE if self.summary.errors else ExitCode.OK,
            ExitCode.CLUSTER if self.fatal or nothing_read else ExitCode.OK,
            ExitCode.PARTIAL if self.partial or self.summary.unknown else ExitCode.OK,
            ExitCode.FINDINGS if self.summary.denied else ExitCode.OK,
        )


def run(request: CheckRequest, console: Console, writer: ReportSink) -> ExitCode:
    """Check what the request names; the results go to the console as they come."""
    checked = Run(console)
    inputs = list(request.inputs)
    small = _read_small(inputs)
    namespaces = _namespaces_read(small) if small is not None else (
        (item.display, ns) for item in inputs for ns in input_namespaces(item))
    input_labels = _namespace_labels(namespaces, checked) if request.level is None else {}
    items = (iter(small) if small is not None else _documents(inputs)) if inputs else None
    connect = request.connect
    offline = connect is None
    _grant_flags(request, offline)
    policies = _file_policies(request.psp_files, console)
    if connect is None:
        resolver = PolicyResolver(request.admission_config, input_labels, request.assumed_labels,
                                  server_minor=request.server_minor, defaults_unknown_unless_given=True)
        namespace = request.namespaces[0] if request.namespaces else "default"
        checker = Checker(request.evaluator or Evaluator(request.server_minor), resolver, namespace, request.level,
                          psp=_offline_psp(policies, request, console))
        if fanout.worthwhile(inputs):
            check_all(checker, None, writer, checked, outcomes=fanout.outcomes(checker, inputs, writer.detached()))
        else:
            check_all(checker, items, writer, checked)
    else:
        from .live import check_cluster

        check_cluster(request, connect(), checked, writer, input_labels, items, policies)
    return checked.exit_code


def _read_small(inputs: list[Input]) -> list[Item] | None:
    """Inputs of at most SMALL_BYTES in all, read whole, once; None for larger ones,
    which are streamed twice (in bounded memory), the first pass decoding only the
    documents that mention a Namespace."""
    try:
        size = sum(len(i.data) if i.data is not None else os.path.getsize(i.path) for i in inputs
                   if i.data is not None or i.problem is None)
    except OSError:
        return None  # the main pass reports what cannot be read
    return list(_documents(inputs)) if size <= SMALL_BYTES else None


def _namespaces_read(items: list[Item]) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in items:
        if item.source is not None and item.obj is not None and item.obj.get("kind") == "Namespace":
            yield item.source.file, item.obj


def _namespace_labels(namespaces: Iterable[tuple[str, dict[str, Any]]], run: Run) -> dict[str, Any]:
    """Labels of the Namespace objects in the input (each with the name of its input);
    invalid ones are reported as the API server would reject them."""
    found: dict[str, Any] = {}
    for display, ns in namespaces:
        meta = ns.get("metadata") or {}
        name, labels = str(meta.get("name") or ""), meta.get("labels") or {}
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            run.error(InputError(f"{display}: Namespace {shorten(name)}", "labels must be strings"),
                      file=display)
            continue
        _, label_errors = policy_from_labels(labels, DEFAULT_CONFIG.defaults)
        if label_errors:
            message = invalid_namespace_message(shorten(name), [str(e) for e in label_errors])
            run.error(InputError(display, message), file=display)
        found[name] = labels
    return found


def _documents(inputs: list[Input]) -> Iterator[Item]:
    for item in inputs:
        for doc in input_documents(item):
            yield Item(doc.obj, doc.source, doc.error)


def _grant_flags(request: CheckRequest, offline: bool) -> None:
    if request.psp_allow is None and request.psp_sa_allow is None:
        return
    if not offline:
        raise UsageError("--psp-allow and --psp-sa-allow are for offline checks: against a "
                         "cluster, its RBAC says who may use each PodSecurityPolicy")
    if not request.psp_files:
        raise UsageError("--psp-allow and --psp-sa-allow need --psp-file")


def _file_policies(psp_files: tuple[str, ...], console: Console) -> list[dict[str, Any]] | None:
    if not psp_files:
        return None
    from .psp_files import file_policies  # the PSP engine, only when asked for

    return file_policies(psp_files, console)


def _offline_psp(policies: list[dict[str, Any]] | None, request: CheckRequest,
                 console: Console) -> PspCheck | None:
    if policies is None:
        return None
    from .psp_files import offline_admission

    return offline_admission(policies, request.psp_allow, request.psp_sa_allow, console)


def check_all(checker: Checker, items: Iterator[Item] | None, writer: ReportSink, run: Run,
              server: Any = None, outcomes: Iterator[fanout.Outcome] | None = None) -> None:
    """Check each item, stream its result; with `server`, add the server's
    answers (several objects at a time, results in order). With `outcomes`,
    write what worker processes checked instead."""
    console, progress = run.console, run.console.progress("checked")
    console.out(writer.begin())
    try:
        if outcomes is not None:
            _write_collected(outcomes, writer, run, progress)
        else:
            assert items is not None, "items or outcomes"
            pairs = _offline(checker, items, run, progress)
            results = (r for _, r in pairs) if server is None else server.answer(pairs, run)
            for result in results:
                run.summary.add(result)
                console.out(writer.result(result))
    except ClusterError as err:  # the server is gone: finish the report, then exit 3
        run.lost(err)
    progress.done()
    run.summary.nothing_read = run.pages_read == 0 and run.partial > 0
    console.out(writer.end(run.skipped, run.errors, run.summary))


def _offline(checker: Checker, items: Iterator[Item], run: Run,
             progress: Progress) -> Iterator[tuple[Any, Result]]:
    """(object, Result) for each object with a pod spec; the rest is recorded."""
    for item in items:
        progress.tick()
        if item.error is not None or item.obj is None:
            where = item.source.describe() if item.source is not None else ""
            run.error(item.error or InputError(where, "empty"), item.source)
            continue
        try:
            result = checker.check(item.obj, item.source)
        except InputError as err:
            from_file = item.source is not None
            where = item.source.describe() if item.source is not None else _describe(item.obj)
            bad = InputError(f"{where}: {err.where}" if from_file else where, err.message)
            run.error(bad, item.source) if from_file else run.unreadable(bad)
            continue
        if isinstance(result, Result):
            yield item.obj, result
        else:
            run.summary.add(result)
            run.skipped.append(result)


def _write_collected(outcomes: Iterator[fanout.Outcome], writer: ReportSink, run: Run,
                     progress: Progress) -> None:
    """Write and count what worker processes checked (fanout.py), in input order."""
    console = run.console
    for outcome in outcomes:
        if isinstance(outcome, fanout.CheckedMany):
            progress.tick(len(outcome.texts))
            for verdict, n in outcome.tally():
                run.summary.count(verdict, n)
            console.out(writer.placed_texts(outcome.texts))
            continue
        progress.tick()
        if isinstance(outcome, fanout.Checked):
            run.summary.count(outcome.verdict)
            console.out(writer.placed(outcome.rendered))
        elif isinstance(outcome, Result):
            run.summary.add(outcome)
            console.out(writer.result(outcome))
        elif isinstance(outcome, Skipped):
            run.summary.add(outcome)
            run.skipped.append(outcome)
        else:
            run.error(outcome.error, outcome.source)


def _describe(obj: Any) -> str:
    meta = obj.get("metadata") or {}
    return f"{obj.get('kind')} {meta.get('namespace')}/{meta.get('name')}"

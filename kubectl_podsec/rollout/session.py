"""What the rollout commands share: one session with the cluster (the pinned
policy version, the cluster configuration, who acts), and the way a run of
steps is checked, confirmed, written and reported."""

from __future__ import annotations

import datetime
import enum
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

from ..admission.config import DEFAULT_CONFIG, PodSecurityConfig
from ..errors import ExitCode, UsageError
from ..kube.client import ApiError, Cluster
from ..pss import NEWEST_MINOR, Evaluator, Level, Version
from .survey import Selection, Survey, survey
from .steps import Author, Outcome, Step, StepResult
from .tally import Judge
from .write import Writer
from ..check.scan import fatal, served_minor
from ..terminal.console import Console


def selection(names: tuple[str, ...], namespaces: tuple[str, ...], all_namespaces: bool,
              selector: str | None) -> Selection | None:
    """The namespaces asked for; None when none were (the caller decides)."""
    listed = [n for v in (*names, *namespaces) for n in (p.strip() for p in v.split(",")) if n]
    if all_namespaces and (listed or selector):
        raise UsageError("-A goes with neither namespace names nor -l")
    if listed and selector:
        raise UsageError("namespace names and -l cannot be used together")
    if not (listed or all_namespaces or selector):
        return None
    return Selection(tuple(dict.fromkeys(listed)), all_namespaces, selector)


class Session:
    """One session with the cluster: who acts, the cluster configuration, and
    the errors met on the way."""

    def __init__(self, cluster: Cluster, console: Console,
                 config: PodSecurityConfig = DEFAULT_CONFIG) -> None:
        self.config = config
        self.console = console
        self.cluster = cluster
        self.errors: list[str] = []

    def error(self, text: str) -> None:
        self.errors.append(text)
        self.console.err(f"error: {text}")

    def survey(self, chosen: Selection | None, level: Level | None, version: Version | None,
               force: bool = False) -> Survey:
        """Pin the version (the server's minor unless given), then read and judge."""
        minor = served_minor(self.cluster)  # the first request: a wrong context fails here
        pinned = version or Version(minor if minor is not None else NEWEST_MINOR)
        judge = Judge(Evaluator(minor), pinned, self.config.exempt_runtime_classes, minor)
        progress = self.console.progress("pages read")
        try:
            return survey(self.cluster, chosen or Selection((self.cluster.namespace,)), level, pinned,
                          judge, self.config, force, self.error, progress.tick)
        finally:
            progress.done()

    def author(self) -> Author:
        """Who the server says takes the steps (SelfSubjectReview), and now."""
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            user = self.cluster.who_am_i() or {}
        except ApiError as err:
            if fatal(err):
                raise
            user = {}
        return Author(now, str(user.get("username") or self.cluster.identity.user or "unknown"))


def _initial(step: Step) -> StepResult:
    if step.skip:
        return StepResult.SKIPPED
    if step.refused:
        return StepResult.REFUSED
    return StepResult.PENDING if step.changes else StepResult.UNCHANGED


def _held(outcomes: list[Outcome], result: StepResult, message: str) -> list[Outcome]:
    return [o._replace(result=result, message=message) if o.result == StepResult.PENDING else o for o in outcomes]


def can_prompt() -> bool:
    """A person can answer: stdin and stderr are terminals."""
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class RunKind(enum.Enum):
    """A run of steps forward, or of undos; the value is its report's kind."""

    ADVANCE = "RolloutRun"
    UNDO = "RolloutUndo"


NO_TERMINAL = "not a terminal, so no confirmation: nothing was written (pass --yes to write, --dry-run to preview)"
DECLINED = "not confirmed: nothing was written"


class RunView(NamedTuple):
    """How a run shows itself, given by the command: the report of the
    outcomes (dry run or not) and, before writing, the preview a person
    confirms (a yes/no question)."""

    report: Callable[[list[Outcome], bool], str]
    preview: Callable[[list[Outcome]], str]
    confirm: Callable[[str], bool]


class Run:
    """Checks, confirms, writes and reports one run of steps."""

    def __init__(self, session: Session, kind: RunKind, replan: Callable[[dict[str, Any]], Step],
                 view: RunView) -> None:
        self.session, self.kind, self.view = session, kind, view
        self.writer = Writer(session.cluster, session.console.err, replan)

    def report(self, outcomes: list[Outcome], dry_run: bool) -> None:
        self.session.console.out(self.view.report(outcomes, dry_run))

    def execute(self, steps: list[Step], author: Author, dry_run: bool, yes: bool) -> ExitCode:
        outcomes = [Outcome(s, _initial(s)) for s in steps]
        self.writer.check_access([s.namespace for s in steps if s.changes], author.identity)
        if any(o.result == StepResult.REFUSED for o in outcomes):
            return self._finish(_held(outcomes, StepResult.NOT_WRITTEN, "nothing is written while a step is refused"),
                                dry_run)
        pending = [o.step for o in outcomes if o.result == StepResult.PENDING]
        checked = {s.namespace: (s, w) for s, w in self.writer.dry_run(pending)}
        outcomes = [o if o.step.namespace not in checked else
                    Outcome(checked[o.step.namespace][0], _initial(checked[o.step.namespace][0]),
                            warnings=checked[o.step.namespace][1]) for o in outcomes]
        if any(o.result == StepResult.REFUSED for o in outcomes):
            return self._finish(_held(outcomes, StepResult.NOT_WRITTEN, "nothing is written while a step is refused"),
                                dry_run)
        if dry_run or not any(o.result == StepResult.PENDING for o in outcomes):
            return self._finish(_held(outcomes, StepResult.WOULD_APPLY, ""), dry_run)
        if not yes and not can_prompt():
            self._finish(_held(outcomes, StepResult.NOT_CONFIRMED, NO_TERMINAL), dry_run)
            self.session.console.err(f"error: {NO_TERMINAL}")
            return ExitCode.USAGE
        if not yes and not self._confirmed(outcomes):
            # The person's own choice, not a failure: the run's other codes stand.
            code = self._finish(_held(outcomes, StepResult.NOT_CONFIRMED, DECLINED), dry_run)
            self.session.console.err(DECLINED)
            return code
        outcomes, lost, interrupted = self.writer.write_all(outcomes)
        if lost is not None:
            self.session.error(str(lost))
        code = self._finish(outcomes, dry_run)
        return ExitCode.INTERRUPTED if interrupted else ExitCode.worst(
            code, ExitCode.CLUSTER if lost is not None else ExitCode.OK)

    def _confirmed(self, outcomes: list[Outcome]) -> bool:
        """The preview, and the person's answer to writing it."""
        self.session.console.err(self.view.preview(outcomes).rstrip("\n"))
        count = sum(1 for o in outcomes if o.result == StepResult.PENDING)
        return self.view.confirm(f"Write these changes to {count} namespace(s)?")

    def _finish(self, outcomes: list[Outcome], dry_run: bool) -> ExitCode:
        self.report(outcomes, dry_run)
        results = {o.result for o in outcomes}
        blocked = results & {StepResult.REFUSED, StepResult.CONFLICT} or (
            self.kind is RunKind.UNDO and StepResult.SKIPPED in results)
        return ExitCode.worst(
            ExitCode.CLUSTER if results & {StepResult.FAILED, StepResult.UNKNOWN} else ExitCode.OK,
            ExitCode.PARTIAL if self.session.errors else ExitCode.OK,
            ExitCode.FINDINGS if blocked else ExitCode.OK)

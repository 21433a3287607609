"""What the rollout commands share: one session with the cluster (the pinned
policy version, the cluster configuration, who acts), and the way a run of
steps is checked, confirmed, written and reported."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable, Mapping
from typing import Any

import click

from ..admission.config import DEFAULT_CONFIG
from ..kube.client import ApiError
from ..errors import ExitCode, UsageError
from ..manifests import read_admission_config
from ..pss import NEWEST_MINOR, Evaluator, Level, Version
from ..render.rollout import run_document, run_table, structured
from .stages import NamespacePlan
from .survey import Selection, Survey, survey
from .steps import Author, Outcome, Step
from .tally import Judge
from .write import Writer
from ..check.scan import fatal
from ..check.live import _server_minor
from ..cli.console import Console
from ..cli.options import connect
from ..render.serialize import dump_yaml


def parse_version(text: str | None) -> Version | None:
    if text is None:
        return None
    try:
        return Version.parse(text)
    except ValueError as err:
        raise UsageError(f'--version: invalid value "{text}": {err}') from None


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
    def __init__(self, connection: Mapping[str, Any], console: Console,
                 admission_config: str | None = None) -> None:
        self.config = read_admission_config(admission_config) if admission_config else DEFAULT_CONFIG
        self.console = console
        self.cluster = connect(dict(connection))
        self.errors: list[str] = []

    def error(self, text: str) -> None:
        self.errors.append(text)
        self.console.err(f"error: {text}")

    def survey(self, chosen: Selection | None, level: Level | None, version: Version | None,
               force: bool = False) -> Survey:
        """Pin the version (the server's minor unless given), then read and judge."""
        minor = _server_minor(self.cluster)  # the first request: a wrong context fails here
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


def _initial(step: Step) -> str:
    if step.skip:
        return "skipped"
    if step.refused:
        return "refused"
    return "pending" if step.changes else "unchanged"


def _held(outcomes: list[Outcome], result: str, message: str) -> list[Outcome]:
    return [o._replace(result=result, message=message) if o.result == "pending" else o for o in outcomes]


def can_prompt() -> bool:
    """A person can answer: stdin and stderr are terminals."""
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class Run:
    """Checks, confirms, writes and reports one run of steps."""

    def __init__(self, session: Session, kind: str, plans: Mapping[str, NamespacePlan],
                 replan: Callable[[dict[str, Any]], Step], output: str, stage: str | None = None) -> None:
        self.session, self.kind, self.plans, self.output, self.stage = session, kind, plans, output, stage
        self.writer = Writer(session.cluster, session.console.err, replan)

    def report(self, outcomes: list[Outcome], dry_run: bool) -> None:
        console = self.session.console
        if self.output in ("json", "yaml"):
            doc = run_document(self.kind, outcomes, self.plans, dry_run, self.session.errors, self.stage)
            console.out(structured(doc, self.output, dump_yaml))
        else:
            console.out(run_table(outcomes, self.plans, self.output == "wide", console.color))

    def execute(self, steps: list[Step], author: Author, dry_run: bool, yes: bool) -> ExitCode:
        outcomes = [Outcome(s, _initial(s)) for s in steps]
        self.writer.check_access([s.namespace for s in steps if s.changes], author.identity)
        if any(o.result == "refused" for o in outcomes):
            return self._finish(_held(outcomes, "not-written", "nothing is written while a step is refused"),
                                dry_run)
        pending = [o.step for o in outcomes if o.result == "pending"]
        checked = {s.namespace: (s, w) for s, w in self.writer.dry_run(pending)}
        outcomes = [o if o.step.namespace not in checked else
                    Outcome(checked[o.step.namespace][0], _initial(checked[o.step.namespace][0]),
                            warnings=checked[o.step.namespace][1]) for o in outcomes]
        if any(o.result == "refused" for o in outcomes):
            return self._finish(_held(outcomes, "not-written", "nothing is written while a step is refused"),
                                dry_run)
        if dry_run or not any(o.result == "pending" for o in outcomes):
            return self._finish(_held(outcomes, "would-apply", ""), dry_run)
        if not yes:
            refusal = self._confirm(outcomes)
            if refusal:
                self._finish(_held(outcomes, "not-confirmed", refusal), dry_run)
                self.session.console.err(f"error: {refusal}")
                return ExitCode.USAGE
        outcomes, lost, interrupted = self.writer.write_all(outcomes)
        if lost is not None:
            self.session.error(str(lost))
        code = self._finish(outcomes, dry_run)
        return ExitCode.INTERRUPTED if interrupted else ExitCode.worst(
            code, ExitCode.CLUSTER if lost is not None else ExitCode.OK)

    def _confirm(self, outcomes: list[Outcome]) -> str | None:
        """Why nothing is written (None: go ahead)."""
        if not can_prompt():
            return "not a terminal, so no confirmation: nothing was written (pass --yes to write, --dry-run to preview)"
        console = self.session.console
        console.err(run_table(outcomes, self.plans).rstrip("\n"))
        count = sum(1 for o in outcomes if o.result == "pending")
        if click.confirm(f"Write these changes to {count} namespace(s)?", default=False, err=True):
            return None
        return "not confirmed: nothing was written"

    def _finish(self, outcomes: list[Outcome], dry_run: bool) -> ExitCode:
        self.report(outcomes, dry_run)
        results = {o.result for o in outcomes}
        blocked = results & {"refused", "conflict"} or (self.kind == "RolloutUndo" and "skipped" in results)
        return ExitCode.worst(
            ExitCode.CLUSTER if results & {"failed", "unknown"} else ExitCode.OK,
            ExitCode.PARTIAL if self.session.errors else ExitCode.OK,
            ExitCode.FINDINGS if blocked else ExitCode.OK)

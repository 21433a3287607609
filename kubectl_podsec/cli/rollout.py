"""`kubectl podsec rollout`: move namespaces warn -> audit -> enforce with
evidence, safely, and undo."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..admission.config import DEFAULT_CONFIG
from ..errors import ExitCode, UsageError
from ..manifests import read_admission_config
from ..pss import Level, Version
from ..terminal.console import Console
from .options import cluster_options, common_options, connect, output_option, run_console
from .types import ENFORCEABLE_LEVEL, POLICY_VERSION, STAGE

if TYPE_CHECKING:
    from ..rollout.stages import Stage

# The commands import what they use when they run: `kubectl podsec` starts
# without loading the cluster layers.

F = TypeVar("F", bound=Callable[..., Any])
OUTPUTS = ("table", "wide", "json", "yaml")


def _session(connection: dict[str, Any], console: Console, admission_config: str | None = None) -> Any:
    from ..rollout.session import Session

    config = read_admission_config(admission_config) if admission_config else DEFAULT_CONFIG
    return Session(connect(connection), console, config)


def _view(kind: str, plans: Any, output: str, console: Console, errors: list[str],
          stage: str | None = None) -> Any:
    """How a run of steps shows itself: the report in the chosen format, the
    table a person confirms, and the question asked on the terminal."""
    from ..render.rollout import run_document, run_table, structured
    from ..rollout.session import RunView

    def report(outcomes: list[Any], dry_run: bool) -> str:
        if output in ("json", "yaml"):
            return structured(run_document(kind, outcomes, plans, dry_run, errors, stage), output)
        return run_table(outcomes, plans, output == "wide", console.color)

    return RunView(report, lambda outcomes: run_table(outcomes, plans),
                   lambda question: click.confirm(question, default=False, err=True))


def namespaces_options(f: F) -> F:
    for decorator in reversed((
        click.argument("names", nargs=-1, metavar="[NS]..."),
        click.option("-n", "--namespace", "namespaces", multiple=True, metavar="NS",
                     help="Namespaces (repeatable, or a,b), as well as or instead of the arguments."),
        click.option("-A", "--all-namespaces", is_flag=True, help="Every namespace."),
        click.option("-l", "--selector", metavar="SELECTOR", help="Namespaces with these labels."),
    )):
        f = decorator(f)
    return f


def writes_options(f: F) -> F:
    for decorator in reversed((
        click.option("--dry-run", is_flag=True, help="Check and show the change; write nothing."),
        click.option("-y", "--yes", is_flag=True, help="Write without asking (needed without a terminal)."),
    )):
        f = decorator(f)
    return f


@click.group()
def rollout() -> None:
    """Move namespaces warn -> audit -> enforce, with evidence, safely, and undo."""


@rollout.command("plan")
@namespaces_options
@click.option("--level", type=ENFORCEABLE_LEVEL, help="The level to roll out (default: per namespace, the next "
                                            "stricter than it enforces, or the one under way).")
@click.option("--version", "policy_version", type=POLICY_VERSION, metavar="V", help="Policy version (default: the server's).")
@click.option("--admission-config", type=click.Path(dir_okay=False), metavar="FILE",
              help="The API server's AdmissionConfiguration: defaults and exempt namespaces.")
@cluster_options
@output_option(OUTPUTS)
@common_options
def plan(names: tuple[str, ...], namespaces: tuple[str, ...], all_namespaces: bool, selector: str | None,
         level: Level | None, policy_version: Version | None, admission_config: str | None, output: str,
         **connection: Any) -> None:
    """Where each namespace stands and what blocks the next stage: its labels
    per mode, the strictest level every pod and workload template passes
    (CronJobs and workloads scaled to zero included), the objects that violate
    the target level with their failing checks, and the next step. Exits 1
    when an object blocks a namespace's target level."""
    from ..render.rollout import plan_document, plan_table, structured
    from ..rollout.session import selection

    console = run_console()
    chosen, version = selection(names, namespaces, all_namespaces, selector), policy_version
    session = _session(connection, console, admission_config)
    found = session.survey(chosen, level, version)
    plans = list(found.plans.values())
    if output in ("json", "yaml"):
        doc = plan_document(plans, level, found.version, session.errors)
        console.out(structured(doc, output))
    else:
        console.out(plan_table(plans, output == "wide", console.color))
    blocked = any(p.blocked and not p.skip for p in plans)
    raise click.exceptions.Exit(ExitCode.worst(ExitCode.PARTIAL if session.errors else ExitCode.OK,
                                               ExitCode.FINDINGS if blocked else ExitCode.OK))


@rollout.command("ns")
@namespaces_options
@click.option("--level", type=ENFORCEABLE_LEVEL,
              help="The level to roll out (default: per namespace, the one a rollout under way heads to).")
@click.option("--version", "policy_version", type=POLICY_VERSION, metavar="V",
              help="Policy version to pin (default: the server's minor version).")
@click.option("--to", type=STAGE,
              help="Go up to this stage (default: one stage past the least advanced namespace).")
@click.option("--force", is_flag=True, help="Enforce despite violations; include exempt and "
                                            "externally managed namespaces.")
@click.option("--admission-config", type=click.Path(dir_okay=False), metavar="FILE",
              help="The API server's AdmissionConfiguration: exempt namespaces are skipped.")
@writes_options
@cluster_options
@output_option(OUTPUTS)
@common_options
def ns(names: tuple[str, ...], namespaces: tuple[str, ...], all_namespaces: bool, selector: str | None,
       level: Level | None, policy_version: Version | None, to: Stage | None, force: bool,
       admission_config: str | None,
       dry_run: bool, yes: bool, output: str, **connection: Any) -> None:
    """Advance namespaces one stage (warn, then audit, then enforce), or up
    to --to. Preflight first: every pod and template evaluated offline, and
    the server's own dry run of the label change. Enforce is refused while
    anything violates, unless --force; then nothing at all is written."""
    from ..rollout.stages import run_stage
    from ..rollout.steps import advance
    from ..rollout.session import Run, RunKind, selection

    console = run_console()
    chosen, version = selection(names, namespaces, all_namespaces, selector), policy_version
    if chosen is None:
        raise UsageError("name the namespaces, or use -A or -l SELECTOR")
    session = _session(connection, console, admission_config)
    found = session.survey(chosen, level, version, force)
    idle = found.idle(session.config.defaults.enforce.level) if level is None else []
    if idle:
        raise UsageError(f"no rollout under way in {', '.join(idle)}: pass --level")
    target = run_stage([p.stage for p in found.plans.values() if not p.skip],
                       to)
    author = session.author()
    steps = [advance(found.namespaces[n], p, target, author, force) for n, p in found.plans.items()]
    replan = lambda namespace: advance(namespace, found.plans[namespace["metadata"]["name"]],  # noqa: E731
                                       target, author, force)
    run = Run(session, RunKind.ADVANCE, replan,
              _view(RunKind.ADVANCE.value, found.plans, output, console, session.errors, target.mode))
    raise click.exceptions.Exit(run.execute(steps, author, dry_run, yes))


@rollout.command("undo")
@click.argument("names", nargs=-1, required=True, metavar="NS...")
@writes_options
@cluster_options
@output_option(OUTPUTS)
@common_options
def undo_(names: tuple[str, ...], dry_run: bool, yes: bool, output: str, **connection: Any) -> None:
    """Restore the pod-security labels of each namespace exactly as they were
    before its last step (other labels untouched); the undo is recorded too."""
    from ..rollout.survey import read_namespaces
    from ..rollout.steps import undo
    from ..rollout.session import Run, RunKind, selection

    console = run_console()
    chosen = selection(names, (), False, None)
    assert chosen is not None
    session = _session(connection, console)
    author = session.author()
    found = read_namespaces(session.cluster, chosen, session.error)
    steps = [undo(namespace, author) for namespace in found.values()]
    run = Run(session, RunKind.UNDO, lambda namespace: undo(namespace, author),
              _view(RunKind.UNDO.value, {}, output, console, session.errors))
    raise click.exceptions.Exit(run.execute(steps, author, dry_run, yes))


@rollout.command("status")
@namespaces_options
@cluster_options
@output_option(OUTPUTS)
@common_options
def status_(names: tuple[str, ...], namespaces: tuple[str, ...], all_namespaces: bool, selector: str | None,
            output: str, **connection: Any) -> None:
    """The stage of each namespace and the steps recorded on it."""
    from ..render.rollout import status_document, status_table, structured
    from ..rollout.survey import Selection, read_namespaces
    from ..rollout.steps import status
    from ..rollout.session import selection

    console = run_console()
    chosen = selection(names, namespaces, all_namespaces, selector)
    session = _session(connection, console)
    found = read_namespaces(session.cluster, chosen or Selection((session.cluster.namespace,)), session.error)
    statuses = [status(namespace) for namespace in found.values()]
    if output in ("json", "yaml"):
        console.out(structured(status_document(statuses, session.errors), output))
    else:
        console.out(status_table(statuses, output == "wide"))
    broken = session.errors or any(s.error for s in statuses)
    raise click.exceptions.Exit(ExitCode.PARTIAL if broken else ExitCode.OK)

"""`kubectl podsec rollout`: move namespaces warn -> audit -> enforce with
evidence, safely, and undo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..errors import ExitCode, UsageError
from .console import Console
from .options import cluster_options, common_options, output_option
from ..render.serialize import dump_yaml

# The commands import what they use when they run: `kubectl podsec` starts
# without loading the cluster layers.

F = TypeVar("F", bound=Callable[..., Any])
OUTPUTS = ("table", "wide", "json", "yaml")
LEVELS = click.Choice(["baseline", "restricted"])


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
@click.option("--level", type=LEVELS, help="The level to roll out (default: per namespace, the next "
                                            "stricter than it enforces, or the one under way).")
@click.option("--version", "policy_version", metavar="V", help="Policy version (default: the server's).")
@click.option("--admission-config", type=click.Path(dir_okay=False), metavar="FILE",
              help="The API server's AdmissionConfiguration: defaults and exempt namespaces.")
@cluster_options
@output_option(OUTPUTS)
@common_options
def plan(names: tuple[str, ...], namespaces: tuple[str, ...], all_namespaces: bool, selector: str | None,
         level: str | None, policy_version: str | None, admission_config: str | None, output: str,
         no_color: bool, debug: bool, **connection: Any) -> None:
    """Where each namespace stands and what blocks the next stage: its labels
    per mode, the strictest level every pod and workload template passes
    (CronJobs and workloads scaled to zero included), the objects that violate
    the target level with their failing checks, and the next step. Exits 1
    when an object blocks a namespace's target level."""
    from ..pss import Level
    from ..render.rollout import plan_document, plan_table, structured
    from ..rollout.session import Session, parse_version, selection

    console = Console(no_color=no_color)
    chosen, version = selection(names, namespaces, all_namespaces, selector), parse_version(policy_version)
    session = Session(connection, console, admission_config)
    found = session.survey(chosen, Level(level) if level else None, version)
    plans = list(found.plans.values())
    if output in ("json", "yaml"):
        doc = plan_document(plans, Level(level) if level else None, found.version, session.errors)
        console.out(structured(doc, output, dump_yaml))
    else:
        console.out(plan_table(plans, output == "wide", console.color))
    blocked = any(p.blocked and not p.skip for p in plans)
    raise click.exceptions.Exit(ExitCode.worst(ExitCode.PARTIAL if session.errors else ExitCode.OK,
                                               ExitCode.FINDINGS if blocked else ExitCode.OK))


@rollout.command("ns")
@namespaces_options
@click.option("--level", type=LEVELS, required=True, help="The level to roll out.")
@click.option("--version", "policy_version", metavar="V",
              help="Policy version to pin (default: the server's minor version).")
@click.option("--to", type=click.Choice(["warn", "audit", "enforce"]),
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
       level: str, policy_version: str | None, to: str | None, force: bool, admission_config: str | None,
       dry_run: bool, yes: bool, output: str, no_color: bool, debug: bool, **connection: Any) -> None:
    """Advance namespaces one stage (warn, then audit, then enforce), or up
    to --to. Preflight first: every pod and template evaluated offline, and
    the server's own dry run of the label change. Enforce is refused while
    anything violates, unless --force; then nothing at all is written."""
    from ..pss import Level
    from ..rollout.stages import Stage, run_stage
    from ..rollout.steps import advance
    from ..rollout.session import Run, Session, parse_version, selection

    console = Console(no_color=no_color)
    chosen, version = selection(names, namespaces, all_namespaces, selector), parse_version(policy_version)
    if chosen is None:
        raise UsageError("name the namespaces, or use -A or -l SELECTOR")
    session = Session(connection, console, admission_config)
    found = session.survey(chosen, Level(level), version, force)
    target = run_stage([p.stage for p in found.plans.values() if not p.skip],
                       Stage.parse(to) if to else None)
    author = session.author()
    steps = [advance(found.namespaces[n], p, target, author, force) for n, p in found.plans.items()]
    replan = lambda namespace: advance(namespace, found.plans[namespace["metadata"]["name"]],  # noqa: E731
                                       target, author, force)
    run = Run(session, "RolloutRun", found.plans, replan, output, target.mode)
    raise click.exceptions.Exit(run.execute(steps, author, dry_run, yes))


@rollout.command("undo")
@click.argument("names", nargs=-1, required=True, metavar="NS...")
@writes_options
@cluster_options
@output_option(OUTPUTS)
@common_options
def undo_(names: tuple[str, ...], dry_run: bool, yes: bool, output: str, no_color: bool, debug: bool,
          **connection: Any) -> None:
    """Restore the pod-security labels of each namespace exactly as they were
    before its last step (other labels untouched); the undo is recorded too."""
    from ..rollout.survey import read_namespaces
    from ..rollout.steps import undo
    from ..rollout.session import Run, Session, selection

    console = Console(no_color=no_color)
    chosen = selection(names, (), False, None)
    assert chosen is not None
    session = Session(connection, console)
    author = session.author()
    found = read_namespaces(session.cluster, chosen, session.error)
    steps = [undo(namespace, author) for namespace in found.values()]
    run = Run(session, "RolloutUndo", {}, lambda namespace: undo(namespace, author), output)
    raise click.exceptions.Exit(run.execute(steps, author, dry_run, yes))


@rollout.command("status")
@namespaces_options
@cluster_options
@output_option(OUTPUTS)
@common_options
def status_(names: tuple[str, ...], namespaces: tuple[str, ...], all_namespaces: bool, selector: str | None,
            output: str, no_color: bool, debug: bool, **connection: Any) -> None:
    """The stage of each namespace and the steps recorded on it."""
    from ..render.rollout import status_document, status_table, structured
    from ..rollout.survey import Selection, read_namespaces
    from ..rollout.steps import status
    from ..rollout.session import Session, selection

    console = Console(no_color=no_color)
    chosen = selection(names, namespaces, all_namespaces, selector)
    session = Session(connection, console)
    found = read_namespaces(session.cluster, chosen or Selection((session.cluster.namespace,)), session.error)
    statuses = [status(namespace) for namespace in found.values()]
    if output in ("json", "yaml"):
        console.out(structured(status_document(statuses, session.errors), output, dump_yaml))
    else:
        console.out(status_table(statuses, output == "wide"))
    broken = session.errors or any(s.error for s in statuses)
    raise click.exceptions.Exit(ExitCode.PARTIAL if broken else ExitCode.OK)

"""`kubectl podsec policy export`: a Pod Security level, minus chosen checks, as a
ValidatingAdmissionPolicy (`check --policy` reads one back: check/exported.py)."""

from __future__ import annotations

from typing import Any

import click

from ..errors import UsageError
from ..pss import Level, LevelVersion, Version
from ..render.serialize import dump, dump_yaml
from ..vap.policy import Action, Export, ExportError, export as export_policy
from ..vap.selectors import SelectorError, parse_selector
from .options import common_options, run_console
from .types import ENFORCEABLE_LEVEL, POLICY_VERSION


def _split(values: tuple[str, ...]) -> list[str]:
    return [v for value in values for v in (p.strip() for p in value.split(",")) if v]


def _selector(flag: str, text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        return parse_selector(text)
    except SelectorError as err:
        raise UsageError(f"{flag}: {err}") from None


def _actions(values: tuple[str, ...]) -> tuple[Action, ...]:
    names = {a.value.lower(): a for a in Action}
    chosen = []
    for value in _split(values) or ["Deny"]:
        if value.lower() not in names:
            raise UsageError(f'--action: "{value}" is not one of Deny, Warn, Audit')
        chosen.append(names[value.lower()])
    return tuple(chosen)


@click.group()
def policy() -> None:
    """Pod Security as a ValidatingAdmissionPolicy: a level minus chosen checks,
    enforced by the API server itself, with no webhook."""


@policy.command()
@click.option("--level", type=ENFORCEABLE_LEVEL, required=True,
              help="The Pod Security Standard to start from.")
@click.option("--version", "policy_version", type=POLICY_VERSION, default="latest", show_default=True,
              metavar="V",
              help="Policy version, v1.0 to v1.37, or latest (the newest this tool knows).")
@click.option("--skip", "skips", multiple=True, metavar="CHECK,...",
              help="Checks to leave out, by the IDs `check -o wide` shows (repeatable).")
@click.option("--namespace-selector", metavar="SEL",
              help="Label selector of the namespaces to bind to (kubectl syntax). Default: all.")
@click.option("--object-selector", metavar="SEL", help="Label selector of the objects to judge.")
@click.option("--action", "actions", multiple=True, metavar="Deny|Warn|Audit",
              help="What a violation does (repeatable, or a,b; Deny and Warn exclude each other). "
                   "Default: Deny.")
@click.option("--name", metavar="NAME", help="Name of the policy and binding. Default: "
                                              "pod-security-LEVEL-VERSION[-custom].")
@click.option("--templates", is_flag=True,
              help="Also judge workload pod templates, in a second binding that warns (and "
                   "audits, if asked) but never denies, as Pod Security Admission does.")
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True,
              help="Output format.")
@common_options
def export(level: Level, policy_version: Version, skips: tuple[str, ...], namespace_selector: str | None,
           object_selector: str | None, actions: tuple[str, ...], name: str | None, templates: bool,
           output: str) -> None:
    """Print a ValidatingAdmissionPolicy that judges pods as Pod Security
    Admission does at LEVEL:VERSION, minus the skipped checks, and its binding.

    Apply it with `kubectl apply -f`; needs Kubernetes 1.35 or newer.
    Exit codes: 0 printed, 2 usage error.
    """
    request = Export(LevelVersion(level, policy_version), frozenset(_split(skips)), _selector("--namespace-selector", namespace_selector),
                     _selector("--object-selector", object_selector), _actions(actions), name, templates)
    try:
        docs = export_policy(request)
    except ExportError as err:
        raise UsageError(str(err)) from None
    console = run_console()
    if output == "json":
        console.out(dump({"apiVersion": "v1", "kind": "List", "items": docs}, "json"))
    else:
        console.out("---\n".join(dump_yaml(doc) for doc in docs))

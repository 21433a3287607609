"""`check --psp-file`: the policies of the files, and offline, who may `use`
each (`--psp-allow`, `--psp-sa-allow`). Against a cluster its own access
reviews say who may (cli/check_cluster.py).

Imported only when PodSecurityPolicies are in play, so other runs never load
the PSP engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from ..errors import ExitCode, UsageError
from ..psp import Grants
from ..check.psp import PspAdmission, check_policies
from .console import Console
from .psp_input import policy_names, read_policies

ALL_USABLE = ("note: without --psp-allow, whoever creates the pods (for a workload, its controller) "
              "is taken to be allowed to use every PodSecurityPolicy")


def file_policies(paths: tuple[str, ...], console: Console) -> list[dict[str, Any]]:
    """The policies of `--psp-file`, all valid, before any output: an invalid
    file, document or policy ends the run (exit 2)."""
    if "-" in paths:
        raise UsageError("--psp-file takes files: stdin (-) is for -f")
    errors: list[str] = []
    policies = read_policies(paths, console, errors)
    if errors:  # already reported, one line each
        raise click.exceptions.Exit(ExitCode.USAGE)
    check_policies(policies, f"--psp-file {', '.join(paths)}")
    return policies


def offline_admission(policies: Sequence[Mapping[str, Any]], allow: str | None, sa_allow: str | None,
                      console: Console) -> PspAdmission:
    """Admission with static grants: the same for every kind of object."""
    if allow is None:
        console.err(ALL_USABLE)
    grants = Grants(user=policy_names(allow) if allow is not None else ["*"],
                    service_account=policy_names(sa_allow))
    known = {str((p.get("metadata") or {}).get("name")) for p in policies}
    unknown = sorted((grants.user | grants.service_account) - known - {"*"})
    if unknown:
        console.err(f"warning: --psp-allow/--psp-sa-allow name {', '.join(unknown)}, "
                    "which --psp-file does not define")
    return PspAdmission(policies, lambda kind: grants)

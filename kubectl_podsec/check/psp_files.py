"""PodSecurityPolicy input shared by `psp` and `check`: the objects of the
files given, the policies of `--psp-file`, lists of policy names, and, for
`check --psp-file` offline, who may `use` each (`--psp-allow`,
`--psp-sa-allow`); against a cluster its own access reviews say who may
(check/live.py). Imported only when PodSecurityPolicies are in play."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from ..errors import AlreadyReported, InputError, UsageError
from ..manifests import Source, expand, input_documents
from ..psp import Grants
from ..terminal.console import Console
from .psp import PspAdmission, check_policies

ALL_USABLE = ("note: without --psp-allow, whoever creates the pods (for a workload, its controller) "
              "is taken to be allowed to use every PodSecurityPolicy")
PSP_KINDS = {("PodSecurityPolicy", "policy/v1beta1"), ("PodSecurityPolicy", "extensions/v1beta1")}


class Read(NamedTuple):
    """One object read from a file, and where it came from."""

    source: Source
    obj: dict[str, Any]


def read_objects(paths: tuple[str, ...], recursive: bool, console: Console,
                 errors: list[str]) -> Iterator[Read]:
    """The documents of the files (`-`: stdin); a malformed one is reported and recorded in `errors`."""
    for item in expand(list(paths), recursive, note=lambda text: console.err(f"note: {text}")):
        for doc in input_documents(item):
            if doc.error is not None:
                errors.append(str(doc.error))
                console.err(f"error: {doc.error}")
            elif doc.obj is not None:
                yield Read(doc.source, doc.obj)


def read_policies(paths: tuple[str, ...], console: Console, errors: list[str]) -> list[dict[str, Any]]:
    """The PodSecurityPolicy objects of `--psp-file`, each one validated; an
    invalid policy is an InputError naming its document."""
    from ..psp import PspInputError, parse_policy

    found: list[dict[str, Any]] = []
    for doc in read_objects(paths, False, console, errors):
        if (doc.obj.get("kind"), doc.obj.get("apiVersion")) not in PSP_KINDS:
            console.err(f"note: {doc.source.describe()}: not a PodSecurityPolicy; ignored")
            continue
        try:
            parse_policy(doc.obj)
        except PspInputError as err:
            raise InputError(doc.source.describe(), str(err)) from None
        found.append(doc.obj)
    if not found and errors:  # nothing usable, and why is already said
        raise AlreadyReported()
    if not found:
        raise UsageError("no PodSecurityPolicy objects in --psp-file")
    return found


def policy_names(text: str | None) -> list[str]:
    """`a,b` to ["a", "b"]; blanks dropped."""
    return [n.strip() for n in (text or "").split(",") if n.strip()]


def file_policies(paths: tuple[str, ...], console: Console) -> list[dict[str, Any]]:
    """The policies of `--psp-file`, all valid, before any output: an invalid
    file, document or policy ends the run (exit 2)."""
    if "-" in paths:
        raise UsageError("--psp-file takes files: stdin (-) is for -f")
    errors: list[str] = []
    policies = read_policies(paths, console, errors)
    if errors:  # already reported, one line each
        raise AlreadyReported()
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


class StaticGrants:
    """Who may use which policy, as given offline (`psp which --allow/--sa-allow`):
    the same for every kind of object."""

    def __init__(self, grants: Grants) -> None:
        self.grants = grants
        self.notes: list[str] = []

    def for_kind(self, kind: str) -> Grants:
        return self.grants

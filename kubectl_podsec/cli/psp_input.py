"""PodSecurityPolicy input shared by `psp` and `check`: the objects of the
files given, the policies of `--psp-file`, and lists of policy names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import click

from ..errors import ExitCode, InputError, UsageError
from ..manifests import Source, expand, input_documents
from .console import Console

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
        raise click.exceptions.Exit(ExitCode.USAGE)
    if not found:
        raise UsageError("no PodSecurityPolicy objects in --psp-file")
    return found


def policy_names(text: str | None) -> list[str]:
    """`a,b` to ["a", "b"]; blanks dropped."""
    return [n.strip() for n in (text or "").split(",") if n.strip()]

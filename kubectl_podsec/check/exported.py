"""`check --policy`: an exported ValidatingAdmissionPolicy read back from its
file, to judge manifests offline as it would (its level, version and skipped
checks, with the same engine)."""

from __future__ import annotations

from ..errors import InputError
from ..manifests import expand, input_documents
from ..vap.reader import ExportedPolicy, find_policy


def load_policy(path: str) -> ExportedPolicy:
    """The exported policy in FILE, or in the manifests of DIR (`check --policy`)."""
    found = []
    for item in expand([path], recursive=False):
        for doc in input_documents(item):
            if doc.error is not None:
                raise doc.error
            if doc.obj is not None:
                found.append((doc.obj, doc.source.describe()))
    try:
        return find_policy(found)
    except InputError as err:
        raise InputError(path if err.where == "--policy" else err.where, err.message) from None

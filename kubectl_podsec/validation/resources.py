"""Container resources and env sources: the shapes that are valid are recognised; anything
that could fail is doubted (its messages depend on resource.Quantity's canonical form and on
rules not modelled here), so these never add errors, only certainty that there are none."""

from __future__ import annotations

import re

from . import formats
from .source import Json, Reader

_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
# Exact ratios as (numerator, denominator) of integers: fractions.Fraction would cost its
# import (with decimal's) on every run for two comparisons.
_SCALE: dict[str | None, tuple[int, int]] = {
    None: (1, 1), "m": (1, 1000), "k": (10**3, 1), "M": (10**6, 1), "G": (10**9, 1), "T": (10**12, 1),
    "P": (10**15, 1), "E": (10**18, 1), "Ki": (2**10, 1), "Mi": (2**20, 1), "Gi": (2**30, 1),
    "Ti": (2**40, 1), "Pi": (2**50, 1), "Ei": (2**60, 1)}
_NAMES = ("cpu", "memory", "ephemeral-storage")
_FIELD_PATHS = ("metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
                "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs")
_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


_READ: dict[str, tuple[int, int] | None] = {}  # quantities read before: a run repeats few of them
_READ_KEPT = 4096


def quantity(value: object) -> tuple[int, int] | None:
    """A non-negative quantity in the plain forms this model reads, as the exact ratio
    (numerator, denominator), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value, 1
    if not isinstance(value, str):
        return None
    if value in _READ:
        return _READ[value]
    if len(_READ) >= _READ_KEPT:
        _READ.clear()
    found = _READ[value] = _read(value)
    return found


def _read(value: str) -> tuple[int, int] | None:
    match = _QUANTITY.match(value)
    if match is None:
        return None
    whole, _, decimals = match[1].partition(".")
    numerator, denominator = _SCALE[match[2]]
    return int(whole + decimals) * numerator, 10 ** len(decimals) * denominator


def quantity_above(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] * b[1] > b[0] * a[1]


def resources(r: Reader, spec: Json | None, path: str) -> None:
    """ValidateContainerResourceRequirements holds for cpu, memory and ephemeral-storage with
    plain non-negative quantities and requests not above limits; anything else is doubted."""
    if spec is None:
        return
    r.only(spec, ("limits", "requests"), path)
    lists = {key: r.obj(spec, key, path) or {} for key in ("limits", "requests")}
    for key, values in lists.items():
        for name, value in values.items():
            if name not in _NAMES or quantity(value) is None:
                r.doubt(f"{path}.{key}[{name}]: this resource or quantity is not modelled")
    for name, value in lists["requests"].items():
        limit, request = quantity(lists["limits"].get(name)), quantity(value)
        if limit is not None and request is not None and quantity_above(request, limit):
            r.doubt(f"{path}.requests[{name}]: above its limit, a message not modelled")


def env_source(r: Reader, source: Json, has_value: bool, path: str) -> None:
    """validateEnvVarValueFrom holds for one fieldRef, configMapKeyRef or secretKeyRef that is
    well formed and without `value`; anything else is doubted."""
    kinds = [k for k in source if source.get(k) is not None]
    if has_value or len(kinds) != 1 or kinds[0] not in ("fieldRef", "configMapKeyRef", "secretKeyRef"):
        r.doubt(f"{path}: this env source is not modelled")
        return
    ref = r.obj(source, kinds[0], path) or {}
    if kinds[0] == "fieldRef":
        r.only(ref, ("apiVersion", "fieldPath"), f"{path}.fieldRef")
        if r.string(ref, "apiVersion", path) not in ("", "v1") or r.string(ref, "fieldPath", path) not in _FIELD_PATHS:
            r.doubt(f"{path}.fieldRef: this field path is not modelled")
        return
    r.only(ref, ("name", "key", "optional"), f"{path}.{kinds[0]}")
    name, key = r.string(ref, "name", path), r.string(ref, "key", path)
    if formats.dns1123_subdomain(name) or not _KEY.match(key) or len(key) > 253 or key in (".", "..") \
            or key.startswith(".."):
        r.doubt(f"{path}.{kinds[0]}: this reference is not modelled")

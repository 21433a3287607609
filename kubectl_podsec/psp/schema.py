"""Declarative JSON type checks, standing in for the API server's decoder.

The engine reads plain dicts.  Before it does, the fields it reads are checked once against
a schema, so a wrong-typed field becomes one clear ``PspInputError`` naming the field rather
than a ``TypeError`` deep inside a strategy.  JSON ``null`` is accepted everywhere, as Go's
decoder leaves the zero value; unknown fields are ignored, as the API server drops them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .errors import PspInputError
from .fielderrors import Path


class Scalar(Enum):
    STRING = "a string"
    BOOLEAN = "a boolean"
    INT32 = "a 32-bit integer"
    INT64 = "a 64-bit integer"


@dataclass(frozen=True)
class ListOf:
    item: Schema


@dataclass(frozen=True)
class MapOf:
    value: Schema


@dataclass(frozen=True)
class Obj:
    """An object whose listed fields are checked; ``Obj({})`` accepts any object."""

    fields: Mapping[str, Schema]


Schema = Scalar | ListOf | MapOf | Obj

_LIMITS = {Scalar.INT32: 2**31, Scalar.INT64: 2**63}


def check(value: object, schema: Schema, path: Path, error: type[PspInputError]) -> None:
    """Raise ``error`` naming the first field of ``value`` that ``schema`` rejects."""
    if value is None:
        return
    if isinstance(schema, Scalar):
        _check_scalar(value, schema, path, error)
    elif isinstance(schema, ListOf):
        if not isinstance(value, list):
            raise error(str(path), f"expected a list, got {_show(value)}")
        for i, item in enumerate(value):
            if item is None and isinstance(schema.item, Scalar):
                # Go would decode the zero value; a null name or ID is surely a mistake
                raise error(str(path.index(i)), f"expected {schema.item.value}, got null")
            check(item, schema.item, path.index(i), error)
    elif isinstance(schema, MapOf):
        mapping = _require_object(value, path, error)
        for key, item in mapping.items():
            check(item, schema.value, path.key(key), error)
    else:
        mapping = _require_object(value, path, error)
        for name, field_schema in schema.fields.items():
            check(mapping.get(name), field_schema, path.child(name), error)


def _require_object(value: object, path: Path, error: type[PspInputError]) -> Mapping[str, Any]:
    if type(value) is dict and all(type(k) is str for k in value):  # the usual case, fast
        return value
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise error(str(path), f"expected an object, got {_show(value)}")
    return value


def _check_scalar(value: object, kind: Scalar, path: Path, error: type[PspInputError]) -> None:
    if kind is Scalar.STRING:
        ok = isinstance(value, str)
    elif kind is Scalar.BOOLEAN:
        ok = isinstance(value, bool)
    else:
        # bool is an int in Python but never a number in JSON; floats fail Go's int decoding
        limit = _LIMITS[kind]
        ok = isinstance(value, int) and not isinstance(value, bool) and -limit <= value < limit
    if not ok:
        raise error(str(path), f"expected {kind.value}, got {_show(value)}")


def _show(value: object) -> str:
    try:
        text = json.dumps(value, sort_keys=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."

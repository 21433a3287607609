"""The common case of decode.py, answered fast: an object whose every value has the JSON
type its Go field takes, with no key that no field has.

Objects from manifests nearly always decode, and the exact walk of decode.py costs the
most where there is nothing to report (it builds each value's place as it goes). This
walk only answers "decodes, with nothing to report" or "look closer": it accepts a
value only where decode.py's rules accept it for certain (a string into a string, an
int in range into an int, a quantity ParseQuantity takes, ...), and hands anything else
(a float, a time, a key no field has, a value of another type) back to the exact walk,
which finds the first error and its text. So it may send a good object the slow way,
and never lets a bad one through.

Each Go type gets one checking function, built on first use from go_types.TYPES.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import go_types as T

Check = Callable[[Any], bool]  # True: decodes, nothing to report (the value is not None)

_checks: dict[int, Check] = {}
_QUANTITY_SEEN = 4096  # quantities whose answer is kept (a run has few distinct ones)
_quantities: dict[tuple[type, Any], bool] = {}


def decodes_plainly(obj: dict[str, Any], root: int) -> bool:
    """True when decode.py's walk of `obj` from type `root` finds nothing at all."""
    return _check(root)(obj)


def _check(index: int) -> Check:
    found = _checks.get(index)
    if found is None:
        found = _checks[index] = _build(index)
    return found


def _build(index: int) -> Check:
    row = T.TYPES[index]
    while row[0] == T.POINTER:
        row = T.TYPES[row[2]]
    kind = row[0]
    if kind == T.STRING:
        return _is_str
    if kind == T.BOOL:
        return _is_bool
    if kind in (T.INT, T.UINT):
        low, high = (-(1 << (row[2] - 1)), 1 << (row[2] - 1)) if kind == T.INT else (0, 1 << row[2])
        return lambda value: type(value) is int and low <= value < high
    if kind == T.ANY:
        return _any
    if kind == T.CUSTOM:
        return _custom(row[1])
    if kind == T.SLICE:
        return _slice(row[2])
    if kind == T.MAP:
        return _map(row[2])
    if kind == T.STRUCT:
        return _struct(row[2])
    return _never  # FLOAT, BYTES, TEXT: rare in manifests, and read with care by decode.py


def _is_str(value: Any) -> bool:
    return type(value) is str


def _is_bool(value: Any) -> bool:
    return type(value) is bool


def _never(value: Any) -> bool:
    return False


def _any(value: Any) -> bool:
    """interface{}: a JSON object or scalar (a list, a float: the exact walk decides)."""
    return type(value) in (dict, str, int, bool)


def _slice(element: int) -> Check:
    def check(value: Any) -> bool:
        if type(value) is not list:
            return False
        inner = _check(element)
        for item in value:
            if item is not None and not inner(item):
                return False
        return True
    return check


def _map(element: int) -> Check:
    if T.TYPES[element][0] == T.STRING:
        def strings(value: Any) -> bool:
            if type(value) is not dict:
                return False
            for item in value.values():
                if type(item) is not str and item is not None:
                    return False
            return True
        return strings

    def check(value: Any) -> bool:
        if type(value) is not dict:
            return False
        inner = _check(element)
        for item in value.values():
            if item is not None and not inner(item):
                return False
        return True
    return check


def _struct(fields: dict[str, tuple[tuple[str, ...], int]]) -> Check:
    checks: dict[str, Check] = {}  # each field's check, filled on first use (types nest in cycles)

    def check(value: Any) -> bool:
        if type(value) is not dict:
            return False
        if not checks:
            checks.update((name, _check(index)) for name, (_, index) in fields.items())
        try:
            for key, item in value.items():
                inner = checks[key]  # KeyError: a key no field has
                if type(item) is str:
                    if inner is _is_str:  # most fields: no call
                        continue
                elif item is None:
                    continue
                if not inner(item):
                    return False
        except KeyError:
            return False
        return True
    return check


def _custom(go_type: str) -> Check:
    if go_type == "intstr.IntOrString":
        return lambda value: type(value) is str or (type(value) is int and -(1 << 31) <= value < 1 << 31)
    if go_type == "resource.Quantity":
        return _quantity
    if go_type == "v1.FieldsV1":
        return _fields_v1
    return _never  # v1.Time and the like: decode.py reads the text


def _fields_v1(value: Any) -> bool:
    """FieldsV1 keeps any JSON as it is (managed fields are an object)."""
    return type(value) is dict


def _quantity(value: Any) -> bool:
    if type(value) not in (str, int, float):
        return False  # a bool or a collection: an error with its own text
    key = (type(value), value)
    known = _quantities.get(key)
    if known is None:
        from .decode import quantity_decodes

        known = quantity_decodes(value)
        if len(_quantities) >= _QUANTITY_SEEN:
            _quantities.clear()
        _quantities[key] = known
    return known

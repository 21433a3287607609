"""The API server's decoding of the object's JSON into the Go types, before anything else.

A value of the wrong JSON type fails the create with 400 before admission and validation:
k8s.io/apiserver v0.37.2 handlers/rest.go:245-256 `transformDecodeError` writes
`Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal bool into Go struct
field NFSVolumeSource.spec.volumes.VolumeSource.nfs.server of type string` (the version
without the group, the kind twice).

The decoder is sigs.k8s.io/json (Go's encoding/json, case-sensitive, ints preserved),
internal/golang/encoding/json/decode.go, walked here over the table of go_types.py:

* the text is read in order, and kubectl sends JSON that Go wrote from a map, so keys sorted;
* a type error is saved and decoding goes on: the first one saved is reported, unless a
  type with an UnmarshalJSON of its own fails later, whose error is returned at once;
* the error names the innermost struct whose key was read (`Struct`), the JSON names from
  the top with the Go names of inlined embedded structs and no index or map key (`Field`),
  the value's word (`bool`, `string`, `number`, `number 1.5` into an integer, `object`,
  `array`) and the reflect type string, pointers taken off (`int64` for a *int64);
* null decodes into anything; a key no field has is skipped, and when nothing else fails,
  fails the create as kubectl sends it (fieldValidation=Strict): `strict decoding error:
  unknown field "spec.containers[0].foo"`, every such key in order.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import go_quantity
from . import go_types as T
from .decode_plain import decodes_plainly


@dataclass(frozen=True)
class Decoding:
    error: str | None  # the server's whole message, when it is known exactly
    fails: bool  # decoding fails (certain even when the message is not known)
    doubt: str | None  # what the model cannot tell


_DECODES = Decoding(None, False, None)


class _Returned(Exception):
    """An error an UnmarshalJSON returns: decoding stops there."""

    def __init__(self, text: str | None, doubt: str | None = None) -> None:
        super().__init__(text or doubt)
        self.text = text
        self.doubt = doubt


@dataclass
class _State:
    saved: str | None = None
    unknown: list[str] = field(default_factory=list)  # the strict paths of keys no field has


# A string Go's JSON encoder writes as it is (it escapes <, > and &, quotes, controls).
_RAW_PLAIN = re.compile(r"[ !#-%'-;=?-\[\]-~]*")
_PLAIN = re.compile(r"[ !#-\[\]-~]*")  # strconv.Quote leaves these as they are
_RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})")


def decode(obj: dict[str, Any], api_version: str, kind: str) -> Decoding:
    """How the server decodes `obj` (a kind of go_types.ROOTS)."""
    root = T.ROOTS[(api_version, kind)]
    return _DECODES if decodes_plainly(obj, root) else walk(obj, api_version, kind)


def walk(obj: dict[str, Any], api_version: str, kind: str) -> Decoding:
    """decode() the exact way, value by value in the decoder's order."""
    state = _State()
    try:
        _value(obj, T.ROOTS[(api_version, kind)], _TOP, state)
    except _Returned as returned:
        if returned.text is None:  # an error saved or a key unknown before fails it either way
            return Decoding(None, state.saved is not None or bool(state.unknown), returned.doubt)
        return Decoding(_wrap(kind, api_version, returned.text), True, None)
    if state.saved is not None:
        return Decoding(_wrap(kind, api_version, state.saved), True, None)
    if state.unknown:
        return _strict(kind, api_version, state.unknown)
    return Decoding(None, False, None)


def _strict(kind: str, api_version: str, paths: list[str]) -> Decoding:
    """kubectl sends fieldValidation=Strict (its --validate=strict default), so a key no field
    has fails the create: runtime.NewStrictDecodingError over the decoder's strictErrors, each
    `unknown field` and the path quoted by strconv.Quote (kept here to plain ASCII)."""
    if not all(_PLAIN.fullmatch(path) for path in paths):
        return Decoding(None, True, "an unknown field whose name Go would quote with escapes")
    listed = ", ".join(f'unknown field "{path}"' for path in paths)
    return Decoding(_wrap(kind, api_version, f"strict decoding error: {listed}"), True, None)


def _wrap(kind: str, api_version: str, text: str) -> str:
    version = api_version.rsplit("/", 1)[-1]
    return f'{kind} in version "{version}" cannot be handled as a {kind}: {text}'


# Where a value is, built only when an error names it: (the parent's, the key or index
# read, errorContext.Struct (the struct whose key was read last), the names the key adds to
# errorContext.FieldStack (inlined structs' Go names and the JSON name; none for an index
# or a map key)). The strict path (strictFieldStack) names every key and index.
_Where = tuple[Any, ...]
_TOP: _Where = (None, None, "", ())


def _field(where: _Where) -> str:
    names: list[str] = []
    node = where
    while node[0] is not None:
        names[:0] = node[3]
        node = node[0]
    return f"{where[2]}.{'.'.join(names)}"


def _path(where: _Where) -> str:
    steps: list[str] = []
    node = where
    while node[0] is not None:
        steps.append(f"[{node[1]}]" if isinstance(node[1], int) else f".{node[1]}")
        node = node[0]
    return "".join(reversed(steps)).lstrip(".")


def _value(value: Any, index: int, where: _Where, state: _State) -> None:
    if value is None:
        return  # null: the zero value, whatever the type
    row = T.TYPES[index]
    kind = row[0]
    while kind == T.POINTER:
        row = T.TYPES[row[2]]
        kind = row[0]
    if isinstance(value, float) and not math.isfinite(value):
        raise _Returned(None, f"{_path(where)}: kubectl cannot write {value} as JSON")
    if kind == T.CUSTOM:
        _custom(value, row[1], _field(where))
        return
    if kind == T.TEXT:
        raise _Returned(None, f"{_path(where)}: {row[1]} decodes with its own UnmarshalText")
    if isinstance(value, dict):
        _object(value, row, where, state)
    elif isinstance(value, list):
        if kind != T.SLICE:
            _save(state, "array", row[1], where)
            return
        struct = where[2]
        for i, item in enumerate(value):
            _value(item, row[2], (where, i, struct, ()), state)
    else:
        word = _literal_problem(value, row)
        if word is not None:
            _save(state, word, row[1], where)


def _object(value: dict[str, Any], row: tuple[Any, ...], where: _Where, state: _State) -> None:
    kind = row[0]
    if kind == T.MAP:
        for key in sorted(value):
            _value(value[key], row[2], (where, key, where[2], ()), state)
    elif kind == T.STRUCT:
        fields = row[2]
        for key in sorted(value):
            known = fields.get(key)
            if known is None:
                state.unknown.append(_path((where, key, "", ())))
                continue
            embedded, index = known
            _value(value[key], index, (where, key, row[3], (*embedded, key)), state)
    elif kind != T.ANY:
        _save(state, "object", row[1], where)


def _save(state: _State, word: str, go_type: str, where: _Where) -> None:
    """decodeState.saveError with addErrorContext: only the first is kept."""
    if state.saved is None:
        state.saved = f"json: cannot unmarshal {word} into Go struct field {_field(where)} of type {go_type}"


def _literal_problem(value: Any, row: tuple[Any, ...]) -> str | None:
    """literalStore: the UnmarshalTypeError's word for a bool, string or number, or None."""
    kind = row[0]
    if kind == T.ANY:
        return None
    if type(value) is int and kind == T.INT:  # the common case, without the text
        return None if -(1 << (row[2] - 1)) <= value < 1 << (row[2] - 1) else f"number {value}"
    if isinstance(value, bool):
        return None if kind == T.BOOL else "bool"
    if isinstance(value, str):
        if kind == T.BYTES:
            raise _Returned(None, f"{row[1]}: base64 text is not modelled")
        return None if kind == T.STRING else "string"
    text = go_number(value)
    if kind in (T.INT, T.UINT):
        low, high = (-(1 << (row[2] - 1)), 1 << (row[2] - 1)) if kind == T.INT else (0, 1 << row[2])
        ok = re.fullmatch(r"-?[0-9]+" if kind == T.INT else "[0-9]+", text) and low <= int(text) < high
        return None if ok else f"number {text}"
    if kind == T.FLOAT:
        if row[2] == 32 and abs(float(text)) > 3.4028234663852886e38:
            return f"number {text}"
        return None
    return "number"


def go_number(value: Any) -> str:
    """The number's text as kubectl sends it (Go's encoding/json floatEncoder): positional
    from 1e-6 to 1e21, else exponent form with at least two exponent digits."""
    if isinstance(value, int):
        return str(value)
    if value == 0 or 1e-6 <= abs(value) < 1e21:
        return format(Decimal(repr(value)).normalize(), "f")
    mantissa, exponent = f"{Decimal(repr(value)).normalize():e}".split("e")
    number = int(exponent)
    return f"{mantissa}e{'-' if number < 0 else '+'}{abs(number) if number < 0 else f'{number:02d}'}"


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "number"


def _custom(value: Any, go_type: str, field: str) -> None:
    """The types with an UnmarshalJSON of their own in the pod-bearing kinds (null is taken
    off before): their errors are returned, not saved; an UnmarshalTypeError of the standard
    library's json.Unmarshal they call gets the field where it is returned
    (decodeState.unmarshal: addErrorContext)."""
    if go_type == "intstr.IntOrString":
        _int_or_string(value, field)
    elif go_type == "v1.Time":
        # time.go UnmarshalJSON: json.Unmarshal into a string, then time.Parse(RFC3339).
        if not isinstance(value, str):
            raise _Returned(f"json: cannot unmarshal {_word(value)} into Go struct field {field} of type string")
        if not (_RFC3339.fullmatch(value) and _parses(value)):
            raise _Returned(None, f"{value!r}: time.Parse(RFC3339) is not modelled for this text")
    elif go_type == "resource.Quantity":
        _quantity(value)
    elif go_type != "v1.FieldsV1":  # helpers.go: FieldsV1 keeps any JSON as raw bytes
        raise _Returned(None, f"{go_type}: its UnmarshalJSON is not modelled")


def _int_or_string(value: Any, field: str) -> None:
    """intstr.go UnmarshalJSON: a string into StrVal, anything else into the int32 IntVal."""
    if isinstance(value, str):
        return
    word = _word(value)
    if word == "number":
        text = go_number(value)
        if re.fullmatch(r"-?[0-9]+", text) and -(1 << 31) <= int(text) < 1 << 31:
            return
        word = f"number {text}"
    raise _Returned(f"json: cannot unmarshal {word} into Go struct field {field} of type int32")


def quantity_decodes(value: Any) -> bool:
    """Whether a quantity's value (not null) decodes with nothing to report."""
    if isinstance(value, float) and not math.isfinite(value):
        return False
    try:
        _quantity(value)
    except _Returned:
        return False
    return True


def _quantity(value: Any) -> None:
    """quantity.go UnmarshalJSON: the raw JSON text, quotes off and spaces trimmed, to
    ParseQuantity; its errors are returned as they are."""
    if isinstance(value, str):
        if not _RAW_PLAIN.fullmatch(value):
            raise _Returned(None, f"{value!r}: the JSON text Go writes for this string is not modelled")
        text = value.strip(" ")  # strings.TrimSpace: other spaces are escaped in the JSON
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = go_number(value)
    else:
        text = "{" if isinstance(value, dict) else "["
    parsed = go_quantity.parse(text)
    if parsed is go_quantity.Parsed.UNKNOWN:
        raise _Returned(None, f"{value!r}: resource.ParseQuantity is not modelled for this value")
    if parsed is not go_quantity.Parsed.OK:
        raise _Returned(str(parsed))


def _parses(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True

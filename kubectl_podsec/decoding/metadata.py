"""kubectl's own check of a document's metadata, before anything is sent.

cli-runtime v0.37.2 resource/metadata_decoder.go:31-45: every document read from a file is
decoded, besides as unstructured, into `metadataOnlyObject{TypeMeta; ObjectMeta "metadata"}`
with k8s.io/apimachinery util/json (sigs.k8s.io/json, Go's encoding/json); a field of the
wrong JSON type fails the whole document there, and kubectl prints
`unable to decode "FILE": json: cannot unmarshal bool into Go struct field
ObjectMeta.metadata.name of type string`. So a label `enabled: yes` (a boolean, as go-yaml
reads it) costs the document on the client. Items of a List are not checked this way.

encoding/json reports the first error in the order of the text, and sigs.k8s.io/yaml writes
keys sorted, so the first field in sorted order that fails is the one named. The value's
word: `bool`, `string`, `array`, `object`, `number` (into a string), `number 1.5` (its
text, into an integer). Only fields of plain types are checked here; the timestamps,
ownerReferences and managedFields (types with decoders of their own) are not. One text is
not known here: kubectl checks the JSON as sigs.k8s.io/yaml wrote it, where an integer
between 2^63 and 2^64 keeps its digits, while the value here is the one kubectl sends,
rounded as a float64: such a generation is named by its rounded digits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

_STRINGS = frozenset({"name", "generateName", "namespace", "selfLink", "uid", "resourceVersion"})
_INT64S = frozenset({"generation", "deletionGracePeriodSeconds"})
_STRING_MAPS = frozenset({"labels", "annotations"})
_INT64 = 1 << 63


def metadata_problem(obj: dict[str, Any]) -> str | None:
    """The error kubectl's client gives for the object's metadata, or None."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return None
    for key in sorted(meta):
        value = meta[key]
        if value is None:
            continue  # null decodes to the zero value
        wrong = _wrong(key, value)
        if wrong is not None:
            word, go_type = wrong
            return (f"unable to decode: json: cannot unmarshal {word} into Go struct field "
                    f"ObjectMeta.metadata.{key} of type {go_type}")
    return None


def _wrong(key: str, value: Any) -> tuple[str, str] | None:
    if key in _STRINGS:
        return None if isinstance(value, str) else (_word(value, False), "string")
    if key in _INT64S:
        ok = type(value) is int and -_INT64 <= value < _INT64
        return None if ok else (_word(value, True), "int64")
    if key in _STRING_MAPS:
        if not isinstance(value, dict):
            return _word(value, False), "map[string]string"
        for item_key in sorted(value):
            item = value[item_key]
            if item is not None and not isinstance(item, str):
                return _word(item, False), "string"
        return None
    if key == "finalizers":
        if not isinstance(value, list):
            return _word(value, False), "[]string"
        for item in value:
            if item is not None and not isinstance(item, str):
                return _word(item, False), "string"
    return None


def _word(value: Any, into_int: bool) -> str:
    """encoding/json's UnmarshalTypeError.Value for `value`."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if into_int:
        return f"number {_go_number_text(value)}"
    return "number"


def _go_number_text(value: Any) -> str:
    """The number as Go's JSON encoder wrote it (encoding/json floatEncoder): positional
    from 1e-6 to 1e21, else exponent form with `e-07` cleaned up to `e-7`."""
    if isinstance(value, int):
        return str(value)
    if 1e-6 <= abs(value) < 1e21:
        return format(Decimal(repr(value)), "f")
    mantissa, exponent = f"{Decimal(repr(value)).normalize():e}".split("e")
    number = int(exponent)
    return f"{mantissa}e{'-' if number < 0 else '+'}{abs(number) if number < 0 else f'{number:02d}'}"

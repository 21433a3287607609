"""Typed reads from the object's JSON, with doubts for what the model does not cover.

The object has decoded (decode.py) before it is read here, so every value has its Go
field's JSON type; what a read can still meet is a shape the decoder takes and the rules
do not read (a null item of a list of objects: a wrong_type, as the model cannot tell
what Go makes of it). A key the model does not know may carry rules of its own. Both
make the message uncertain, never the errors found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .field import Findings

Json = Mapping[str, Any]

_KNOWN: dict[tuple[str, ...], frozenset[str]] = {}


def _known(keys: Iterable[str]) -> frozenset[str]:
    """The set of known keys, kept for the (constant) tuples callers pass."""
    if not isinstance(keys, tuple):
        return frozenset(keys)
    found = _KNOWN.get(keys)
    if found is None:
        found = _KNOWN[keys] = frozenset(keys)
    return found


class Reader:
    def __init__(self, findings: Findings, fast: bool = True) -> None:
        self.findings = findings
        # Whether rules may first ask plain.py if there is nothing to report (False: each rule
        # runs, the reference the fast answers are held to).
        self.fast = fast

    def doubt(self, reason: str) -> None:
        self.findings.doubt(reason)

    def only(self, data: Json, known: Iterable[str], where: str) -> None:
        """Doubt every key outside `known`: its validation is not modelled."""
        allowed = known if isinstance(known, frozenset) else _known(known)
        if data.keys() <= allowed:
            return  # the common case; the types were read when the object was decoded
        for key in data:
            if key not in allowed:
                self.doubt(f"{where}.{key}: not modelled")

    def obj(self, data: Json, key: str, where: str) -> Json | None:
        value = data.get(key)
        if value is None or type(value) is dict or isinstance(value, Mapping):
            return value
        self.findings.wrong_type(f"{where}.{key}: not an object")
        return None

    def objs(self, data: Json, key: str, where: str) -> list[Json]:
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, list) and all(type(v) is dict or isinstance(v, Mapping) for v in value):
            return value
        self.findings.wrong_type(f"{where}.{key}: not a list of objects")
        return []

    def strs(self, data: Json, key: str, where: str) -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, list) and all(type(v) is str for v in value):
            if not all(v.isascii() for v in value):
                for v in value:
                    self.findings.text(v, f"{where}.{key}")
            return list(value)
        self.findings.wrong_type(f"{where}.{key}: not a list of strings")
        return []

    def string(self, data: Json, key: str, where: str) -> str:
        """The string, "" when absent (Go's zero value)."""
        value = data.get(key)
        if value is None:
            return ""
        if type(value) is str:
            # the path is only built for a doubt: this runs for every string a rule reads
            return value if value.isascii() else self.findings.text(value, f"{where}.{key}")
        self.findings.wrong_type(f"{where}.{key}: not a string")
        return ""

    def opt_str(self, data: Json, key: str, where: str) -> str | None:
        """A *string: None when absent or null."""
        value = data.get(key)
        if value is None:
            return None
        if type(value) is str:
            return value if value.isascii() else self.findings.text(value, f"{where}.{key}")
        self.findings.wrong_type(f"{where}.{key}: not a string")
        return None

    def integer(self, data: Json, key: str, where: str, bits: int = 64) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        limit = 1 << (bits - 1)
        if type(value) is int and -limit <= value < limit:
            return value
        self.findings.wrong_type(f"{where}.{key}: not an int{bits}")
        return None

    def flag(self, data: Json, key: str, where: str) -> bool | None:
        value = data.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.findings.wrong_type(f"{where}.{key}: not a boolean")
        return None

    def str_map(self, data: Json, key: str, where: str) -> dict[str, str]:
        value = data.get(key)
        if value is None:
            return {}
        if (type(value) is dict or isinstance(value, Mapping)) and all(type(v) is str for v in value.values()):
            if not all(k.isascii() and v.isascii() for k, v in value.items()):
                for k, v in value.items():
                    self.findings.text(k, f"{where}.{key}")
                    self.findings.text(v, f"{where}.{key}")
            return dict(value)
        self.findings.wrong_type(f"{where}.{key}: not a map of strings")
        return {}

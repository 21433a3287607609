"""kubectl's label selector syntax (`a=b,c!=d,e in (f,g),!h`) as a LabelSelector."""

from __future__ import annotations

import re
from typing import Any

_SET = re.compile(r"^\s*([^\s!=(),]+)\s+(in|notin)\s+\(([^()]*)\)\s*$")
_EQ = re.compile(r"^\s*([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([^\s!=(),]+)\s*$")
# A label key: an optional DNS-subdomain prefix and a name; a value: a name or empty.
_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_KEY = re.compile(rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_NAME}$")
_VALUE = re.compile(rf"^({_NAME})?$")


class SelectorError(ValueError):
    pass


def _requirements(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p.strip()]


def _key(key: str) -> str:
    if not _KEY.match(key) or len(key.rpartition("/")[2]) > 63:
        raise SelectorError(f'invalid label key "{key}"')
    return key


def _value(value: str) -> str:
    if not _VALUE.match(value):
        raise SelectorError(f'invalid label value "{value}"')
    return value


def parse_selector(text: str) -> dict[str, Any]:
    """The LabelSelector for `text`; SelectorError names the bad requirement."""
    match_labels: dict[str, str] = {}
    expressions: list[dict[str, Any]] = []
    for part in _requirements(text):
        if m := _SET.match(part):
            values = [_value(v.strip()) for v in m.group(3).split(",") if v.strip()]
            if not values:
                raise SelectorError(f'"{part.strip()}": a set needs at least one value')
            operator = "In" if m.group(2) == "in" else "NotIn"
            expressions.append({"key": _key(m.group(1)), "operator": operator, "values": values})
        elif m := _EQ.match(part):
            key, op, value = _key(m.group(1)), m.group(2), _value(m.group(3))
            if op == "!=":
                expressions.append({"key": key, "operator": "NotIn", "values": [value]})
            elif key in match_labels:
                expressions.append({"key": key, "operator": "In", "values": [value]})
            else:
                match_labels[key] = value
        elif m := _EXISTS.match(part):
            operator = "DoesNotExist" if m.group(1) else "Exists"
            expressions.append({"key": _key(m.group(2)), "operator": operator})
        else:
            raise SelectorError(f'"{part.strip()}" is not a label selector requirement')
    selector: dict[str, Any] = {}
    if match_labels:
        selector["matchLabels"] = match_labels
    if expressions:
        selector["matchExpressions"] = expressions
    return selector

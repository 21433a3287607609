"""Label selectors: ValidateLabelSelector, LabelSelectorAsSelector and matching.

A nil selector converts to labels.Nothing() (not empty, matches nothing); an empty one to
labels.Everything() (empty, matches everything).
"""

from __future__ import annotations

from typing import NamedTuple

from . import formats
from .field import FieldError, GoJSON, forbidden, go_json, invalid, required
from .metadata import labels as validate_labels
from .source import Json, Reader

_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class Selector(NamedTuple):
    """A converted selector; `ok` False when LabelSelectorAsSelector would fail."""

    present: bool
    match_labels: dict[str, str]
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...]
    ok: bool

    @property
    def empty(self) -> bool:
        return self.present and not self.match_labels and not self.expressions

    def matches(self, labels: dict[str, str]) -> bool:
        if not self.present:
            return False
        if any(labels.get(k) != v for k, v in self.match_labels.items()):
            return False
        return all(_requirement(labels, *e) for e in self.expressions)


def _requirement(labels: dict[str, str], key: str, op: str, values: tuple[str, ...]) -> bool:
    if op == "In":
        return key in labels and labels[key] in values
    if op == "NotIn":
        return key not in labels or labels[key] not in values
    if op == "Exists":
        return key in labels
    return key not in labels


def read(r: Reader, data: Json | None, path: str) -> Selector:
    if data is None:
        return Selector(False, {}, (), True)
    r.only(data, ("matchLabels", "matchExpressions"), path)
    match_labels = r.str_map(data, "matchLabels", path)
    expressions = []
    ok = all(not formats.label_key(k) and not formats.label_value(v) for k, v in match_labels.items())
    for item in r.objs(data, "matchExpressions", path):
        r.only(item, ("key", "operator", "values"), path)
        key, op = r.string(item, "key", path), r.string(item, "operator", path)
        values = tuple(r.strs(item, "values", path))
        expressions.append((key, op, values))
        if op not in _OPERATORS or formats.label_key(key) or any(formats.label_value(v) for v in values):
            ok = False
        elif (op in ("In", "NotIn")) != bool(values):
            ok = False
    return Selector(True, match_labels, tuple(expressions), ok)


def validate(r: Reader, selector: Selector, path: str) -> list[FieldError]:
    """ValidateLabelSelector (strict label values)."""
    if not selector.present:
        return []
    errs = validate_labels(r, selector.match_labels, f"{path}.matchLabels")
    for i, (key, op, values) in enumerate(selector.expressions):
        at = f"{path}.matchExpressions[{i}]"
        if op in ("In", "NotIn") and not values:
            errs.append(required(f"{at}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist") and values:
            errs.append(forbidden(f"{at}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        elif op not in _OPERATORS:
            errs.append(invalid(f"{at}.operator", go_json(op), "not a valid selector operator"))
        errs += [invalid(f"{at}.key", key, m) for m in formats.label_key(key)]
        for j, value in enumerate(values):
            errs += [invalid(f"{at}.values[{j}]", value, m) for m in formats.label_value(value)]
    return errs


def as_json(selector: Selector) -> GoJSON:
    """*metav1.LabelSelector as json.Marshal prints it (both fields omitempty)."""
    if not selector.present:
        return GoJSON("null")
    out: dict[str, object] = {}
    if selector.match_labels:
        out["matchLabels"] = dict(sorted(selector.match_labels.items()))
    if selector.expressions:
        out["matchExpressions"] = [_expression(*e) for e in selector.expressions]
    return go_json(out)


def _expression(key: str, op: str, values: tuple[str, ...]) -> dict[str, object]:
    out: dict[str, object] = {"key": key, "operator": op}
    if values:
        out["values"] = list(values)
    return out


def labels_json(present: bool, labels: dict[str, str]) -> GoJSON:
    """A map[string]string: null when nil, keys sorted."""
    if not present:
        return GoJSON("null")
    return go_json(dict(sorted(labels.items())))

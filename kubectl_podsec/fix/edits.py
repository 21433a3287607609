"""Field edits on a plain object (pure): applying them, and writing them as
JSON Patch operations (RFC 6902) against the object as it was.

An `Edit` names one leaf: a field to set, a key to remove, a list item to
append or to remove. Edits are planned on the original object and never
depend on one another, so any subset of them applies, and each becomes (or
joins) exactly one patch operation.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Path = tuple[str | int, ...]


class Action(enum.Enum):
    SET = "set"  # the field gets `value` (parents created as needed)
    REMOVE = "remove"  # the key goes
    APPEND = "append"  # `value` is appended to the list (created as needed)
    REMOVE_ITEM = "remove-item"  # the list item at the last index goes


@dataclass(frozen=True)
class Edit:
    action: Action
    path: Path
    checks: tuple[str, ...]  # the check IDs this edit helps satisfy
    value: Any = None
    also: str | None = None  # the --also name that allows it; None: a missing field, set by default
    note: str | None = None  # why the pod may then not start, or behave differently
    needs: tuple[Path, ...] = ()  # edits (by path) without which this one makes the object invalid


@dataclass(frozen=True)
class Operation:
    """One JSON Patch operation, with the checks it satisfies and its notes."""

    op: str  # add | replace | remove
    path: str  # a JSON Pointer
    checks: tuple[str, ...]
    value: Any = None
    notes: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    edits: tuple[Edit, ...] = field(default=(), compare=False, repr=False)

    def patch(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "path": self.path}
        if self.op != "remove":
            out["value"] = self.value
        return out


def pointer(path: Sequence[str | int]) -> str:
    """The JSON Pointer (RFC 6901) of a path."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _container(node: Any, key: str | int, make: type) -> Any:
    """node[key], created (or a null replaced) as `make` when missing."""
    if isinstance(node, dict):
        if not isinstance(node.get(key), (dict, list)):
            node[key] = make()
        return node[key]
    return node[key]


def apply(obj: Mapping[str, Any], edits: Iterable[Edit]) -> dict[str, Any]:
    """A copy of `obj` with the edits applied; list items are removed last,
    highest index first, so every edit's path refers to the original object."""
    out = copy.deepcopy(dict(obj))
    removals = []
    for edit in edits:
        if edit.action is Action.REMOVE_ITEM:
            removals.append(edit)
            continue
        parent: Any = out
        for key, nxt in zip(edit.path[:-2], edit.path[1:-1]):
            parent = _container(parent, key, list if isinstance(nxt, int) else dict)
        if len(edit.path) > 1:
            parent = _container(parent, edit.path[-2], list if isinstance(edit.path[-1], int) else dict)
        last = edit.path[-1]
        if edit.action is Action.SET:
            parent[last] = copy.deepcopy(edit.value)
        elif edit.action is Action.REMOVE:
            parent.pop(last, None)
        else:
            _container(parent, last, list).append(edit.value)
    for edit in sorted(removals, key=lambda e: e.path, reverse=True):
        holder: Any = out
        for key in edit.path[:-1]:
            holder = holder[key]
        del holder[edit.path[-1]]
    return out


def _existing(obj: Any, path: Path) -> int:
    """How many leading keys of `path` lead to objects or lists that exist (not null)."""
    node, depth = obj, 0
    for key in path:
        if isinstance(node, dict) and isinstance(node.get(key), (dict, list)):
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return depth
        depth += 1
    return depth


def _has(obj: Any, path: Path) -> bool:
    node = obj
    for key in path[:-1]:
        node = node[key]
    if isinstance(node, list):
        return isinstance(path[-1], int) and 0 <= path[-1] < len(node)
    return isinstance(node, dict) and path[-1] in node


def _nest(value: dict[str, Any], rest: Path, leaf: Any) -> None:
    for key in rest[:-1]:
        value = value.setdefault(str(key), {})
    value[str(rest[-1])] = leaf


def operations(obj: Mapping[str, Any], edits: Sequence[Edit]) -> tuple[Operation, ...]:
    """The edits as JSON Patch operations on `obj`: edits under one missing
    parent become one `add` of that parent holding just what they set."""
    grouped: dict[Path, list[Edit]] = {}
    for edit in edits:
        if edit.action is Action.REMOVE_ITEM:
            continue
        target = edit.path if edit.action is not Action.APPEND else edit.path + ("-",)
        depth = _existing(obj, edit.path[:-1] if edit.action is not Action.APPEND else edit.path)
        anchor = target[: depth + 1] if depth + 1 < len(target) else target
        grouped.setdefault(anchor, []).append(edit)
    out = [_operation(obj, anchor, group) for anchor, group in grouped.items()]
    items = sorted((e for e in edits if e.action is Action.REMOVE_ITEM), key=lambda e: e.path, reverse=True)
    out += [_operation(obj, e.path, [e]) for e in items]
    return tuple(out)


def _operation(obj: Mapping[str, Any], anchor: Path, group: list[Edit]) -> Operation:
    checks = tuple(dict.fromkeys(c for e in group for c in e.checks))
    notes = tuple(dict.fromkeys(e.note for e in group if e.note))
    also = tuple(dict.fromkeys(e.also for e in group if e.also))
    first = group[0]
    if len(group) == 1 and first.action in (Action.REMOVE, Action.REMOVE_ITEM):
        return Operation("remove", pointer(anchor), checks, None, notes, also, tuple(group))
    if len(group) == 1 and anchor[-1] == "-":
        return Operation("add", pointer(anchor), checks, first.value, notes, also, tuple(group))
    if len(group) == 1 and first.path == anchor and first.action is Action.SET:
        op = "replace" if _has(obj, anchor) else "add"
        return Operation(op, pointer(anchor), checks, copy.deepcopy(first.value), notes, also, tuple(group))
    value: Any = {}
    for edit in group:
        rest = edit.path[len(anchor):]
        leaf = [edit.value] if edit.action is Action.APPEND else copy.deepcopy(edit.value)
        if rest:
            _nest(value, rest, leaf)
        else:
            value = leaf
    op = "replace" if _has(obj, anchor) else "add"
    return Operation(op, pointer(anchor), checks, value, notes, also, tuple(group))

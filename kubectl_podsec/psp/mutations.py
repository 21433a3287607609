"""Recorded changes to a pod: what a policy (or the API server) wrote, field by field."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from .fielderrors import Path
from .podshape import plain_copy


@dataclass(frozen=True)
class Mutation:
    """One field written: JSON-shaped ``path``, ``old`` value (None when unset) and ``new``."""

    path: str
    old: Any
    new: Any


class MutationLog:
    """Writes values into a pod the engine owns and remembers each change in order.

    Upstream decides "mutated" by a semantic DeepEqual of the whole pod.  The engine only
    writes a field when upstream would change it, so "mutated" is "the log is not empty".
    """

    def __init__(self) -> None:
        self._entries: list[Mutation] = []

    @property
    def entries(self) -> tuple[Mutation, ...]:
        return tuple(self._entries)

    def set(self, target: MutableMapping[str, Any], key: str, value: Any, path: Path) -> None:
        old = target.get(key)
        if same_value(old, value):
            return
        target[key] = plain_copy(value)
        self._entries.append(Mutation(str(path), plain_copy(old), plain_copy(value)))

    def append(self, target: MutableMapping[str, Any], key: str, value: Any, path: Path) -> None:
        """Append ``value`` to the list at ``target[key]`` (created when missing)."""
        items = target.get(key)
        if not isinstance(items, list):
            items = target[key] = []
        items.append(plain_copy(value))
        self._entries.append(Mutation(str(path.child(key).index(len(items) - 1)), None,
                                      plain_copy(value)))


def same_value(old: Any, new: Any) -> bool:
    """Semantic equality of one field: unset, null and an empty list are one value
    (upstream's semantic DeepEqual treats a nil slice as equal to an empty one)."""
    return old == new or (old in (None, []) and new in (None, []))


def child(target: MutableMapping[str, Any], key: str) -> dict[str, Any]:
    """The object at ``target[key]``, created when missing or null (Go's ensure-then-set)."""
    value = target.get(key)
    if not isinstance(value, dict):
        value = {}
        target[key] = value
    return value

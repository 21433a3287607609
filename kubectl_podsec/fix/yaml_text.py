"""JSON Patch operations on one YAML document's text, through ruamel.yaml's
round trip (imported here only, on first use).

Comments ruamel keeps with the last value before them (the lines that
follow it up to the next key) move along when a key is appended after that
value or removed, so a comment stays above what it was written for.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from .document import _Plain, splice
from .edits import Operation


def _ruamel() -> Any:
    import ruamel.yaml  # noqa: PLC0415 - loaded only by fix

    return ruamel.yaml


class _Nodes(_Plain):
    """Operations on ruamel's round-trip nodes, keeping comments and quoting."""

    def __init__(self) -> None:
        self.ry = _ruamel()
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        self.Map, self.Seq = CommentedMap, CommentedSeq

    def convert(self, value: Any) -> Any:
        if isinstance(value, dict):
            out = self.Map()
            for k, v in value.items():
                out[k] = self.convert(v)
            return out
        if isinstance(value, list):
            return self.Seq(self.convert(v) for v in value)
        return value

    def _last_leaf(self, holder: Any, key: Any) -> tuple[Any, Any, int]:
        """Where ruamel keeps the comment lines after holder[key]."""
        value = holder[key]
        nested = isinstance(value, (self.Map, self.Seq)) and len(value) and not value.fa.flow_style()
        if nested:
            last = list(value)[-1] if isinstance(value, self.Map) else len(value) - 1
            return self._last_leaf(value, last)
        return holder, key, 0 if isinstance(holder, self.Seq) else 2

    def _take_tail(self, holder: Any, key: Any) -> str:
        """Detach the comment lines after holder[key] (not its own end-of-line comment)."""
        where, k, slot = self._last_leaf(holder, key)
        entry = where.ca.items.get(k)
        token = entry[slot] if entry and len(entry) > slot else None
        if token is None or "\n" not in token.value:
            return ""
        cut = token.value.index("\n") + 1
        tail, token.value = token.value[cut:], token.value[:cut]
        return str(tail)

    def _put_tail(self, holder: Any, key: Any, tail: str) -> None:
        if not tail:
            return
        from ruamel.yaml.error import CommentMark
        from ruamel.yaml.tokens import CommentToken

        where, k, slot = self._last_leaf(holder, key)
        entry = where.ca.items.setdefault(k, [None, None, None, None])
        if entry[slot] is None:
            entry[slot] = CommentToken("\n" + tail, CommentMark(0), None)
        else:
            entry[slot].value += tail

    def _keys(self, parent: Any) -> list[Any]:
        return list(parent) if isinstance(parent, self.Map) else list(range(len(parent)))

    def add(self, parent: Any, token: str, value: Any) -> None:
        if isinstance(parent, self.Map) and token in parent:
            return self.replace(parent, token, value)
        keys = self._keys(parent)
        tail = self._take_tail(parent, keys[-1]) if keys else ""
        super().add(parent, token, value)
        self._put_tail(parent, self._keys(parent)[-1], tail)

    def replace(self, parent: Any, token: str, value: Any) -> None:
        key: Any = int(token) if isinstance(parent, self.Seq) else token
        old = parent[key]
        if isinstance(old, self.Map) and isinstance(value, dict) and not old.fa.flow_style():
            for k in [k for k in old if k not in value]:
                self.remove(old, k)
            for k, v in value.items():
                if k not in old or old[k] != v:
                    self.add(old, k, v) if k not in old else self.replace(old, k, v)
            return
        if isinstance(old, str) and isinstance(value, str) and type(old) is not str:
            value = type(old)(value)  # the same quoting
        tail = self._take_tail(parent, key)
        parent[key] = self.convert(value)
        self._put_tail(parent, key, tail)

    def remove(self, parent: Any, token: str) -> None:
        key: Any = int(token) if isinstance(parent, self.Seq) else token
        keys = self._keys(parent)
        tail = self._take_tail(parent, key)
        at = keys.index(key)
        if isinstance(parent, self.Map):
            parent.ca.items.pop(key, None)
        super().remove(parent, token)
        if at > 0:
            self._put_tail(parent, keys[at - 1], tail)


def _indentation(text: str) -> tuple[int, int]:
    """(mapping indent, offset of a sequence's dash) as the document writes
    them: from the first `key:` line followed by a deeper key, and by a dash."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    mapping = offset = None
    for prev, cur in zip(lines, lines[1:]):
        head = prev.split(" #")[0].rstrip()
        if not head.endswith(":") or head.lstrip().startswith("-"):
            continue
        step = (len(cur) - len(cur.lstrip())) - (len(prev) - len(prev.lstrip()))
        if cur.lstrip().startswith("- ") and offset is None and step >= 0:
            offset = step
        elif not cur.lstrip().startswith("-") and mapping is None and step > 0:
            mapping = step
    return mapping or 2, offset or 0


def edit_yaml(text: str, patches: Sequence[tuple[str, Sequence[Operation]]]) -> str:
    """One YAML document's text (no `---` line) with each patch applied at its
    prefix (a JSON Pointer: "" for the document, /items/N for a List's item)."""
    ry = _ruamel()
    indent, dash = _indentation(text)
    loader = ry.YAML(typ="rt")
    loader.preserve_quotes = True
    loader.width = 1 << 16
    loader.indent(mapping=indent, sequence=dash + 2, offset=dash)  # "- " then the item

    def dump(data: Any) -> str:
        out = io.StringIO()
        loader.dump(data, out)
        return out.getvalue()

    data = loader.load(text)
    round_trip = dump(data)  # what the round trip alone writes, to splice against
    nodes = _Nodes()
    for prefix, ops in patches:
        nodes.apply(data, ops, prefix)
    return splice(text, round_trip, dump(data))

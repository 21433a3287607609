"""Applying JSON Patch operations to a document's text, keeping the file.

YAML goes through ruamel.yaml's round trip (comments, key order, quoting and
flow style survive), loaded only here so other commands never pay for it.
What the round trip itself would reformat is then put back: the lines the
patch changes are spliced into the original text, every other line stays as
it was. JSON is written with the document's own indentation, spliced likewise.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from typing import Any

from .edits import Operation


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _step(node: Any, token: str) -> Any:
    return node[int(token)] if isinstance(node, list) else node[token]


class _Plain:
    """Operations on plain JSON values (and the base for the YAML nodes)."""

    def convert(self, value: Any) -> Any:
        return json.loads(json.dumps(value))

    def add(self, parent: Any, token: str, value: Any) -> None:
        if isinstance(parent, list):
            parent.insert(len(parent) if token == "-" else int(token), self.convert(value))
        else:
            parent[token] = self.convert(value)

    def replace(self, parent: Any, token: str, value: Any) -> None:
        key: Any = int(token) if isinstance(parent, list) else token
        parent[key] = self.convert(value)

    def remove(self, parent: Any, token: str) -> None:
        del parent[int(token) if isinstance(parent, list) else token]

    def apply(self, doc: Any, ops: Sequence[Operation], prefix: str = "") -> None:
        for op in ops:
            tokens = _tokens(prefix + op.path)
            parent = doc
            for token in tokens[:-1]:
                parent = _step(parent, token)
            getattr(self, op.op)(parent, tokens[-1], *(() if op.op == "remove" else (op.value,)))


def apply_patch(doc: Any, ops: Sequence[Operation], prefix: str = "") -> Any:
    """A copy of a plain JSON value with the operations applied (RFC 6902) at
    `prefix` (a JSON Pointer)."""
    out = json.loads(json.dumps(doc))
    _Plain().apply(out, ops, prefix)
    return out


def splice(original: str, round_trip: str, modified: str) -> str:
    """`modified` made of `original`'s lines wherever the round trip alone
    changed them: the changes from `round_trip` to `modified` are replayed on
    `original`. Where they cannot be placed, `modified` as it is."""
    if round_trip == original:
        return modified
    o, r, m = (t.splitlines(keepends=True) for t in (original, round_trip, modified))
    to_o = {b + k: a + k for a, b, n in difflib.SequenceMatcher(None, o, r, autojunk=False).get_matching_blocks()
            for k in range(n)}
    out, pos = [], 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, r, m, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            span = [to_o.get(i) for i in range(i1, i2)]
            if None in span or span != list(range(span[0] or 0, (span[0] or 0) + len(span))):
                return modified
            start, end = span[0] or 0, (span[-1] or 0) + 1
        elif i1 in to_o:
            start = end = to_o[i1]
        elif i1 - 1 in to_o:
            start = end = to_o[i1 - 1] + 1
        else:
            return modified
        if start < pos:
            return modified
        out += o[pos:start] + m[j1:j2]
        pos = end
    return "".join(out + o[pos:])


# --- JSON -------------------------------------------------------------------------


def _json_style(text: str) -> tuple[int | str | None, tuple[str, str]]:
    indent = re.search(r"\n([ \t]+)\S", text)
    separators = (",", ": ") if indent or re.search(r'":\s', text) else (",", ":")
    if indent is None:
        return None, (", ", ": ") if re.search(r",\s", text) else separators
    unit = indent.group(1)
    return (unit if "\t" in unit else len(unit)), separators


def edit_json(text: str, value: Any, patches: Sequence[tuple[str, Sequence[Operation]]]) -> str:
    """One JSON value's text with each patch applied at its prefix, in its own style."""
    if "\r\n" in text:
        return edit_json(text.replace("\r\n", "\n"), value, patches).replace("\n", "\r\n")
    indent, separators = _json_style(text)
    changed = value
    for prefix, ops in patches:
        changed = apply_patch(changed, ops, prefix)

    def dump(v: Any) -> str:
        return json.dumps(v, indent=indent, separators=separators, ensure_ascii=False)

    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    core = text.strip()
    return lead + splice(core, dump(value), dump(changed)) + trail

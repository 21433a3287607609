"""The YAML most manifests are written in, read in one pass without libyaml.

Most documents are block mappings and sequences of `key: value` lines whose
values are plain or simply quoted scalars or one-line flow collections. For
those, a line-by-line reading gives what decoding/loader.py (libyaml's
syntax, go-yaml's meaning) and decoding/shape.py give, at a fraction of the
cost. `read` answers only for documents inside that subset, and says None for
anything else, which then takes the exact path. Outside the subset, among
others: any character that is not printable ASCII (tabs, CR, Unicode),
anchors, aliases, tags, block scalars (`|`, `>`), multi-line scalars and flow
collections, comments after a quoted scalar or a flow collection, quoted keys, escapes in quoted
scalars, keys that are not plain words or that go-yaml reads as other than a
string (`y`, `1`, `null`, `<<`), `:` in a flow scalar, non-finite floats,
directives, `...`, a document that is not a mapping at column 0.
Inside it, what a line may hold is checked strictly, so a document libyaml
would refuse is never read here: it leaves the subset.
tests/unit/test_block_yaml.py holds the two readings to the same values and
depth, over the conformance corpus and random documents.
"""

from __future__ import annotations

import math
import re
import string
from typing import Any

from .scalars import HINTS, STR, Uint64, json_number, plain_tag, resolve

# Each line: its indentation, a sequence entry's dash (with the spaces after it), a plain-word
# key followed by `:` and a space or the line's end, and the rest.
_ROWS = re.compile(r"^( *)(- +)?(?:([A-Za-z0-9_][A-Za-z0-9_./-]*):(?= |$) *)?(.*)$", re.M)
_DOUBLE = re.compile(r'"[^"\\]*"\Z')
_SINGLE = re.compile(r"'[^']*'\Z")
# The first character of a plain scalar here: not an indicator (`-` only before a non-space).
_PLAIN_START = frozenset(string.ascii_letters + string.digits + "_./~+-$(=^;\\<)")
_STRING_START = _PLAIN_START - set(HINTS)  # a plain scalar that starts so is a string
# Flow tokens, one string each: an indicator, `: `, a quoted scalar, a plain scalar (no `:`, `#`
# or quotes in it), or any other single character (which leaves the subset).
_TOKENS = re.compile(r' *([\[\]{},]|: |"[^"\\]*"|\'[^\']*\'|'
                     r'[^ \[\]{},:#"\'](?:[^\[\]{},:#"\']*[^ \[\]{},:#"\'])?|.)')
_KEY_TEXT = 1000  # libyaml looks at most 1024 characters ahead for a simple key's `:`
_DEPTH = 100  # deeper documents take the exact path (and its limits)
_KEPT, _SHORT = 4096, 32  # cached readings: the first _KEPT texts of at most _SHORT characters
_VALUES: dict[str, Any] = {}
_FLOW_TEXT = 80
_FLOWS: dict[str, tuple[Any, int]] = {}  # flow collections read (manifests repeat a few)
_KEYS: set[str] = set()  # keys found to be strings


class _Outside(Exception):
    """The document leaves the subset: the exact path reads it."""


def read(text: str) -> tuple[dict[str, Any], int] | None:
    """The document's value (a mapping) and its depth, as decoding/loader.py and shape.settle
    give them, or None when the document is outside the subset."""
    if not text.isascii() or not text.replace("\n", "").isprintable():
        return None  # tabs, CR, other controls, Unicode: libyaml has rules for each
    try:
        return _block(_ROWS.findall(text))
    except _Outside:
        return None


Top = tuple[int, Any, int]  # the container being filled: its entries' column, itself, its level


def _block(rows: list[tuple[str, str, str, str]]) -> tuple[dict[str, Any], int]:
    """The rows' root mapping and its depth. `top` is the container being filled, `stack`
    those around it; a key with nothing after its colon waits (`waiting`) for the next row
    to say what its value is."""
    root: dict[str, Any] = {}
    stack: list[Top] = []
    top: Any = root
    top_column, level = 0, 1
    depth, waiting = 1, ""
    for spaces, dash, key, rest in rows:
        if not key and not dash and (not rest or rest[0] == "#"):
            continue  # a blank or comment line
        if rest and rest[-1] == " ":
            rest = rest.rstrip(" ")
        column = len(spaces)
        if waiting:
            top_column, top, level = _below(stack, (top_column, top, level), waiting, column, dash)
            depth, waiting = max(depth, level), ""
        # Close what this row's column ends (a sequence at its key's column ends at the next key).
        while column < top_column or (column == top_column and not dash and type(top) is list):
            top_column, top, level = stack.pop()
        if column != top_column:
            raise _Outside  # a continuation line, or an error
        if dash:
            if not key:  # a scalar or a flow collection
                below = _item(top, rest)
                depth = max(depth, level + below)
                continue
            top_column, top, level = _entry(stack, (top_column, top, level), column + len(dash))
            depth = max(depth, level)
        elif not key or type(top) is not dict:
            raise _Outside
        if key not in _KEYS:
            _check_key(key)
        if key in top:
            raise _Outside  # a key again: the value and depth the exact path keeps are its own
        if not rest or rest[0] == "#":  # nothing after the colon but, maybe, a comment
            waiting = key
        elif rest[0] in _STRING_START and ": " not in rest and " #" not in rest and rest[-1] != ":":
            top[key] = rest  # most values: a plain string
        else:
            top[key], below = _value(rest)
            depth = max(depth, level + below)
    if waiting:
        top[waiting] = None
    if not root:
        raise _Outside  # no content: the exact path says what an empty document is
    return root, depth


def _below(stack: list[Top], top: Top, key: str, column: int, dash: str) -> Top:
    """The value of `key` (in mapping `top`, nothing after its colon) from the row after it:
    a block mapping or sequence it opens (a sequence may stand at the key's column), or null."""
    top_column, mapping, level = top
    if column > top_column or (column == top_column and dash):
        if level >= _DEPTH:
            raise _Outside
        stack.append(top)
        inner: Any = [] if dash else {}
        mapping[key] = inner
        return column, inner, level + 1
    mapping[key] = None
    return top


def _entry(stack: list[Top], top: Top, column: int) -> Top:
    """A mapping that starts in an entry of sequence `top`, its keys at `column`."""
    sequence, level = top[1], top[2]
    if type(sequence) is not list or level >= _DEPTH:
        raise _Outside
    stack.append(top)
    entry: dict[str, Any] = {}
    sequence.append(entry)
    return column, entry, level + 1


def _item(sequence: Any, text: str) -> int:
    """A scalar or flow collection entry of `sequence`; its depth."""
    if type(sequence) is not list:
        raise _Outside
    value, below = _value(text)
    sequence.append(value)
    return below


def _check_key(key: str) -> None:
    """A plain key that go-yaml reads as a string (`y`, `1` and `null` are not), kept in _KEYS."""
    if len(key) > _KEY_TEXT or (key[0] in HINTS and plain_tag(key) != STR):
        raise _Outside
    if len(_KEYS) < _KEPT and len(key) <= _SHORT:
        _KEYS.add(key)



def _value(text: str) -> tuple[Any, int]:
    """A value written on its key's (or dash's) line, and its depth (0 for a scalar)."""
    if not text:
        raise _Outside  # a dash and nothing else
    first = text[0]
    if first in _PLAIN_START:
        if " #" in text:  # a comment after the scalar
            text = text[:text.index(" #")].rstrip(" ")
        if ": " in text or text[-1] == ":" or (first == "-" and text[1:2] in ("", " ")):
            raise _Outside
        return (text if first in _STRING_START else _plain(text)), 0
    if first == '"':
        if _DOUBLE.match(text) is None:
            raise _Outside
        return text[1:-1], 0
    if first == "'":
        if _SINGLE.match(text) is None:
            raise _Outside
        return text[1:-1], 0
    if first == "{" or first == "[":
        known = _FLOWS.get(text)
        if known is not None:
            return _fresh(known[0]), known[1]
        value, depth = _flow(_TOKENS.findall(text))
        if len(_FLOWS) < _KEPT and len(text) <= _FLOW_TEXT:
            _FLOWS[text] = _fresh(value), depth  # a copy of its own: the value read may be changed
        return value, depth
    raise _Outside


def _fresh(value: Any) -> Any:
    """A copy of a flow collection's containers (its scalars are shared)."""
    if type(value) is dict:
        return {k: _fresh(v) if type(v) is dict or type(v) is list else v for k, v in value.items()}
    return [_fresh(v) if type(v) is dict or type(v) is list else v for v in value]


def _plain(text: str) -> Any:
    """A plain scalar's value by go-yaml's rules (decoding/scalars.py), in its JSON form."""
    value = _VALUES.get(text, _VALUES)
    if value is _VALUES:
        try:
            value = resolve("", text)
        except ValueError:  # e.g. an integer too long to convert: the exact path says so
            raise _Outside from None
        if type(value) is float or type(value) is Uint64:
            value = json_number(value)
            if type(value) is float and not math.isfinite(value):
                raise _Outside  # not JSON: the exact path names it
        if len(_VALUES) < _KEPT and len(text) <= _SHORT:
            _VALUES[text] = value
    return value


_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\Z")
# What a flow collection's next token must be.
_VALUE, _KEY_NEXT, _COLON, _AFTER, _VALUE_OR_CLOSE, _KEY_OR_CLOSE, _END = range(7)


def _flow(tokens: list[str]) -> tuple[Any, int]:
    """A flow collection written whole on one line, from its tokens, and its depth."""
    stack: list[Any] = []  # the open collections
    key = ""  # in a mapping: the key whose value comes next
    expect, depth, root = _VALUE, 0, None
    for token in tokens:
        if expect == _AFTER or expect == _VALUE_OR_CLOSE or expect == _KEY_OR_CLOSE:
            closer = "}" if type(stack[-1]) is dict else "]"
            if token == closer:
                stack.pop()
                expect = _AFTER if stack else _END
                continue
            if expect == _AFTER:
                if token != ",":
                    raise _Outside
                expect = _KEY_NEXT if closer == "}" else _VALUE
                continue
            expect = _KEY_NEXT if expect == _KEY_OR_CLOSE else _VALUE
        if expect == _KEY_NEXT:
            key, expect = _flow_key(stack[-1], token), _COLON
        elif expect == _COLON:
            if token != ": ":
                raise _Outside
            expect = _VALUE
        elif expect != _VALUE:
            raise _Outside  # more after the collection's end
        elif token == "{" or token == "[":
            inner = _flow_put(stack, key, {} if token == "{" else [])
            root = root if stack else inner
            stack.append(inner)
            depth = max(depth, len(stack))
            expect = _KEY_OR_CLOSE if token == "{" else _VALUE_OR_CLOSE
        else:
            _flow_put(stack, key, _flow_scalar(token))
            expect = _AFTER
    if expect != _END or depth > _DEPTH:
        raise _Outside  # the collection goes on past the line, or deeper than read here
    return root, depth


def _flow_key(mapping: dict[str, Any], token: str) -> str:
    if _KEY.match(token) is None:
        raise _Outside  # a key that is not a plain word, or a trailing comma
    if token not in _KEYS:
        _check_key(token)
    if token in mapping:
        raise _Outside  # a key again (see _block)
    return token


def _flow_put(stack: list[Any], key: str, value: Any) -> Any:
    """`value` set into the innermost open collection (none: it is the root)."""
    if not stack:
        if type(value) is not dict and type(value) is not list:
            raise _Outside
    elif type(stack[-1]) is dict:
        stack[-1][key] = value
    else:
        stack[-1].append(value)
    return value


def _flow_scalar(token: str) -> Any:
    first = token[0]
    if first == '"' or first == "'":
        if len(token) < 2 or token[-1] != first:
            raise _Outside
        return token[1:-1]
    if first not in _PLAIN_START or (first == "-" and token[1:2] in ("", " ")):
        raise _Outside
    return token if first in _STRING_START else _plain(token)

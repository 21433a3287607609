"""The small string helpers every check shares, so all messages read the same."""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Sized

_GO_ESCAPES = {
    "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n",
    "\r": "\\r", "\t": "\\t", "\v": "\\v", "\\": "\\\\", '"': '\\"',
}


def join_quote(items: Iterable[str]) -> str:
    """`"a", "b"` with no escaping (upstream joinQuote); empty for no items."""
    items = list(items)
    if not items:
        return ""
    return '"' + '", "'.join(items) + '"'


def pluralize(singular: str, plural: str, count: int | Sized) -> str:
    n = count if isinstance(count, int) else len(count)
    return singular if n == 1 else plural


def setters(*parts: str) -> str:
    """Join the non-empty setter phrases with " and " (`pod and containers "a"`)."""
    return " and ".join(p for p in parts if p)


def containers_phrase(names: list[str]) -> str:
    """`container "a"` / `containers "a", "b"`, or "" when there are none."""
    if not names:
        return ""
    if len(names) == 1:  # the usual pod has one container
        return f'container "{names[0]}"'
    return 'containers "' + '", "'.join(names) + '"'


def go_quote(text: str) -> str:
    """Go's strconv.Quote (the `%q` verb), for the few messages that use it."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x7F or _go_printable(code):
            out.append(ch)
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")  # Go's JSON decoding turns a lone surrogate into U+FFFD
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _go_printable(code: int) -> bool:
    """Go's unicode.IsPrint, from its own tables (Python's may be of another Unicode version)."""
    starts, ranges = _printable_table()
    i = bisect.bisect_right(starts, code) - 1
    return i >= 0 and code <= ranges[i][1]


@functools.cache
def _printable_table() -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    # Loaded on first use: almost every quoted value is plain ASCII.
    from .go_printable import RANGES

    return tuple(lo for lo, _ in RANGES), RANGES


def json_kind(value: object) -> str:
    """What a decoded value is, in JSON's words (for "expected an object, got a list")."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "a number" if isinstance(value, (int, float)) else "null"

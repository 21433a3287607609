"""A JSON stream, value after value, in bounded memory; big `List`s item by item.

A value that ends within the text read so far (a block, decoding/text.py) is
decoded whole, as before. One that runs past it is big; if it is an object,
it is read a first time field by field: every field but `items` is decoded,
and each item of `items` is decoded on its own, checked (as the whole value
would be: decoding/shape.py's depth and numbers) and only its place kept. If
the object turns out to be a List (`kind` ending in "List", `items` an array:
kubectl writes `kind` after `items`, so this is known only at its end), its
items are then read a second time, each one's text from its place, one at a
time. Anything else (not a List, malformed, too deep) is decoded whole from
its start, as it always was, so errors and results stay what they were.

A caller may take items as the first pass finds them (`early`, for worker
processes that check them meanwhile): what it took stands only if the List is
then given as Items with that many items `sent`; the second pass gives the rest.
"""

from __future__ import annotations

import json
import math
import re
from array import array
from collections.abc import Callable, Generator, Iterator
from typing import IO, Any, NamedTuple

from .parse import DecodeError, json_value, no_constant
from .shape import DECODE_DEPTH, ShapeError, settle
from .text import Text

_LIST_LEVELS = 2  # an item sits two levels below its List: the object, then `items`
# Only these can make an item fail as part of its List: numbers beyond a
# double, which read as infinity, or nesting near the limit (two characters a
# level at least), so only such items are settled in the first pass. Its
# decoder stops at such a number (_finite); an item read by Text.value instead
# (one that runs past what is read) is searched for one (an exponent of three
# digits, or with two digits at most, 209 digits before the point: JSON has no
# leading zeros). A match in a string only costs that settling. The digits are
# ASCII: the C decoder reads no others in a number, and `\d` (any Unicode
# digit) makes the search several times slower.
_SUSPECT = re.compile(r"[0-9](?:[eE][+-]?[0-9]{3}|[0-9]{199})")
_SUSPECT_LENGTH = 2 * (DECODE_DEPTH - _LIST_LEVELS)
# Text read ahead of an item before it is decoded: one that runs past what is
# read fails, and the decoder's error then costs time in proportion to all that
# is read (its line and column), about a millisecond a megabyte.
_AHEAD = 64 << 10
# What follows an item within the text read: the next one's start, or `]`.
_AFTER_ITEM = re.compile(r"[ \t\r\n]*(?:(\])|,[ \t\r\n]*)")


# Takes an item of a big List as the first pass finds it, checked as the whole
# List checks it: (document index, line, item index, text). False: it takes no
# more, and the second pass reads them.
EarlyItems = Callable[[int, int, int, str], bool]


class Deferred(NamedTuple):
    """A JSON document's text, decoded once already: decode it where it is used."""

    text: str


class Items(NamedTuple):
    """A List read item by item: its fields but `items` (settled), and the text
    of each item but the first `sent` (taken early), in order (read when asked for)."""

    header: dict[str, Any]
    texts: Iterator[str]
    sent: int = 0


class _Places(NamedTuple):
    offset: int  # byte offset of the first item not taken early (of `[` if none was)
    starts: array[int]  # each of those items' start and end, in characters after that offset
    ends: array[int]
    sent: int  # items taken early


class _NotAList(Exception):
    """The object is read whole instead."""


class Stop(NamedTuple):
    """Where JSON stopped: the next document's index, line, byte offset, and the
    error that stopped it, if one did."""

    next_index: int
    line: int
    offset: int
    failure: DecodeError | None


Found = tuple[int, int, Any, "str | None"]  # index, line, (value, depth) | Deferred | Items, problem


def json_stream(stream: IO[bytes], skip: int, defer: bool = False, block: int | None = None,
                early: EarlyItems | None = None) -> Generator[Found, None, Stop]:
    """Each JSON value of a stream from byte `skip` (after a BOM); returns where
    it stopped. `defer`: documents as Deferred texts (for worker processes);
    `early` takes big Lists' items as they are found (see above)."""
    text = Text(stream, skip, col=1 if skip else 0, block=block)
    pos = index = line = 0
    failure: DecodeError | None = None
    while True:
        pos = text.space(pos)
        line = text.line_at(pos)
        if pos >= text.end():
            break
        reader = [text]
        try:
            take = None if early is None else _taker(early, index, line)
            found, end = _document(stream, reader, pos, line, defer, take)
        except DecodeError as err:
            failure = err
            break
        except ShapeError:
            break  # the document's own chunk reports it
        finally:
            text = reader[0]
        yield index, line, *found
        index, pos = index + 1, end
    return Stop(index, line, text.byte_offset(pos), failure)


def _taker(early: EarlyItems, index: int, line: int) -> Callable[[int, str], bool]:
    return lambda item, text: early(index, line, item, text)


def _document(stream: IO[bytes], reader: list[Text], pos: int, line: int, defer: bool,
              take: Callable[[int, str], bool] | None) -> tuple[tuple[Any, str | None], int]:
    """The document at `pos` and where it ends; reader[0]: the text to read on
    with (a new one when the document had to be read again from its start)."""
    text = reader[0]
    text.keep = pos
    try:
        value, end = json_value(text.window, pos - text.base)  # within what is read: most documents
        if text.settled(end):
            return _found(value, text.window[pos - text.base:end] if defer else None), end + text.base
    except DecodeError:
        if text.done:
            raise
    if text.char(pos) == "{":
        col, offset = text.column_at(pos), text.byte_offset(pos)
        try:
            header, places, end = _fields(text, pos, take)
            return (Items(header, _item_texts(stream, places, text.block), places.sent), None), end
        except (_NotAList, DecodeError, ShapeError):
            text = reader[0] = Text(stream, offset, pos, line, col, text.block)  # whole, from its start
    value, end = text.value(pos)
    return _found(value, text.window[pos - text.base:end - text.base] if defer else None), end


def _found(value: Any, deferred: str | None) -> tuple[Any, str | None]:
    if deferred is not None:
        return Deferred(deferred), None
    return settled(value)


def settled(value: Any, aliased: bool = False) -> tuple[tuple[Any, int] | None, str | None]:
    """A decoded value in the form streams give it: (value, depth), or a problem."""
    try:
        return settle(value, aliased), None
    except ShapeError as err:
        return None, str(err)


def decoded(text: str) -> tuple[tuple[Any, int] | None, str | None]:
    """A Deferred or item text, decoded and settled. Settling a value the C decoder read
    with every number finite changes nothing, so it is not walked: its depth is given as
    its count of brackets, at least the true one (callers only compare it with limits,
    and look closer past them)."""
    brackets = text.count("{") + text.count("[")
    if brackets <= DECODE_DEPTH:
        try:
            return (_FIRST_PASS.raw_decode(text)[0], brackets), None
        except (ValueError, RecursionError):
            pass  # a constant, an infinity, a long integer, malformed: read below, and said so
    try:
        return settled(json_value(text)[0])
    except (DecodeError, ShapeError) as err:  # checked once already: only if the text was changed
        return None, str(err)


def _fields(text: Text, pos: int,
            take: Callable[[int, str], bool] | None) -> tuple[dict[str, Any], _Places, int]:
    """First pass over the object at `pos`: its fields but `items` decoded and
    settled, the places of its items (each offered to `take` first); _NotAList if it is no List."""
    fields: dict[str, Any] = {}
    p = text.space(pos + 1)
    while text.char(p) == '"':
        key, p = text.value(p)
        p = text.space(p)
        if text.char(p) != ":":
            raise _NotAList
        p = text.space(p + 1)
        if key == "items" and text.char(p) == "[":
            # Only the first `items` is offered: a later one replaces it, and with it what was taken.
            fields[key], p = _items(text, p, None if key in fields else take)
        else:
            fields[key], p = text.value(p)
        p = text.space(p)
        if text.char(p) == "}":
            kind, places = fields.pop("kind", None), fields.pop("items", None)
            if not isinstance(kind, str) or not kind.endswith("List") or not isinstance(places, _Places):
                raise _NotAList
            header = {"kind": kind, **fields}
            settle(header, False)  # as the whole List would be: ShapeError
            return header, places, p + 1
        if text.char(p) != ",":
            raise _NotAList
        p = text.space(p + 1)
    raise _NotAList


def _items(text: Text, pos: int, take: Callable[[int, str], bool] | None) -> tuple[_Places, int]:
    """Each item of the array at `pos` decoded, checked, offered to `take`
    and dropped; the places of those it did not take."""
    origin, places = pos, _Places(text.byte_offset(pos), array("q"), array("q"), 0)
    p = text.space(pos + 1)
    if text.char(p) == "]":
        return places, p + 1
    sent = 0
    while True:
        value, end, finite = _item(text, p)
        if end - p >= _SUSPECT_LENGTH or not finite and _SUSPECT.search(text.window, p - text.base,
                                                                        end - text.base):
            _, depth = settle(value, False)
            if depth + _LIST_LEVELS > DECODE_DEPTH:
                raise _NotAList
        if take is not None:
            if take(sent, text.window[p - text.base:end - text.base]):
                sent += 1
            else:  # the rest are placed from here
                take, origin = None, p
                places = _Places(text.byte_offset(p), places.starts, places.ends, sent)
        if take is None:
            places.starts.append(p - origin)
            places.ends.append(end - origin)
        p, last = _after(text, end)
        if last:
            return places._replace(sent=sent), p


def _item(text: Text, pos: int) -> tuple[Any, int, bool]:
    """The item at `pos`, where it ends, and whether its numbers are known to
    be finite: as Text.value finds them, without its calls for the many items
    that end within the text read. Anything unusual (a malformed or unfinished
    item, a constant, an infinity, deep nesting) is left to Text.value."""
    text.keep = pos
    if text.end() - pos < _AHEAD:
        text.ensure(pos + _AHEAD)
    try:
        value, end = _FIRST_PASS.raw_decode(text.window, pos - text.base)
    except (ValueError, RecursionError):
        return *text.value(pos), False
    if not text.settled(end):
        return *text.value(pos), False
    return value, end + text.base, True


def _finite(number: str) -> float:
    value = float(number)
    if math.isinf(value):
        raise ValueError("a number beyond a double")
    return value


# parse.py's decoder (the C one), which also stops at a number read as infinity.
_FIRST_PASS = json.JSONDecoder(parse_constant=no_constant, parse_float=_finite)


def _after(text: Text, end: int) -> tuple[int, bool]:
    """After the item ending at `end`: where the next one starts, or (True)
    where the array ends; _NotAList if neither follows. One match, unless the
    match reaches the end of what is read (the space may go on)."""
    window = text.window
    found = _AFTER_ITEM.match(window, end - text.base)
    if found is not None and (found.end() < len(window) or text.done):
        return found.end() + text.base, found.lastindex == 1
    p = text.space(end)
    if text.char(p) == "]":
        return p + 1, True
    if text.char(p) != ",":
        raise _NotAList
    return text.space(p + 1), False


def _item_texts(stream: IO[bytes], places: _Places, block: int) -> Iterator[str]:
    """Second pass: each item's text from its place."""
    text = Text(stream, places.offset, block=block)
    for start, end in zip(places.starts, places.ends):
        yield text.slice(start, end)

"""A stream of bytes to decoded documents, as kubectl reads them.

A stream whose first character is `{` or `[` is a JSON stream: values one after
another, each a document; where JSON fails, the rest is read as YAML (kubectl
switches the same way). Any other stream is split into YAML documents at
`---` lines (decoding/chunks.py), each decoded on its own; one that starts
with `{` is tried as JSON first (exact numbers, and fast). Each value is then
checked and put in JSON form (decoding/shape.py). Nothing here raises on bad
input: each document comes with a value or a problem.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import IO, Any

from .chunks import BOM, Chunk, chunks, decode
from .parse import DecodeError, json_value, yaml_value
from .shape import ShapeError, settle


_SPACE = re.compile(r"[ \t\r\n]*")
Raw = tuple[int, int, "tuple[Any, int] | None", "str | None"]  # index, line, (value, depth), problem


def raw_documents(stream: IO[bytes]) -> Iterator[Raw]:
    head = stream.read(4096)
    skip = len(BOM) if head.startswith(BOM) else 0
    if head[skip:].lstrip().startswith((b"{", b"[")):
        # A JSON stream: values one after another, as kubectl reads them.
        yield from _json_stream(head + stream.read(), skip)
        return
    stream.seek(skip)
    yield from _yaml_stream(chunks(stream, 1, skip), 0)


def _json_stream(data: bytes, skip: int) -> Iterator[Raw]:
    text, bad = decode(Chunk(1, data, ((0, 0),)))
    pos, line, seen, index = 1 if skip else 0, 1, 0, 0
    while True:
        pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= len(text):
            break
        line, seen = line + text.count("\n", seen, pos), pos
        try:
            value, end = json_value(text, pos)
        except ShapeError as err:
            yield index, line, None, f"{err}; the rest of the file is not read"
            return
        except DecodeError as err:
            if bad is not None:
                break  # the value runs into the bad byte: reported below
            # The rest is YAML, as kubectl reads it when JSON fails.
            rest = io.BytesIO(text[pos:].encode("utf-8"))
            offset = len(text[:pos].encode("utf-8"))
            yield from _yaml_stream(chunks(rest, line, offset), index, err)  # its line is the file's
            return
        yield index, line, *_settled(value, False)
        index, pos = index + 1, end
    if bad is not None:
        yield (index, bad.line, None,
               f"not UTF-8 text at line {bad.line}, byte {bad.offset} ({bad.reason}); "
               "the rest of the file is not read")


def _yaml_stream(found: Iterator[Chunk], first: int,
                 json_error: DecodeError | None = None) -> Iterator[Raw]:
    for index, chunk in enumerate(found, first):
        value, problem = chunk_value(chunk)
        if json_error is not None and index == first and problem is not None \
                and chunk.data.lstrip().startswith((b"{", b"[")):
            problem = str(json_error)  # broken JSON, not YAML: say what JSON found
        yield index, chunk.line, value, problem


def chunk_value(chunk: Chunk) -> tuple[tuple[Any, int] | None, str | None]:
    text, bad = decode(chunk)
    if bad is not None:
        return None, f"not UTF-8 text at line {bad.line}, byte {bad.offset} ({bad.reason})"
    body = text.lstrip()
    if body.startswith(("{", "[")):  # JSON in a YAML stream: exact numbers, and fast
        try:
            value, end = json_value(body)
            if not body[end:].strip():
                return _settled(value, False)
        except (DecodeError, ShapeError):
            pass  # YAML decides
    try:
        return _settled(yaml_value(text), "*" in text)
    except DecodeError as err:
        return None, str(err.moved(chunk.line))
    except ShapeError as err:
        return None, str(err)


def _settled(value: Any, aliased: bool) -> tuple[tuple[Any, int] | None, str | None]:
    try:
        return settle(value, aliased), None
    except ShapeError as err:
        return None, str(err)

"""A stream of bytes to decoded documents, as kubectl reads them.

A stream whose first character is `{` or `[` is a JSON stream: values one after
another, each a document; where JSON fails, the rest is read as YAML (kubectl
switches the same way). Any other stream is split into YAML documents at
`---` lines (decoding/chunks.py), each decoded on its own (in one pass when it is
in the common block style, decoding/blockyaml.py; else by decoding/loader.py); one that starts
with `{` is tried as JSON first (exact numbers, and fast). Each value is then
checked and put in JSON form (decoding/shape.py). Nothing here raises on bad
input: each document comes with a value or a problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from . import blockyaml
from .chunks import BOM, Chunk, chunks, decode
from .jsonstream import EarlyItems, json_stream, settled
from .parse import DecodeError, json_value, yaml_value
from .shape import ShapeError


Raw = tuple[int, int, Any, "str | None"]  # index, line, (value, depth) | Deferred | Items | None, problem


def raw_documents(stream: IO[bytes], defer: bool = False, early: EarlyItems | None = None) -> Iterator[Raw]:
    """Each document of a seekable stream. A JSON stream is read value by value
    (decoding/jsonstream.py: big Lists come as Items, and `early` may take their
    items sooner); `defer`: its documents as Deferred texts, to decode elsewhere."""
    head = stream.read(4096)
    skip = len(BOM) if head.startswith(BOM) else 0
    if head[skip:].lstrip().startswith((b"{", b"[")):
        # A JSON stream: values one after another, as kubectl reads them.
        yield from _json_then_yaml(stream, skip, defer, early)
        return
    stream.seek(skip)
    yield from _yaml_stream(chunks(stream, 1, skip), 0)


def _json_then_yaml(stream: IO[bytes], skip: int, defer: bool, early: EarlyItems | None) -> Iterator[Raw]:
    """JSON values one after another; from the first that fails (malformed, too
    deep, or running into a byte that is not UTF-8), the rest is split and read
    as YAML documents, each on its own, so nothing after it is lost."""
    stop = yield from json_stream(stream, skip, defer, early=early)
    stream.seek(stop.offset)
    yield from _yaml_stream(chunks(stream, stop.line, stop.offset), stop.next_index, stop.failure)


def _yaml_stream(found: Iterator[Chunk], first: int,
                 json_error: DecodeError | None = None) -> Iterator[Raw]:
    for index, chunk in enumerate(found, first):
        value, problem = chunk_value(chunk)
        if json_error is not None and index == first and problem is not None \
                and problem.startswith("malformed YAML") and chunk.data.lstrip().startswith((b"{", b"[")):
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
                return settled(value, False)
        except DecodeError:
            pass  # YAML decides
        except ShapeError as err:  # JSON, too deep even for kubectl
            return None, str(err)
    quick = blockyaml.read(text)  # most manifests: the exact path's answer, sooner
    if quick is not None:
        return quick, None
    try:
        return settled(yaml_value(text), "*" in text)
    except DecodeError as err:
        return None, str(err.moved(chunk.line))
    except ShapeError as err:
        return None, str(err)

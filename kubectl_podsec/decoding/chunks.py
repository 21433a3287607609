"""Bytes to YAML documents: split at `---`/`...` lines, decoded one by one.

A stream is split before it is decoded, so a byte that is not UTF-8 costs only
its own document, and the error names its line and byte offset in the file.
Files are read in blocks: memory stays bounded by the largest document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, NamedTuple

MARKER = re.compile(rb"^(---|\.\.\.)([ \t\r].*)?$", re.M)
BLOCK = 1 << 20
BOM = b"\xef\xbb\xbf"


class Chunk(NamedTuple):
    """One document's bytes, where it starts (1-based line), and where its bytes
    sit in the file: (offset in `data`, offset in the file) for each piece."""

    line: int
    data: bytes
    pieces: tuple[tuple[int, int], ...]

    def file_offset(self, pos: int) -> int:
        start, offset = max(p for p in self.pieces if p[0] <= pos)
        return offset + pos - start


def chunks(stream: IO[bytes], line: int = 1, offset: int = 0) -> Iterator[Chunk]:
    """The non-empty documents of a stream, split at marker lines (content after
    `--- ` on the marker line belongs to the new document). `line` and `offset`:
    where the stream starts in its file."""
    doc: list[bytes] = []
    pieces: list[tuple[int, int]] = [(0, offset)]
    doc_line = line
    pending = b""
    base = offset  # file offset of `pending`
    while True:
        block = stream.read(BLOCK)
        text = pending + block
        cut = len(text) if not block else text.rfind(b"\n") + 1  # whole lines only
        scan, pending = text[:cut], text[cut:]
        pos, pos_line = 0, line
        for m in MARKER.finditer(scan):
            doc.append(scan[pos:m.start()])
            marker_line = pos_line + scan.count(b"\n", pos, m.start())
            if any(doc):
                yield Chunk(doc_line, b"".join(doc), tuple(pieces))
            rest = (m.group(2) or b"").strip() if m.group(1) == b"---" else b""
            after = base + min(m.end() + 1, len(scan))
            if rest:
                rest_at = base + m.start(2) + (len(m.group(2)) - len(m.group(2).lstrip()))
                doc, pieces = [rest + b"\n"], [(0, rest_at), (len(rest) + 1, after)]
            else:
                doc, pieces = [], [(0, after)]
            doc_line = marker_line if rest else marker_line + 1
            pos, pos_line = min(m.end() + 1, len(scan)), marker_line + 1
        doc.append(scan[pos:])
        line = pos_line + scan.count(b"\n", pos)
        base += cut
        if not block:
            break
    if any(doc):
        yield Chunk(doc_line, b"".join(doc), tuple(pieces))


class Utf8Error(NamedTuple):
    line: int  # 1-based line in the file
    offset: int  # byte offset in the file
    reason: str


def decode(chunk: Chunk) -> tuple[str, Utf8Error | None]:
    """The chunk's text; if a byte is not UTF-8, the text before it and where it is."""
    data = chunk.data
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as err:
        bad = err.start
        line = chunk.line + data.count(b"\n", 0, bad)
        return data[:bad].decode("utf-8"), Utf8Error(line, chunk.file_offset(bad), _reason(err))


def _reason(err: UnicodeDecodeError) -> str:
    byte = err.object[err.start:err.start + 1]
    return f"byte 0x{byte.hex()}: {err.reason}" if byte else err.reason


def cut_at_last_marker(data: bytes) -> int:
    """Where the last document that starts in `data` begins (0 if none does):
    searched from the end, so a long stream without markers costs little."""
    end = len(data)
    while end > 0:
        dashes = data.rfind(b"\n---", 0, end)
        at = max(dashes, data.rfind(b"\n...", dashes + 1, end))
        if at < 0:
            break
        after = data[at + 4:at + 5]
        if after in (b"", b"\n", b" ", b"\t", b"\r"):
            return at + 1
        end = at
    return 0

"""A byte stream's UTF-8 text, read block by block as far as it is needed.

The JSON decoder needs text, not bytes, and a value whole; reading a file
whole to give it that costs memory in proportion to the file. Here the text is
a window that grows while a value runs past its end (reads double, so a huge
value costs linear time) and drops what lies before the value being read, so
memory stays bounded by the largest value read whole. Positions are absolute
character positions in the text from where reading began; lines, columns and
byte offsets are kept so that errors and the YAML fallback can name places in
the file. Text stops before the first byte that is not UTF-8, as
decoding/chunks.py's `decode` does.
"""

from __future__ import annotations

import re
from typing import IO, Any

from .parse import DecodeError, json_value

BLOCK = 1 << 20
_SPACE = re.compile(r"[ \t\r\n]*")
_COLUMN = re.compile(r"\(column (\d+)\)$")

_NUMBER_GOES_ON = re.compile(r"[0-9.eE+-]*")  # the rest of a number cut where reading stopped


class Text:
    """The text of `stream` from byte `offset`, which is character `start`, on
    line `line` after `col` characters of that line."""

    def __init__(self, stream: IO[bytes], offset: int, start: int = 0, line: int = 1, col: int = 0,
                 block: int | None = None) -> None:
        self._stream, self._next, self._pending = stream, offset, b""
        self.block = block or BLOCK
        self.window = ""
        self.base, self.base_byte, self.base_line, self.base_col = start, offset, line, col
        self.keep = start  # text before this may be dropped
        self.done = False  # nothing more comes: the end, or a byte that is not UTF-8
        self._cursor, self._line = start, line  # line_at's count so far

    def end(self) -> int:
        return self.base + len(self.window)

    def more(self, size: int = 0) -> None:
        """Read on (`size` bytes, or a block); at the end, or at a byte that is
        not UTF-8, `done` is set."""
        if self.done:
            return
        self._drop()
        self._stream.seek(self._next)
        block = self._stream.read(size or self.block)
        self._next += len(block)
        data = self._pending + block
        try:
            text, self._pending = data.decode("utf-8"), b""
        except UnicodeDecodeError as err:
            cut = err.start  # a character split by the block's end is finished by the next one
            split = bool(block) and err.reason == "unexpected end of data" and err.end == len(data)
            text, self._pending = data[:cut].decode("utf-8"), data[cut:] if split else b""
            self.done = not split
        self.done = self.done or not block
        self.window += text

    def _drop(self) -> None:
        k = min(self.keep - self.base, len(self.window))
        if k < self.block:
            return
        dropped = self.window[:k]
        lines = dropped.count("\n")
        if self._cursor < self.base + k:  # line_at's count goes on from the cursor
            self._line += lines - dropped.count("\n", 0, self._cursor - self.base)
            self._cursor = self.base + k
        last = dropped.rfind("\n")
        self.base_line += lines
        self.base_col = k - last - 1 if last >= 0 else self.base_col + k
        self.base_byte += k if dropped.isascii() else len(dropped.encode("utf-8"))
        self.base += k
        self.window = self.window[k:]

    def ensure(self, pos: int) -> None:
        """Text read up to `pos` (less at the end)."""
        while self.end() < pos and not self.done:
            self.more()

    def char(self, pos: int) -> str:
        """The character at `pos`, "" past the end."""
        self.ensure(pos + 1)
        return self.window[pos - self.base] if pos < self.end() else ""

    def space(self, pos: int) -> int:
        """Where the whitespace at `pos` ends."""
        window, at = self.window, pos - self.base
        if at < len(window):  # most often it ends within what is read
            end = _SPACE.match(window, at).end()  # type: ignore[union-attr]
            if end < len(window):
                return end + self.base
        self.ensure(pos + 1)
        while True:
            pos = _SPACE.match(self.window, pos - self.base).end() + self.base  # type: ignore[union-attr]
            if pos < self.end() or self.done:
                return pos
            self.more()

    def value(self, pos: int) -> tuple[Any, int]:
        """The JSON value at `pos` and where it ends, reading on while it runs
        past what is read; DecodeError (placed in the file) when malformed."""
        self.keep = pos
        size = self.block
        while True:
            try:
                value, end = json_value(self.window, pos - self.base)
                if self.settled(end):
                    return value, end + self.base
            except DecodeError as err:
                if self.done:
                    raise self._placed(err) from None
            self.more(size)
            size *= 2

    def settled(self, end: int) -> bool:
        """Whether a value decoded up to `end` (in the window) ends there: a
        number followed only by what could still belong to it (`0` of `0.5`
        read as far as `0.`) may go on in text not read yet."""
        return self.done or _NUMBER_GOES_ON.fullmatch(self.window, end) is None

    def slice(self, start: int, end: int) -> str:
        self.keep = start
        if end > self.base + len(self.window):
            self.ensure(end)
        return self.window[start - self.base:end - self.base]

    def line_at(self, pos: int) -> int:
        """The line of `pos`; positions asked for only grow."""
        self._line += self.window.count("\n", self._cursor - self.base, pos - self.base)
        self._cursor = pos
        return self._line

    def column_at(self, pos: int) -> int:
        """Characters before `pos` on its line."""
        last = self.window.rfind("\n", 0, pos - self.base)
        return pos - self.base - last - 1 if last >= 0 else self.base_col + pos - self.base

    def byte_offset(self, pos: int) -> int:
        return self.base_byte + len(self.window[:pos - self.base].encode("utf-8"))

    def _placed(self, err: DecodeError) -> DecodeError:
        """The error with the line and column it has in the file, not in the window."""
        if err.line is None:
            return err
        problem = err.problem
        if err.line == 1 and self.base_col:
            problem = _COLUMN.sub(lambda m: f"(column {int(m.group(1)) + self.base_col})", problem)
        return DecodeError(err.syntax, problem, self.base_line + err.line - 1)

"""Inputs: the files, directories and stdin named, each with where to read it
(regular files are streamed; stdin, pipes and devices are read into memory up
to STREAM_LIMIT) or the problem that stops it."""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
from collections.abc import Callable
from typing import IO, NamedTuple

from ..decoding.chunks import BLOCK, Chunk, cut_at_last_marker, decode
from ..errors import InputError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# Bytes read from stdin, a pipe or a device, held in memory for the two passes
# `check` makes (Namespaces first). Twenty API requests of the largest size the
# API server accepts (3 MiB, k8s.io/apiserver server/config.go MaxRequestBodyBytes).
STREAM_LIMIT = 64 << 20
_MAX_SHOWN = 200  # characters of a value or path quoted in an error


class Input(NamedTuple):
    """One input: the path as the user gave it, where to read it, its bytes when
    already read (stdin, pipes, devices), and a problem that stops it or its end."""

    display: str
    path: str
    data: bytes | None = None
    problem: str | None = None


def shorten(text: str, limit: int = _MAX_SHOWN) -> str:
    """`text`, cut to about `limit` characters so an error stays readable."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} more characters)"


def expand(paths: list[str], recursive: bool, note: Callable[[str], None] | None = None) -> list[Input]:
    """Files named, and the manifests in directories named (sorted; -R recurses).
    A path that cannot be read is an Input with a problem; `note` hears of files
    in directories that are skipped (not regular: a FIFO would block)."""
    inputs: list[Input] = []
    stdin: Input | None = None
    for path in paths:
        if path == "-":
            stdin = stdin or _read_stream("-", None)
            inputs.append(stdin)
        elif os.path.isdir(path):
            found = _directory(path, recursive, note or (lambda _: None))
            inputs += found or [Input(path, path, problem=(
                f"no manifests ({', '.join(MANIFEST_SUFFIXES)}) in directory"
                + ("" if recursive else " (use -R to recurse)")))]
        elif not os.path.exists(path):
            inputs.append(Input(path, path, problem=_missing(path)))
        elif not os.access(path, os.R_OK):
            inputs.append(Input(path, path, problem="permission denied"))
        else:
            inputs.append(Input(path, path) if os.path.isfile(path) else _read_stream(path, path))
    return inputs


def _missing(path: str) -> str:
    if os.path.islink(path):
        return f"dangling symbolic link (to {shorten(os.readlink(path))})"
    return "no such file or directory"


def _directory(path: str, recursive: bool, note: Callable[[str], None]) -> list[Input]:
    found = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(dirs) if recursive else []
        for name in sorted(files):
            if not name.endswith(MANIFEST_SUFFIXES):
                continue
            full = os.path.join(root, name)
            try:
                mode = os.stat(full).st_mode
            except OSError as err:  # a dangling or looping symbolic link, most likely
                dangling = err.errno == errno.ENOENT and os.path.islink(full)
                found.append(Input(full, full, problem=_missing(full) if dangling
                                   else err.strerror or str(err)))
                continue
            if stat.S_ISREG(mode):
                found.append(Input(full, full))
            else:
                note(f"{full}: not a regular file; skipped (name it with -f to read it)")
    return found


def _read_stream(display: str, path: str | None) -> Input:
    """stdin, a pipe or a device, read into memory up to STREAM_LIMIT (no copy
    on disk, so nothing is left behind whatever ends the process). Beyond the
    limit, the documents that start before it are kept."""
    try:
        if path is None:
            stream = getattr(sys.stdin, "buffer", None)
            parts = [_read_capped(stream)] if stream is not None else [
                sys.stdin.read(STREAM_LIMIT + 1).encode("utf-8", "surrogateescape")]
        else:
            with open(path, "rb") as f:
                parts = [_read_capped(f)]
    except OSError as err:
        return Input(display, path or "-", problem=err.strerror or str(err))
    data = parts[0]
    if len(data) <= STREAM_LIMIT:
        return Input(display, path or "-", data)
    keep = cut_at_last_marker(data[:STREAM_LIMIT])
    line = data.count(b"\n", 0, keep) + 1
    _, bad = decode(Chunk(line, data[keep:keep + BLOCK], ((0, keep),)))
    binary = "" if bad is None else f"; nor is it text: a byte at line {bad.line} (byte {bad.offset}) is not UTF-8"
    return Input(display, path or "-", data[:keep], problem=(
        f"more than {STREAM_LIMIT >> 20} MiB, the limit for input that is not a regular file: "
        f"documents from line {line} on are not read (save the input to a file to check it all)"
        + binary))


def _read_capped(stream: IO[bytes]) -> bytes:
    """At most STREAM_LIMIT + 1 bytes: one more than allowed tells that there is more."""
    buffer = bytearray(STREAM_LIMIT + 1)
    view, size = memoryview(buffer), 0
    while size <= STREAM_LIMIT:
        read = stream.readinto(view[size:size + BLOCK])  # type: ignore[attr-defined]
        if not read:
            break
        size += read
    view.release()
    del buffer[size:]
    return bytes(buffer)


def open_input(item: Input) -> IO[bytes]:
    """The input's bytes as a stream; InputError if it cannot be opened."""
    if item.data is not None:
        return io.BytesIO(item.data)
    try:
        return open(item.path, "rb")  # noqa: SIM115
    except OSError as err:
        raise InputError(item.display, err.strerror or str(err)) from None

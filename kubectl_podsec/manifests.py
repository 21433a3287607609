"""Input: files, directories and stdin to objects with their source.

Every input gives documents or errors, never a crash: each YAML document is
decoded on its own (a malformed one, or one with a byte that is not UTF-8, is
one error naming its file and line while the others are still read); `List`
kinds are flattened. Regular files are streamed document by document; stdin,
pipes and devices are read into memory up to STREAM_LIMIT. The limits of
decoding (depth, aliases) are kubectl's: see decoding/shape.py and README.md.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any, NamedTuple

from .admission.config import ConfigError, PodSecurityConfig, pod_security_config, pod_security_plugin
from .decoding.chunks import BLOCK, BOM, Chunk, chunks, cut_at_last_marker, decode
from .decoding.metadata import metadata_problem
from .decoding.shape import deep_path
from .decoding.jsonstream import Deferred, Items, decoded
from .decoding.streams import chunk_value, raw_documents
from .errors import InputError
from .pss.text import json_kind
from .admission.workloads import WORKLOAD_KINDS

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# Bytes read from stdin, a pipe or a device, held in memory for the two passes
# `check` makes (Namespaces first). Twenty API requests of the largest size the
# API server accepts (3 MiB, k8s.io/apiserver server/config.go MaxRequestBodyBytes).
STREAM_LIMIT = 64 << 20
# No field of the kinds the tool evaluates is nested this deep (a CronJob's
# deepest is about 15 levels); deeper means an unknown field, which kubectl's
# default strict validation rejects, or a wrong type, which the API server rejects.
OBJECT_DEPTH = 100
_EVALUATED = frozenset(WORKLOAD_KINDS) | {"PodSecurityPolicy", "Namespace"}
_MAX_SHOWN = 200  # characters of a value or path quoted in an error
_LIST_LEVELS = 2  # a List item sits below the List object and its `items`


class Source(NamedTuple):
    file: str  # the path as given ("-" for stdin)
    document: int  # 0-based index of the document in the file
    line: int  # 1-based line where the document starts
    item: int | None = None  # index inside a List

    def to_dict(self) -> dict[str, Any]:
        """The report's `source`: file as given, 0-based document, first line (and List item)."""
        out: dict[str, Any] = {"file": self.file, "document": self.document, "line": self.line}
        if self.item is not None:
            out["item"] = self.item
        return out

    def describe(self) -> str:
        where = f"{self.file}: document {self.document} (line {self.line})"
        return where if self.item is None else f"{where}, item {self.item}"


class Document(NamedTuple):
    source: Source
    obj: dict[str, Any] | None = None
    error: InputError | None = None


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


def input_documents(item: Input) -> Iterator[Document]:
    """Every object of an input, with its source; what cannot be read is an error."""
    if item.data is not None or item.problem is None:
        try:
            with open_input(item) as stream:
                yield from documents(item.display, stream)
        except InputError as err:
            yield Document(Source(item.display, 0, 1), error=err)
            return
        except OSError as err:  # a read that fails midway (an I/O error, a directory)
            yield Document(Source(item.display, 0, 1), error=InputError(item.display, err.strerror or str(err)))
            return
    if item.problem is not None:
        yield Document(Source(item.display, 0, 1), error=InputError(item.display, item.problem))


def documents(display: str, stream: IO[bytes]) -> Iterator[Document]:
    """Every object in a stream of bytes, with its source; bad documents carry an error."""
    for index, line, value, problem in raw_documents(stream):
        for piece in _pieces(Source(display, index, line), value, problem):
            yield from piece_documents(piece)


class JsonPiece(NamedTuple):
    """A JSON document's or List item's text, to decode where it is checked."""

    source: Source
    text: str


class YamlPiece(NamedTuple):
    """A YAML document's bytes, to decode where it is checked."""

    display: str
    document: int
    chunk: Chunk


Piece = Document | JsonPiece | YamlPiece


def _pieces(source: Source, value: Any, problem: str | None) -> Iterator[Piece]:
    """A raw document's objects, or the texts to decode for them: a List read
    item by item (decoding/jsonstream.py) gives one text an item."""
    if problem is not None:
        yield Document(source, error=InputError(source.describe(), problem))
    elif isinstance(value, Items):
        problem = _check_object(value.header)
        if problem:
            yield Document(source, error=InputError(source.describe(), problem))
            return
        for i, text in enumerate(value.texts):
            yield JsonPiece(source._replace(item=i), text)
    elif isinstance(value, Deferred):
        yield JsonPiece(source, value.text)
    elif value is not None and value[0] is not None:  # empty documents are ordinary
        yield from _objects(source, *value)


def piece_documents(piece: Piece) -> list[Document]:
    """The objects of a piece: a List item's one, or a document's (a List gives several)."""
    if isinstance(piece, Document):
        return [piece]
    if isinstance(piece, YamlPiece):
        return chunk_documents(*piece)
    source = piece.source
    value, problem = decoded(piece.text)
    if value is None or problem is not None:
        return [Document(source, error=InputError(source.describe(), problem or "empty"))]
    if source.item is None:
        return list(_objects(source, *value))
    item, depth = value
    problem = _check_object(item) or (_too_deep(item) if depth + _LIST_LEVELS > OBJECT_DEPTH else None)
    return [Document(source, None if problem else item, InputError(source.describe(), problem) if problem else None)]


def input_pieces(item: Input) -> Iterator[Piece]:
    """An input's documents not yet decoded, to decode where they are checked:
    YAML as chunks, JSON as texts (read once here to split them)."""
    try:
        with open_input(item) as stream:
            if not is_json(stream):
                yield from (YamlPiece(item.display, i, chunk) for i, chunk in yaml_chunks(stream))
                return
            for index, line, value, problem in raw_documents(stream, defer=True):
                yield from _pieces(Source(item.display, index, line), value, problem)
    except (InputError, OSError) as err:  # as input_documents reports it
        where = err if isinstance(err, InputError) else InputError(item.display, err.strerror or str(err))
        yield Document(Source(item.display, 0, 1), error=where)


def _check_object(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"not an object (got {json_kind(value)})"
    if not isinstance(value.get("kind"), str) or not value["kind"]:
        return "object has no kind"
    if not isinstance(value.get("apiVersion"), str) or not value["apiVersion"]:
        return f"{shorten(value['kind'])} has no apiVersion"
    meta = value.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        return f"{shorten(value['kind'])}: metadata is not an object"
    return None


def _too_deep(value: dict[str, Any]) -> str | None:
    """Why an object the tool evaluates cannot be: a field deeper than any of its kind's."""
    if value["kind"] not in _EVALUATED:
        return None
    path = deep_path(value, OBJECT_DEPTH)
    if path is None:
        return None
    kind = shorten(value["kind"])
    return (f"{shorten(path, 80)}: nested more than {OBJECT_DEPTH} levels deep, deeper than any field "
            f"of a {kind} (kubectl's strict validation and the API server reject it)")


def _objects(source: Source, value: Any, depth: int) -> Iterator[Document]:
    problem = _check_object(value) or metadata_problem(value)  # kubectl's client checks these
    if problem:
        yield Document(source, error=InputError(source.describe(), problem))
        return
    deep = depth > OBJECT_DEPTH
    if value["kind"].endswith("List") and isinstance(value.get("items"), list):
        for i, item in enumerate(value["items"]):
            src = Source(source.file, source.document, source.line, i)
            problem = _check_object(item) or (_too_deep(item) if deep else None)
            error = InputError(src.describe(), problem) if problem else None
            yield Document(src, None if problem else item, error)
        return
    problem = _too_deep(value) if deep else None
    yield Document(source, None if problem else value,
                   InputError(source.describe(), problem) if problem else None)


def is_json(stream: IO[bytes]) -> bool:
    """Whether a stream holds a JSON stream (read whole) rather than YAML
    documents (split); the stream is left at its start."""
    head = stream.read(4096)
    stream.seek(0)
    return head.lstrip(BOM + b" \t\r\n").startswith((b"{", b"["))


def yaml_chunks(stream: IO[bytes]) -> Iterator[tuple[int, Chunk]]:
    """(index, chunk) of each YAML document, not yet decoded."""
    head = stream.read(len(BOM))
    skip = len(BOM) if head == BOM else 0
    stream.seek(skip)
    yield from enumerate(chunks(stream, 1, skip))


def chunk_documents(display: str, index: int, chunk: Chunk) -> list[Document]:
    """The objects of one YAML document (a List gives several), as `documents` would."""
    source = Source(display, index, chunk.line)
    value, problem = chunk_value(chunk)
    if problem is not None:
        return [Document(source, error=InputError(source.describe(), problem))]
    return [] if value is None or value[0] is None else list(_objects(source, *value))


def input_namespaces(item: Input) -> Iterator[dict[str, Any]]:
    """The Namespace objects of an input, decoding only documents that mention
    one (a cheap first pass, so policies are known before any workload is
    checked). What cannot be read is left to the main pass to report."""
    if item.data is None and item.problem is not None:
        return
    try:
        for piece in input_pieces(item):
            if not _may_be_namespace(piece):
                continue
            for doc in piece_documents(piece):
                if doc.obj is not None and doc.obj.get("kind") == "Namespace":
                    yield doc.obj
    except (InputError, OSError):
        return


def _may_be_namespace(piece: Piece) -> bool:
    if isinstance(piece, YamlPiece):
        return b"Namespace" in piece.chunk.data
    if isinstance(piece, JsonPiece):  # an escape may spell it
        return "Namespace" in piece.text or "\\u" in piece.text
    return piece.obj is not None


def read_admission_config(path: str) -> PodSecurityConfig:
    """The PodSecurityConfiguration from an AdmissionConfiguration file (following
    a plugin `path`, relative to the file) or from a bare PodSecurityConfiguration."""
    doc = _read_single(path)
    try:
        if isinstance(doc, dict) and doc.get("kind") == "PodSecurityConfiguration":
            return pod_security_config(doc, source=path)
        inner = pod_security_plugin(doc)
        if inner is None:
            raise ConfigError("no PodSecurity plugin in the AdmissionConfiguration")
        if isinstance(inner, str):
            nested = inner if os.path.isabs(inner) else os.path.join(os.path.dirname(path), inner)
            return pod_security_config(_read_single(nested), source=nested)
        return pod_security_config(inner, source=path)
    except ConfigError as err:
        raise InputError(path, str(err)) from None


def _read_single(path: str) -> Any:
    docs = [d for item in expand([path], False) for d in input_documents(item)]
    if len(docs) != 1:
        raise InputError(path, f"expected one document, found {len(docs)}")
    if docs[0].error is not None:
        raise docs[0].error
    return docs[0].obj

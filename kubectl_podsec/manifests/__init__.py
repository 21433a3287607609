"""Input: files, directories and stdin (manifests/inputs.py) to objects with their source.

Every input gives documents or errors, never a crash: each YAML document is
decoded on its own (a malformed one, or one with a byte that is not UTF-8, is
one error naming its file and line while the others are still read); `List`
kinds are flattened. Regular files are streamed document by document; stdin,
pipes and devices are read into memory up to STREAM_LIMIT. The limits of
decoding (depth, aliases) are kubectl's: see decoding/shape.py and README.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

from ..admission.config import ConfigError, PodSecurityConfig, pod_security_config, pod_security_plugin
from ..decoding.chunks import BOM, Chunk, chunks
from ..decoding.metadata import metadata_problem
from ..decoding.shape import deep_path
from ..decoding.jsonstream import Deferred, EarlyItems, Items, decoded
from ..decoding.streams import chunk_value, raw_documents
from ..errors import InputError
from ..pss.text import json_kind
from ..admission.workloads import WORKLOAD_KINDS
from .inputs import Input as Input, expand as expand, open_input as open_input, shorten as shorten

# No field of the kinds the tool evaluates is nested this deep (a CronJob's
# deepest is about 15 levels); deeper means an unknown field, which kubectl's
# default strict validation rejects, or a wrong type, which the API server rejects.
OBJECT_DEPTH = 100
_EVALUATED = frozenset(WORKLOAD_KINDS) | {"PodSecurityPolicy", "Namespace"}
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


class Ahead(NamedTuple):
    """The first `taken` items of the List at `source` were taken as they were
    read (input_pieces' `early`): they stand; its pieces go on from the next."""

    source: Source
    taken: int


Piece = Document | JsonPiece | YamlPiece | Ahead


def _pieces(source: Source, value: Any, problem: str | None) -> Iterator[Piece]:
    """A raw document's objects, or the texts to decode for them: a List read
    item by item (decoding/jsonstream.py) gives one text an item, after an
    Ahead for the items taken early."""
    if problem is not None:
        yield Document(source, error=InputError(source.describe(), problem))
    elif isinstance(value, Items):
        problem = _check_object(value.header)
        if problem:
            yield Document(source, error=InputError(source.describe(), problem))
            return
        if value.sent:
            yield Ahead(source, value.sent)
        file, document, line = source.file, source.document, source.line
        for i, text in enumerate(value.texts, value.sent):
            yield JsonPiece(Source(file, document, line, i), text)
    elif isinstance(value, Deferred):
        yield JsonPiece(source, value.text)
    elif value is not None and value[0] is not None:  # empty documents are ordinary
        yield from _objects(source, *value)


def piece_documents(piece: Piece) -> list[Document]:
    """The objects of a piece: a List item's one, or a document's (a List gives several)."""
    if isinstance(piece, Document):
        return [piece]
    if isinstance(piece, Ahead):
        return []  # its items were decoded where they were taken
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


def input_pieces(item: Input, early: EarlyItems | None = None) -> Iterator[Piece]:
    """An input's documents not yet decoded, to decode where they are checked:
    YAML as chunks, JSON as texts (read once here to split them). `early` may
    take a big List's items as they are read; they stand only if an Ahead
    for them comes next."""
    try:
        with open_input(item) as stream:
            if not is_json(stream):
                yield from (YamlPiece(item.display, i, chunk) for i, chunk in yaml_chunks(stream))
                return
            for index, line, value, problem in raw_documents(stream, defer=True, early=early):
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
    return isinstance(piece, Document) and piece.obj is not None


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

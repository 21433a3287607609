"""Input: files, directories and stdin to objects with their source.

Each YAML document is parsed on its own, so one malformed document is reported
(with its file and line) while the others are still read. `List` kinds are
flattened. Files are streamed document by document, so memory stays bounded.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

import yaml

from .admission.config import ConfigError, PodSecurityConfig, pod_security_config, pod_security_plugin
from .errors import InputError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The fast safe loader, with timestamps kept as strings (as kubectl does)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


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
    """One file to read: the path as the user gave it and where to read it."""

    display: str
    path: str


def expand(paths: list[str], recursive: bool) -> list[Input]:
    """Files named, and the manifests in directories named (sorted; -R recurses)."""
    inputs = []
    for path in paths:
        if path == "-":
            inputs.append(Input("-", "-"))
        elif os.path.isdir(path):
            found = _directory(path, recursive)
            if not found:
                raise InputError(path, f"no manifests ({', '.join(MANIFEST_SUFFIXES)}) in directory"
                                 + ("" if recursive else " (use -R to recurse)"))
            inputs += found
        elif os.path.exists(path):
            if not os.access(path, os.R_OK):
                raise InputError(path, "permission denied")
            inputs.append(Input(path, path) if os.path.isfile(path) else Input(path, _spooled(path)))
        else:
            raise InputError(path, "no such file or directory")
    return inputs


def _spooled(path: str) -> str:
    """A pipe or device named as a file (/dev/stdin, <(...)) copied to a temporary
    file, removed at exit: every input is read more than once."""
    import atexit
    import shutil
    import tempfile

    fd, copy = tempfile.mkstemp(prefix="kubectl-podsec-", suffix=".input")
    atexit.register(os.unlink, copy)
    try:
        with open(path, "rb") as source, os.fdopen(fd, "wb") as target:
            shutil.copyfileobj(source, target)
    except OSError as err:
        raise InputError(path, err.strerror or str(err)) from None
    return copy


def _directory(path: str, recursive: bool) -> list[Input]:
    found = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(dirs) if recursive else []
        for name in sorted(files):
            if name.endswith(MANIFEST_SUFFIXES):
                full = os.path.join(root, name)
                found.append(Input(full, full))
    return found


def spool_stdin(stream: IO[str] | None = None) -> IO[str]:
    """stdin copied to a temporary file, so it can be read twice in bounded memory."""
    import shutil
    import tempfile

    spool = tempfile.TemporaryFile("w+", encoding="utf-8")
    shutil.copyfileobj(stream or sys.stdin, spool)
    spool.seek(0)
    return spool


_MARKER = re.compile(r"^(---|\.\.\.)([ \t\r].*)?$", re.M)
_BLOCK = 1 << 20


def _chunks(stream: IO[str]) -> Iterator[tuple[int, str]]:
    """(start line, text) of each YAML document, split at `---`/`...` lines.

    Read in blocks and split with one regex scan per block, so memory stays
    bounded by the largest document and no Python code runs per line."""
    doc: list[str] = []
    doc_line = 1  # the line the current document starts on
    line = 1  # the line `pending` starts on
    pending = ""
    while True:
        block = stream.read(_BLOCK)
        text = pending + block
        cut = len(text) if not block else text.rfind("\n") + 1  # whole lines only
        scan, pending = text[:cut], text[cut:]
        pos, pos_line = 0, line
        for m in _MARKER.finditer(scan):
            doc.append(scan[pos:m.start()])
            marker_line = pos_line + scan.count("\n", pos, m.start())
            if "".join(doc):
                yield doc_line, "".join(doc)
            # Content after `--- ` on the marker line belongs to the new document.
            rest = (m.group(2) or "").strip() if m.group(1) == "---" else ""
            doc = [rest + "\n"] if rest else []
            doc_line = marker_line if rest else marker_line + 1
            pos, pos_line = min(m.end() + 1, len(scan)), marker_line + 1
        doc.append(scan[pos:])
        line = pos_line + scan.count("\n", pos)
        if not block:
            break
    if "".join(doc):
        yield doc_line, "".join(doc)


def _json_documents(text: str) -> Iterator[tuple[int, Any]]:
    """Concatenated JSON values: (start line, value); raises ValueError with a line."""
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        line = text.count("\n", 0, pos) + 1
        value, pos = decoder.raw_decode(text, pos)
        yield line, value


def _parse_yaml(text: str, start: int) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = start + (mark.line if mark else 0)
        raise ValueError(f"malformed YAML at line {line}: {err.problem or err.context}") from None
    except yaml.YAMLError as err:
        raise ValueError(f"malformed YAML: {err}") from None


def _raw_documents(display: str, stream: IO[str]) -> Iterator[tuple[Source, Any, str | None]]:
    head = stream.read(4096)
    rest = stream.read() if head.lstrip().startswith(("{", "[")) else None
    if rest is not None:
        text = head + rest
        try:
            for index, (line, value) in enumerate(_json_documents(text)):
                yield Source(display, index, line), value, None
        except ValueError as err:
            yield Source(display, 0, 1), None, f"malformed JSON: {err}"
        return
    stream.seek(0)
    for index, (line, text) in enumerate(_chunks(stream)):
        try:
            yield Source(display, index, line), _parse_yaml(text, line), None
        except ValueError as err:
            yield Source(display, index, line), None, str(err)


def is_json(stream: IO[str]) -> bool:
    """Whether a stream holds JSON (read whole) rather than YAML documents (split);
    the stream is left at its start."""
    head = stream.read(4096)
    stream.seek(0)
    return head.lstrip().startswith(("{", "["))


def yaml_chunks(stream: IO[str]) -> Iterator[tuple[int, int, str]]:
    """(index, start line, text) of each YAML document, unparsed."""
    for index, (line, text) in enumerate(_chunks(stream)):
        yield index, line, text


def chunk_documents(display: str, index: int, line: int, text: str) -> list[Document]:
    """The objects of one YAML document (a List gives several), as `documents` would."""
    source = Source(display, index, line)
    try:
        value = _parse_yaml(text, line)
    except ValueError as err:
        return [Document(source, error=InputError(source.describe(), str(err)))]
    return [] if value is None else list(_objects(source, value))


def _check_object(value: Any, source: Source) -> str | None:
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else f"a {type(value).__name__}"
        return f"not an object (got {kind})"
    if not isinstance(value.get("kind"), str) or not value["kind"]:
        return "object has no kind"
    if not isinstance(value.get("apiVersion"), str) or not value["apiVersion"]:
        return f"{value['kind']} has no apiVersion"
    meta = value.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        return f"{value['kind']}: metadata is not an object"
    return None


def _objects(source: Source, value: Any) -> Iterator[Document]:
    problem = _check_object(value, source)
    if problem:
        yield Document(source, error=InputError(source.describe(), problem))
        return
    if value["kind"].endswith("List") and isinstance(value.get("items"), list):
        for i, item in enumerate(value["items"]):
            src = Source(source.file, source.document, source.line, i)
            problem = _check_object(item, src)
            error = InputError(src.describe(), problem) if problem else None
            yield Document(src, None if problem else item, error)
        return
    yield Document(source, value)


def documents(display: str, stream: IO[str]) -> Iterator[Document]:
    """Every object in a stream, with its source; bad documents carry an error."""
    try:
        for source, value, problem in _raw_documents(display, stream):
            if problem is not None:
                yield Document(source, error=InputError(source.describe(), problem))
            elif value is not None:  # empty documents are ordinary (a trailing ---)
                yield from _objects(source, value)
    except UnicodeDecodeError as err:
        yield Document(Source(display, 0, 1), error=InputError(display, f"not UTF-8 text ({err.reason})"))


def open_input(item: Input, stdin: IO[str] | None) -> IO[str]:
    if item.path == "-":
        assert stdin is not None, "stdin must be spooled before reading"
        stdin.seek(0)
        return stdin
    try:
        return open(item.path, encoding="utf-8", errors="strict")  # noqa: SIM115
    except OSError as err:
        raise InputError(item.display, err.strerror or str(err)) from None


def namespace_objects(display: str, stream: IO[str]) -> Iterator[dict[str, Any]]:
    """The Namespace objects of a stream, parsing only documents that mention one
    (a cheap first pass, so policies are known before any workload is checked)."""
    try:
        head = stream.read(4096)
        stream.seek(0)
        if head.lstrip().startswith(("{", "[")):
            candidates: Iterator[Document] = documents(display, stream)
        else:
            candidates = (
                d for line, text in _chunks(stream) if "Namespace" in text
                for d in _safe_objects(display, line, text)
            )
        for doc in candidates:
            if doc.obj is not None and doc.obj.get("kind") == "Namespace":
                yield doc.obj
    except UnicodeDecodeError:
        return  # reported by the main pass


def _safe_objects(display: str, line: int, text: str) -> Iterator[Document]:
    try:
        value = _parse_yaml(text, line)
    except ValueError:
        return  # reported by the main pass
    if value is not None:
        yield from _objects(Source(display, 0, line), value)


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
    try:
        with open(path, encoding="utf-8") as f:
            docs = [d for d in documents(path, f)]
    except OSError as err:
        raise InputError(path, err.strerror or str(err)) from None
    if len(docs) != 1:
        raise InputError(path, f"expected one document, found {len(docs)}")
    if docs[0].error is not None:
        raise docs[0].error
    return docs[0].obj

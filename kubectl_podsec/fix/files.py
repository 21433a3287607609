"""The fix use case over files: each document planned, changed documents
rewritten in place of the old text, everything else kept byte for byte."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..admission.workloads import TemplateError, carries_pod_spec
from ..errors import InputError
from ..manifests import Document, Source, documents
from ..pss import InvalidPodSpec
from .edits import Operation
from .plan import Plan, Target, plan

_MARKER = re.compile(r"^(---|\.\.\.)([ \t].*)?$")
_BARE = re.compile(r"^(---|\.\.\.)[ \t]*(#.*)?$")


@dataclass(frozen=True)
class ObjectFix:
    source: Source
    object: dict[str, Any]  # the object as read
    namespace: str
    plan: Plan


@dataclass(frozen=True)
class FileFix:
    display: str
    path: str
    original: str
    fixed: str
    objects: tuple[ObjectFix, ...]
    errors: tuple[InputError, ...]
    skipped: int  # objects without a pod template


TargetFor = Callable[[str], Target]  # namespace -> what its objects must pass


def _chunk_documents(display: str, index: int, line: int, text: str) -> list[Document]:
    """The objects of one YAML document of the file, read as `check` reads them,
    their source the document's place in the file."""
    return [d._replace(source=d.source._replace(document=index, line=line),
                       error=_relocated(d, display, index, line))
            for d in documents(display, io.BytesIO(text.encode("utf-8")))]


def segments(text: str) -> Iterator[tuple[bool, int, str]]:
    """(is a document, start line, text) of a YAML stream, concatenating back
    to `text` exactly; a bare `---`/`...` line is a separator of its own."""
    doc: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        bare = line.rstrip("\r\n")
        if _MARKER.match(bare):
            if doc:
                yield True, start, "".join(doc)
            doc = []
            if _BARE.match(bare):
                yield False, number, line
                start = number + 1
            else:  # `--- value`: the marker line opens the document
                doc, start = [line], number
        else:
            doc.append(line)
    if doc:
        yield True, start, "".join(doc)


class Fixer:
    def __init__(self, target_for: TargetFor, also: tuple[str, ...], default_namespace: str,
                 tick: Callable[[], None] = lambda: None) -> None:
        self.target_for = target_for
        self.also = also
        self.default_namespace = default_namespace
        self.tick = tick  # called once per document (progress)

    def fix_text(self, display: str, path: str, text: str) -> FileFix:
        if text.lstrip().startswith(("{", "[")):
            return self._json(display, path, text)
        out, fixes, errors, skipped = [], [], [], 0
        index = 0
        for is_doc, line, chunk in segments(text):
            if not is_doc:
                out.append(chunk)
                continue
            docs = _chunk_documents(display, index, line, chunk)
            index += 1
            self.tick()
            patches, found, bad, skip = self._plan_all(docs)
            fixes += found
            errors += bad
            skipped += skip
            try:
                edited = _edit_yaml(chunk, patches) if patches else chunk
                if patches:
                    _verify(_chunk_documents(display, index - 1, line, edited), docs, patches)
                out.append(edited)
            except ValueError as err:  # a document the round trip cannot take: left as it is
                out.append(chunk)
                errors.append(InputError(Source(display, index - 1, line).describe(), str(err)))
                fixes = [f for f in fixes if f not in found]
        return FileFix(display, path, text, "".join(out), tuple(fixes), tuple(errors), skipped)

    def _json(self, display: str, path: str, text: str) -> FileFix:
        decoder = json.JSONDecoder()
        out, fixes, errors, skipped = [], [], [], 0
        pos, index = 0, 0
        while pos < len(text):
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            if start >= len(text):
                break
            line = text.count("\n", 0, start) + 1
            try:
                value, end = decoder.raw_decode(text, start)
            except ValueError as err:
                errors.append(InputError(Source(display, index, line).describe(), f"malformed JSON: {err}"))
                break
            docs = [d._replace(source=d.source._replace(file=display, document=index, line=line),
                               error=_relocated(d, display, index, line))
                    for d in documents(display, io.BytesIO(text[start:end].encode("utf-8")))]
            patches, found, bad, skip = self._plan_all(docs)
            self.tick()
            fixes += found
            errors += bad
            skipped += skip
            out.append(text[pos:start] + _edited_json(text[start:end], value, patches))
            pos, index = end, index + 1
        out.append(text[pos:])
        return FileFix(display, path, text, "".join(out), tuple(fixes), tuple(errors), skipped)

    def _plan_all(self, docs: list[Document]) -> tuple[list[tuple[str, tuple[Operation, ...]]],
                                                       list[ObjectFix], list[InputError], int]:
        patches, found, errors, skipped = [], [], [], 0
        for doc in docs:
            if doc.error is not None or doc.obj is None:
                errors.append(doc.error or InputError(doc.source.describe(), "empty"))
                continue
            obj = doc.obj
            if not carries_pod_spec(str(obj.get("kind")), str(obj.get("apiVersion"))):
                skipped += 1
                continue
            try:
                fix = self._plan_one(doc.source, obj)
            except InputError as err:
                errors.append(err)
                continue
            if fix is None:
                skipped += 1
                continue
            found.append(fix)
            if fix.plan.operations:
                prefix = "" if doc.source.item is None else f"/items/{doc.source.item}"
                patches.append((prefix, fix.plan.operations))
        return patches, found, errors, skipped

    def _plan_one(self, source: Source, obj: dict[str, Any]) -> ObjectFix | None:
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") if isinstance(meta, dict) else None
        namespace = namespace if isinstance(namespace, str) and namespace else self.default_namespace
        try:
            result = plan(obj, self.target_for(namespace), self.also)
        except (TemplateError, InvalidPodSpec) as err:
            raise InputError(f"{source.describe()}: {obj.get('kind')}", str(err)) from None
        return None if result is None else ObjectFix(source, obj, namespace, result)


def _edited_json(text: str, value: Any, patches: list[tuple[str, tuple[Operation, ...]]]) -> str:
    """One JSON value's text with the patches applied, checked to read back as planned."""
    if not patches:
        return text
    from .document import apply_patch, edit_json

    edited = edit_json(text, value, patches)
    expected = value
    for prefix, ops in patches:
        expected = apply_patch(expected, ops, prefix)
    assert json.loads(edited) == expected, "the JSON written reads back as planned"
    return edited


def _verify(written: list[Document], docs: list[Document], patches: list[tuple[str, tuple[Operation, ...]]]) -> None:
    """The text written must read back as exactly the planned objects: checked
    each time, so a layout the editor mishandles is never written."""
    from .document import apply_patch

    ops = {prefix: p for prefix, p in patches}
    expected = [None if d.obj is None else
                apply_patch(d.obj, ops.get("" if d.source.item is None else f"/items/{d.source.item}", ()))
                for d in docs]
    if [d.obj for d in written] != expected:
        raise ValueError("cannot rewrite this document keeping its layout: it would not read back as planned")


def _relocated(doc: Document, display: str, index: int, line: int) -> InputError | None:
    if doc.error is None:
        return None
    where = Source(display, index, line, doc.source.item).describe()
    return InputError(where, doc.error.message)


def _edit_yaml(chunk: str, patches: list[tuple[str, tuple[Operation, ...]]]) -> str:
    from .yaml_text import edit_yaml  # ruamel.yaml, only when something changes

    from ruamel.yaml.error import YAMLError

    try:
        if "\r\n" in chunk:  # the round trip writes \n: edit with \n, give the lines their \r\n back
            return edit_yaml(chunk.replace("\r\n", "\n"), patches).replace("\n", "\r\n")
        return edit_yaml(chunk, patches)
    except YAMLError as err:
        problem = str(getattr(err, "problem", "") or err).strip()
        raise ValueError(f"cannot rewrite this document keeping its layout: {problem}") from None

"""The manifest loader: documents, Lists, JSON, and bad input named precisely."""

from __future__ import annotations

import io
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_podsec.errors import InputError
from kubectl_podsec.manifests import Input, Source, documents, expand, input_documents, input_namespaces
from kubectl_podsec.pss import Evaluator
from kubectl_podsec.admission.policy import PolicyResolver
from kubectl_podsec.check.checker import Checker


def docs(text: str) -> list:
    return list(documents("f.yaml", io.BytesIO(text.encode("utf-8", "surrogatepass"))))


def test_multi_document_yaml_with_sources() -> None:
    out = docs("---\napiVersion: v1\nkind: Pod\n---\n\n---\n# c\napiVersion: v1\nkind: Service\n...\n")
    assert [(d.source.document, d.source.line, d.obj["kind"]) for d in out] == [
        (0, 2, "Pod"), (2, 7, "Service")]


def test_content_on_the_marker_line() -> None:
    (d,) = docs("--- {apiVersion: v1, kind: Pod}\n")
    assert d.obj == {"apiVersion": "v1", "kind": "Pod"}


def test_list_is_flattened_with_item_indexes() -> None:
    out = docs("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod}\n- {kind: Pod}\n")
    assert out[0].obj["kind"] == "Pod" and out[0].source.item == 0
    assert out[1].error is not None and "item 1" in str(out[1].error)
    assert "Pod has no apiVersion" in str(out[1].error)


def test_json_stream_and_json_list() -> None:
    text = '{"apiVersion": "v1", "kind": "Pod"}\n{"apiVersion": "v1", "kind": "PodList", "items": [{"apiVersion": "v1", "kind": "Pod"}]}'
    out = docs(text)
    assert [(d.source.document, d.source.line, d.source.item) for d in out] == [(0, 1, None), (1, 2, 0)]


def test_timestamps_stay_strings() -> None:
    (d,) = docs("apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: 2024-01-01T00:00:00Z\n")
    assert d.obj["metadata"]["creationTimestamp"] == "2024-01-01T00:00:00Z"


def test_malformed_document_does_not_hide_the_next() -> None:
    out = docs("apiVersion: v1\nkind: Pod\n---\nkind: [\n---\napiVersion: v1\nkind: Service\n")
    assert out[0].obj is not None and out[2].obj is not None
    assert out[1].error is not None
    assert str(out[1].error).startswith("f.yaml: document 1 (line 4): malformed YAML at line 5")


def test_not_utf8(tmp_path: pathlib.Path) -> None:
    f = tmp_path / "bin.yaml"
    f.write_bytes(b"kind: Pod\n\xff\xfe\n")
    (d,) = [d for i in expand([str(f)], False) for d in input_documents(i)]
    assert d.error is not None
    assert str(d.error) == (f"{f}: document 0 (line 1): not UTF-8 text at line 2, byte 10 "
                            "(byte 0xff: invalid start byte)")


def test_expand_directories(tmp_path: pathlib.Path) -> None:
    (tmp_path / "a.yaml").write_text("")
    (tmp_path / "b.txt").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.json").write_text("")
    assert [i.display for i in expand([str(tmp_path)], False)] == [str(tmp_path / "a.yaml")]
    assert [i.display for i in expand([str(tmp_path)], True)] == [
        str(tmp_path / "a.yaml"), str(tmp_path / "sub" / "c.json")]
    (tmp_path / "empty").mkdir()
    (empty,) = expand([str(tmp_path / "empty")], False)
    assert empty.problem == "no manifests (.yaml, .yml, .json) in directory (use -R to recurse)"


def test_namespace_prepass_reads_only_namespaces() -> None:
    text = "apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nbad: [\n"
    item = Input("f", "f", text.encode())
    assert [n["metadata"]["name"] for n in input_namespaces(item)] == ["a"]


_checker = Checker(Evaluator(), PolicyResolver())
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
_json = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["kind", "apiVersion", "metadata", "spec", "template", "containers", "name",
         "securityContext", "volumes", "items", "annotations", "jobTemplate", "hostNetwork",
         "privileged", "capabilities", "add", "ports", "hostPort"]), inner, max_size=5)), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_documents_or_named_errors(text: str) -> None:
    for d in docs(text):
        assert (d.obj is None) != (d.error is None)


@settings(max_examples=400, deadline=None)
@given(_json, st.sampled_from(["Pod", "Deployment", "CronJob", "ReplicationController", "List"]))
def test_any_object_is_checked_or_rejected_cleanly(body: object, kind: str) -> None:
    obj = {"apiVersion": "batch/v1" if kind == "CronJob" else "apps/v1" if kind == "Deployment" else "v1",
           "kind": kind}
    if isinstance(body, dict):
        obj.update({k: v for k, v in body.items() if k not in ("kind", "apiVersion")})
    try:
        _checker.check(obj, Source("f", 0, 1))
    except InputError:
        pass


def _reference_chunks(text: str) -> list[tuple[int, str]]:
    """The plain line-by-line split the block splitter must agree with."""
    out, lines, start = [], [], 1
    for number, line in enumerate(io.StringIO(text), 1):
        marker = line.startswith(("---", "...")) and (len(line) == 3 or line[3] in " \t\r\n")
        if marker:
            if lines:
                out.append((start, "".join(lines)))
            rest = line[3:].strip() if line.startswith("---") else ""
            lines, start = ([rest + "\n"] if rest else []), number + (0 if rest else 1)
        else:
            if not lines:
                start = number
            lines.append(line)
    if lines:
        out.append((start, "".join(lines)))
    return out


_LINES = st.lists(st.sampled_from(
    ["---", "--- a: 1", "...", "---x", "a: 1", "", "  - b", "----", "... ", "k: '---'", "x\r"]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(_LINES, st.booleans(), st.sampled_from([1, 3, 7, 1 << 20]))
def test_block_splitter_matches_line_split(lines: list[str], final_newline: bool, block: int) -> None:
    from kubectl_podsec.decoding import chunks

    text = "\n".join(lines) + ("\n" if final_newline and lines else "")
    saved, chunks.BLOCK = chunks.BLOCK, block
    try:
        got = [(c.line, c.data.decode()) for c in chunks.chunks(io.BytesIO(text.encode()))]
    finally:
        chunks.BLOCK = saved
    assert got == _reference_chunks(text)

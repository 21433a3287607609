"""JSON read value by value in bounded memory: big Lists item by item, with the
same documents, sources and errors as when the whole text is read at once.

A small block makes every List "big" (it runs past what is read), so the item
by item path is taken; a block larger than the input reads each value whole.
"""

from __future__ import annotations

import io
import json
import pathlib
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kubectl_podsec.decoding import text as text_module
from kubectl_podsec.decoding.jsonstream import Items
from kubectl_podsec.decoding.streams import raw_documents
from kubectl_podsec.manifests import Input, documents, input_namespaces, input_pieces, piece_documents

BLOCKS = (5, 64, 1 << 20)


def pod(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "x"},
            "spec": {"containers": [{"name": "c", "image": "r\u00e9g/\u4e2d:1"}]}}


PODS = [json.dumps(pod(f"p{i}"), ensure_ascii=i % 2 == 0) for i in range(4)]


def pod_list(items: list[str], kind: str = "List", items_first: bool = False) -> str:
    if items_first:  # as kubectl writes it: keys sorted
        return '{"apiVersion": "v1", "items": [\n%s\n], "kind": "%s", "metadata": {}}' % (",\n".join(items), kind)
    return '{"apiVersion": "v1", "kind": "%s", "items": [%s]}' % (kind, ", ".join(items))


def read(data: bytes, block: int, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    monkeypatch.setattr(text_module, "BLOCK", block)
    return [(tuple(d.source), d.obj, str(d.error) if d.error else None)
            for d in documents("f.json", io.BytesIO(data))]


CASES = {
    "list": pod_list(PODS),
    "kubectl dump": pod_list(PODS, "PodList", items_first=True),
    "stream": "\n".join(PODS),
    "many small documents": "\n".join(['{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "%d"}}' % i
                                        for i in range(300)]),
    "stream then yaml": "\n".join(PODS[:2]) + "\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: y}\n",
    "malformed item": pod_list(PODS).replace('"p2"', '"p2" x'),
    "infinite number": pod_list(PODS).replace('"p2"', "1e999"),
    "infinite with a short exponent": pod_list(PODS).replace('"p2"', "1" * 250 + "e80"),
    "NaN (read as YAML)": pod_list(PODS).replace('"p1"', "NaN"),
    "not a List": pod_list(PODS, "Foo"),
    "not a List, then a List": pod_list(PODS, "Foo") + "\n" + pod_list(PODS, items_first=True),
    "no apiVersion": '{"kind": "PodList", "items": [%s]}' % ", ".join(PODS),
    "items twice": '{"apiVersion": "v1", "kind": "List", "items": [%s], "items": [%s]}' % (PODS[0], PODS[1]),
    "items then null": '{"apiVersion": "v1", "kind": "List", "items": [%s], "items": null}' % PODS[0],
    "items not objects": pod_list(["1", '"x"', "null", PODS[0], '{"kind": "Pod"}']),
    "too deep for a Pod": pod_list([PODS[0], '{"apiVersion": "v1", "kind": "Pod", "spec": %s}'
                                    % ('{"a": ' * 120 + "{}" + "}" * 120), PODS[1]]),
    "beyond the recursion limit": pod_list([PODS[0], '{"kind": "Pod", "apiVersion": "v1", "s": %s}'
                                            % ("[" * 1500 + "]" * 1500)]),
    "deeper than kubectl reads": pod_list([PODS[0], "[" * 9999 + "]" * 9999]),
    "as deep as kubectl reads": pod_list([PODS[0], "[" * 9998 + "]" * 9998]),
    "one line, broken third value": " ".join(PODS[:2]) + ' {"a": tru} ' + PODS[2],
    "truncated": pod_list(PODS)[:-30],
    "trailing garbage": pod_list(PODS) + "\n]]",
    "empty items": '{"apiVersion": "v1", "kind": "List", "items": [ ]}',
    "numbers": "1 2 345 67",
    "List in a List": pod_list([pod_list(PODS[:2]), PODS[3]]),
    "lone surrogate, big int, 1.0": pod_list(PODS).replace('"p1"', '"\\ud800"').replace('"p2"', "1" * 40)
    .replace('"p3"', "1.0"),
}
BYTES = {
    "BOM": b"\xef\xbb\xbf" + pod_list(PODS, "PodList", items_first=True).encode(),
    "BOM, broken third value": b"\xef\xbb\xbf" + CASES["one line, broken third value"].encode(),
    "bad byte in an item": pod_list(PODS, items_first=True).encode().replace(b"p2", b"p\xff2"),
    "bad byte after": pod_list(PODS).encode() + b"\n\xfe\n",
    "CRLF": pod_list(PODS, "PodList", items_first=True).replace("\n", "\r\n").encode(),
}
ALL = {**{k: v.encode() for k, v in CASES.items()}, **BYTES}


@pytest.mark.parametrize("name", list(ALL))
def test_item_by_item_reads_what_whole_values_read(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = read(ALL[name], 1 << 30, monkeypatch)
    assert whole or name == "empty items"  # every other case gives documents or errors
    for block in BLOCKS:
        assert read(ALL[name], block, monkeypatch) == whole, block


@pytest.mark.parametrize("name", list(ALL))
def test_pieces_for_workers_give_the_same_documents(name: str, tmp_path: pathlib.Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(ALL[name])
    whole = read(ALL[name], 1 << 30, monkeypatch)
    for block in (16, 256):
        monkeypatch.setattr(text_module, "BLOCK", block)
        pieces = [d for p in input_pieces(Input("f.json", str(path))) for d in piece_documents(p)]
        assert [(tuple(d.source), d.obj, str(d.error) if d.error else None) for d in pieces] == whole, block


def test_errors_name_the_place_in_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    for block in BLOCKS:
        got = read(CASES["malformed item"].encode(), block, monkeypatch)
        assert got[0][2] == "f.json: document 0 (line 1): malformed JSON at line 1: Expecting ',' delimiter " \
                            f"(column {CASES['malformed item'].index(' x') + 2})"
        got = read(BYTES["BOM, broken third value"], block, monkeypatch)
        column = CASES["one line, broken third value"].index("tru}") + 2  # 1-based, the BOM counts
        assert got[2][2] == f"f.json: document 2 (line 1): malformed JSON at line 1: Expecting value (column {column})"
        got = read(CASES["too deep for a Pod"].encode(), block, monkeypatch)
        assert [g[0] for g in got] == [("f.json", 0, 1, 0), ("f.json", 0, 1, 1), ("f.json", 0, 1, 2)]
        assert got[1][2].startswith("f.json: document 0 (line 1), item 1: spec.a.a.a")


def test_a_big_list_comes_item_by_item(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_module, "BLOCK", 4096)
    data = pod_list([json.dumps(pod(f"p{i}")) for i in range(2000)], "PodList", items_first=True).encode()
    ((index, line, value, problem),) = raw_documents(io.BytesIO(data))
    assert isinstance(value, Items) and problem is None
    assert value.header == {"kind": "PodList", "apiVersion": "v1", "metadata": {}}
    assert [json.loads(t)["metadata"]["name"] for t in value.texts] == [f"p{i}" for i in range(2000)]


def test_namespaces_in_a_big_list(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_module, "BLOCK", 64)
    spelled = '{"apiVersion": "v1", "kind": "\\u004eamespace", "metadata": {"name": "b"}}'
    path = tmp_path / "f.json"
    path.write_text(pod_list([PODS[0], '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}',
                              spelled], items_first=True))
    assert [ns["metadata"]["name"] for ns in input_namespaces(Input("f.json", str(path)))] == ["a", "b"]


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                     max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(_JSON, min_size=1, max_size=4), st.booleans(), st.integers(0, 40), st.sampled_from([3, 7, 50]))
@example([{"": None, "0\x80": None, "\r\U00010000": None}, [], 0.0], False, 0, 3)  # a number cut at `0.`
@example([1.5e-07, 12], False, 0, 3)
def test_any_json_reads_the_same_in_any_block(items: list[Any], as_list: bool, cut: int, block: int) -> None:
    texts = [json.dumps(i, ensure_ascii=False, allow_nan=True) for i in items]
    text = pod_list(texts, "ThingList") if as_list else "\n".join(texts)
    data = text.encode("utf-8", "surrogatepass")
    data = data[:len(data) - cut] if cut < len(data) else data
    with pytest.MonkeyPatch.context() as mp:
        assert read(data, block, mp) == read(data, 1 << 30, mp)


SPACE = st.text(alphabet=" \t\r\n", max_size=4)
# Written as they are: numbers beyond a double (or not), digits that are not ASCII.
RAW = st.sampled_from(["1e999", "1E+0400", "-2e308", "1e-400", "1" * 320, "1" * 310 + ".5", "1" * 250 + "e80",
                      '"\u0661\u0662e\u0663\u0664\u0665"'])


def _item_text(item: Any) -> str:
    return item[1] if isinstance(item, tuple) else json.dumps(item, ensure_ascii=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_JSON | RAW.map(lambda raw: ("raw", raw)), SPACE, SPACE), min_size=1, max_size=5),
       SPACE, st.sampled_from([3, 7, 50]))
@example([(1, "", ""), (23, " ", "\n"), (456, "\r\n", "\t")], " ", 3)  # numbers ending where a block ends
@example([(("raw", "1e999"), "", ""), ({"a": 1}, "", "")], "", 7)  # an infinite item: the List is read whole
def test_lists_with_any_space_between_items_read_the_same_in_any_block(
        items: list[tuple[Any, str, str]], end: str, block: int) -> None:
    texts = [f"{before}{_item_text(item)}{after}" for item, before, after in items]
    # The newline ends the text: read in one block, the List is decoded whole (the reference).
    data = ('{"apiVersion": "v1", "kind": "ThingList", "items": [%s%s]}\n' % (",".join(texts), end)).encode()
    with pytest.MonkeyPatch.context() as mp:
        assert read(data, block, mp) == read(data, 1 << 30, mp)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet="ab{[]}\"\\ ", max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=12)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(_json_values, st.sampled_from(("", "1e999", "NaN", "-Infinity", "9" * 5000, "[" * 3 + "]" * 3)))
@example({"a": [1]}, "[" * 12000 + "]" * 12000)
def test_an_item_read_without_the_settling_walk_is_the_walks(value: Any, odd: str) -> None:
    """decoded() skips shape.settle where the C decoder read every number finite: the same
    value or problem as the walk, and a depth the walk's is within."""
    from kubectl_podsec.decoding.jsonstream import decoded, settled
    from kubectl_podsec.decoding.parse import DecodeError, json_value
    from kubectl_podsec.decoding.shape import ShapeError

    text = json.dumps({"v": value, "odd": None}).replace("null}", (odd or "null") + "}")
    try:
        walked: Any = settled(json_value(text)[0])
    except (DecodeError, ShapeError) as err:
        walked = (None, str(err))
    got, problem = decoded(text)
    assert problem == walked[1]
    if got is not None:
        assert walked[0] is not None and got[0] == walked[0][0]
        assert got[1] >= walked[0][1] == _depth(got[0])

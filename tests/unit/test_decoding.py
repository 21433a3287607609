"""Decoding within kubectl's limits: depth, aliases, JSON form, byte offsets."""

from __future__ import annotations

import io

import pytest

from kubectl_podsec.decoding import chunks, shape
from kubectl_podsec.decoding.parse import DecodeError, json_value, yaml_value
from kubectl_podsec.decoding.streams import raw_documents


def values(text: bytes) -> list[tuple[int, int, object, str | None]]:
    return [(i, line, v[0] if v else None, p) for i, line, v, p in raw_documents(io.BytesIO(text))]


@pytest.mark.parametrize("decoded,ratio", [(1000, 0.99), (400_000, 0.99), (2_200_000, 0.545),
                                           (4_000_000, 0.10), (10**9, 0.10)])
def test_alias_ratio_is_go_yamls(decoded: int, ratio: float) -> None:
    assert shape.allowed_alias_ratio(decoded) == pytest.approx(ratio)


def test_json_depth_is_kubectls() -> None:
    ok = "[" * 10_000 + "]" * 10_000
    assert shape.settle(json_value(ok)[0], False)[1] == 10_000
    with pytest.raises(shape.ShapeError, match="nested more than 10000 levels deep"):
        shape.settle(json_value("[" + ok + "]")[0], False)
    with pytest.raises(shape.ShapeError, match="nested more than 10000 levels deep"):
        json_value("[" * 10**6)


def test_yaml_depth_is_libyamls() -> None:
    assert yaml_value("[" * 1000 + "]" * 1000) is not None
    with pytest.raises(shape.ShapeError, match="nested more than 1000 levels deep"):
        yaml_value("[" * 1001 + "]" * 1001)


def test_aliases_deeper_than_the_text_count_as_expanded() -> None:
    # 20 links: with 200, go-yaml decodes the 900 levels again through each link and stops
    # with "excessive aliasing" (kubectl does; tests/conformance/test_yaml_kubectl.py)
    text = "a: &a " + "[" * 900 + "]" * 900 + "\n" + "".join(
        f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}]\n" for i in range(20)) + "c: " + "[" * 900 + "*b19" + "]" * 900
    value = yaml_value(text)
    assert shape.settle(value, True)[1] == 900 + 20 + 900 + 1


def test_recursive_alias() -> None:
    with pytest.raises(shape.ShapeError, match="contains itself"):
        shape.settle(yaml_value("a: &r [1, *r]"), True)


def test_yaml_values_in_json_form() -> None:
    value = yaml_value("{1: a, 2.5: b, false: c, 1.0e+39: d, s: !!set {x, y}, b: !!binary aGk=, "
                       "t: !!timestamp 2001-12-14, p: !!pairs [a: 1]}")
    assert shape.settle(value, False)[0] == {
        "1": "a", "2.5": "b", "false": "c", ".inf": "d", "s": {"x": None, "true": None}, "b": "hi",
        "t": "2001-12-14", "p": [{"a": 1}]}  # go-yaml ignores a collection's tag
    for bad, message in (("{~: a}", "unsupported map key: None"), ("a: .nan", "nan is not a JSON number")):
        with pytest.raises(shape.ShapeError, match=message):
            shape.settle(yaml_value(bad), False)


def test_json_constants_and_huge_numbers_are_malformed() -> None:
    with pytest.raises(DecodeError, match="NaN is not valid JSON"):
        json_value('{"a": NaN}')
    with pytest.raises(DecodeError, match="malformed YAML"):
        yaml_value("a: !!int " + "9" * 5000)


def test_json_stream_then_yaml() -> None:
    got = values(b'{"kind": "A"}\n{"kind": "B"}\n---\nkind: C\n---\n{kind: D}\n')
    assert got == [(0, 1, {"kind": "A"}, None), (1, 2, {"kind": "B"}, None), (2, 4, {"kind": "C"}, None),
                   (3, 6, {"kind": "D"}, None)]


def test_bad_byte_offsets_count_from_the_file() -> None:
    data = b"a: 1\n--- b: \xff\nc: 2\n---\nd: \xfe\n"
    got = values(data)
    ff, fe = data.index(b"\xff"), data.index(b"\xfe")
    assert got[0] == (0, 1, {"a": 1}, None)
    assert got[1][3] == f"not UTF-8 text at line 2, byte {ff} (byte 0xff: invalid start byte)"
    assert got[2][3] == f"not UTF-8 text at line 5, byte {fe} (byte 0xfe: invalid start byte)"


def test_cut_at_last_marker() -> None:
    assert chunks.cut_at_last_marker(b"a\n---\nb\n---x\nc") == 2
    assert chunks.cut_at_last_marker(b"\0" * 1000) == 0

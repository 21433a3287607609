"""Plain scalars, tags, merges and keys as kubectl reads them (go-yaml v2 via sigs.k8s.io/yaml).

Each expected value is what sigs.k8s.io/yaml v1.6.0 YAMLToJSON gives (with go.yaml.in/yaml/v2
v2.4.4), read back as kubectl sends it; tests/conformance/test_yaml_kubectl.py checks the same
kind of documents against kubectl itself.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubectl_podsec.decoding.metadata import metadata_problem
from kubectl_podsec.decoding.parse import DecodeError, yaml_value
from kubectl_podsec.decoding.shape import ShapeError, _float32_text

SCALARS: list[tuple[str, Any]] = [
    ("y", True), ("Y", True), ("yes", True), ("YES", True), ("yEs", "yEs"), ("n", False), ("NO", False),
    ("on", True), ("On", True), ("oN", "oN"), ("off", False), ("True", True), ("tRUE", "tRUE"),
    ("~", None), ("Null", None), ("nULL", "nULL"), ("", None),
    ("0777", 511), ("0o17", 15), ("0x1F", 31), ("0x_1F", 31), ("0b101", 5), ("-0b101", -5),
    ("0b-101", -5), ("08", 8), ("09.5", 9.5), ("+1", 1), ("-0", 0), ("1_000", 1000), ("1__0", 10),
    ("_1", "_1"), ("1e3", 1000), ("1E3", 1000), ("1.", 1), (".5", 0.5), (".5_5", 0.55), ("._5", "._5"),
    (".5__5", ".5__5"), ("1:20", "1:20"), ("190:20:30.15", "190:20:30.15"), ("1e400", "1e400"),
    ("1e-400", 0), (".INf", ".INf"), ("+.nan", "+.nan"), ("0x", "0x"), ("0", 0), ("00", 0),
    ("9223372036854775807", 9223372036854775807), ("9223372036854775808", 9223372036854776000),
    ("18446744073709551615", 18446744073709552000), ("99999999999999999999", 100000000000000000000),
    ("1e21", 1e21), ("1e-7", 1e-7), ("-0.0", 0), ("1.0", 1), ("0x1g", "0x1g"), ("0o8", "0o8"),
    ("2001-12-14", "2001-12-14"), ("12:30:00", "12:30:00"), ("=", "="), ("<<", "<<"),
]


@pytest.mark.parametrize(("text", "expected"), SCALARS)
def test_plain_scalar(text: str, expected: Any) -> None:
    got = yaml_value(f"v: {text}\n")["v"]
    assert json.dumps(got) == json.dumps(expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("{a: 1, <<: {a: 2}}", {"a": 2}),  # a merge replaces keys set before it
    ("{<<: {a: 2}, a: 1}", {"a": 1}),
    ("{<<: [{a: 1}, {a: 2, b: 3}]}", {"a": 1, "b": 3}),
    ("{'<<': {a: 1}}", {"<<": {"a": 1}}),
    ("{! <<: {a: 1}}", {"a": 1}),
    ("[!!str 5, !!int '0x10', !!float 5, !!bool 'yes', !!null '', ! 5, !foo y, !!binary aGk=]",
     ["5", 16, 5, True, None, "5", "y", "hi"]),
    ("[!!set {a, y}, !!omap [{a: 1}], !!str [1]]", [{"a": None, "true": None}, [{"a": 1}], [1]]),
    ("{1: a, 2.5: b, y: c, 1e3: d, 123456789.0: e, 0.00001: f, 1e20: g, -0.0: h, 1234567.0: i}",
     {"1": "a", "2.5": "b", "true": "c", "1000": "d", "1.2345679e+08": "e", "1e-05": "f", "1e+20": "g",
      "-0": "h", "1.234567e+06": "i"}),
    ("[!!timestamp 2001-1-1, !!timestamp '2001-12-14t21:59:43.10-05:00']",
     ["2001-1-1", "2001-12-14t21:59:43.10-05:00"]),
])
def test_document(text: str, expected: Any) -> None:
    assert json.dumps(yaml_value(text)) == json.dumps(expected)


@pytest.mark.parametrize(("text", "error", "message"), [
    ("{<<: 5}", DecodeError, "map merge requires map or sequence of maps as the value"),
    ("v: !!int 5.0", DecodeError, "cannot decode !!float `5.0` as a !!int"),
    ("v: !!null x", DecodeError, "cannot decode !!str `x` as a !!null"),
    ("v: !!float 18446744073709551615", DecodeError, "cannot decode !!int `18446744073709551615` as a !!float"),
    ("v: !!timestamp 2001-02-29", DecodeError, "cannot decode !!str `2001-02-29` as a !!timestamp"),
    ("v: !!binary aGk", DecodeError, "!!binary value contains invalid base64 data"),
    ("{1: a, '1': b}", ShapeError, 'keys int 1 and "1" (line 1) are both the JSON key "1"'),
    ("{18446744073709551615: a}", ShapeError, "unsupported map key of type uint64"),
    ("a: &x\n  <<: *x\n", DecodeError, "contains itself"),
])
def test_refused(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        yaml_value(text)
    assert message in str(caught.value)


@pytest.mark.parametrize(("value", "text"), [
    (1.0, "1"), (0.1, "0.1"), (100000.0, "100000"), (1000000.0, "1e+06"), (1e-4, "0.0001"),
    (1e-5, "1e-05"), (16777217.0, "1.6777216e+07"), (-2.5, "-2.5"), (3.4e38, "3.4e+38")])
def test_float_keys_are_written_as_go_writes_a_float32(value: float, text: str) -> None:
    assert _float32_text(value) == text


@pytest.mark.parametrize(("meta", "message"), [
    ({"name": False}, "cannot unmarshal bool into Go struct field ObjectMeta.metadata.name of type string"),
    ({"labels": {"b": "x", "a": True}, "uid": 5},
     "cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string"),
    ({"generation": 1e-7}, "cannot unmarshal number 1e-7 into Go struct field ObjectMeta.metadata.generation "
                           "of type int64"),
    ({"finalizers": "x"}, "cannot unmarshal string into Go struct field ObjectMeta.metadata.finalizers "
                          "of type []string"),
    ({"annotations": [1]}, "cannot unmarshal array into Go struct field ObjectMeta.metadata.annotations "
                           "of type map[string]string"),
])
def test_metadata_that_kubectl_refuses(meta: dict[str, Any], message: str) -> None:
    assert metadata_problem({"metadata": meta}) == "unable to decode: json: " + message


def test_metadata_that_kubectl_accepts() -> None:
    assert metadata_problem({"metadata": {"name": "a", "labels": {"a": None}, "generation": 3}}) is None

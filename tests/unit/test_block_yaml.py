"""The one-pass block reader gives what the exact path gives, or leaves the document to it.

decoding/blockyaml.py reads the common subset of YAML without libyaml. For every document it
answers for, the exact path (libyaml's syntax with go-yaml's rules, decoding/loader.py, then
decoding/shape.py) must give the same value, types and key order included, and the same
depth; and it must never answer for a document the exact path refuses. The corpus: kubectl's
conformance cases, and random block documents built from scalars, keys and layouts at the
subset's edges, then mutated (a character dropped, doubled or replaced, an indentation moved)
so that many fall just outside it or are not YAML at all.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from kubectl_podsec.decoding import blockyaml
from kubectl_podsec.decoding.parse import DecodeError, yaml_value
from kubectl_podsec.decoding.shape import ShapeError, settle
from tests.conformance.test_yaml_kubectl import cases

SCALARS = ["a", "abc def", "1", "-1", "+1", "0777", "0o17", "0x1F", "08", "1e3", "1_000", "1:20", "1e400",
           "2001-12-14", "=", ".5", "1.0", ".inf", "-.inf", ".nan", "y", "n", "yes", "No", "on", "OFF", "true",
           "False", "~", "null", "Null", "<<", "<a>", "a,b", "a]b", "a{b}", "a#b", "a #b", "a: b", "a:b", "a:",
           "-", "- a", "--a", "-a", "?a", ":a", "'q'", "''", "'it''s'", '"d"', '""', '"a\\"b"', '"a #b"',
           '"a: b"', "'a: b'", "!t a", "&x a", "*x", "|", ">", "%a", "@a", "`a", "a'b", 'a"b', "(a)", "$a",
           "18446744073709551615", "9223372036854775808", "1" * 30, "0.1", "1.", "-0", "0b101", "+.5e3",
           "{}", "[]", "[a, b]", "[a,b]", "[ a ]", "[a, b,]", "[a, [b, c]]", "[1, y, '2', \"3\", ~]",
           "{a: b}", "{a: 1, b: [c, d]}", "{a:b}", "{a : b}", "{a: }", "{a, b}", "{y: 1}", "{1: a}",
           "{a: {b: {c: d}}}", "{a: b, a: c}", "{a: [b], a: c}", "{'a': b}", "{a: b} # c", "[a] b", "{a: b", "[{a: b}, {}]",
           "a # c", "1 # c", "# c", "a  #c", "a# c #d", "y # c",
           "{a: [b, {c: 1.5}]}", "[a #b]", "[-]", "[- a]", "[a: b]", "[.inf]", "[0777]", "{a: -1}"]
KEYS = ["a", "b", "c", "name", "a.b/c-d_e", "app.kubernetes.io/name", "y", "n", "on", "yes", "true", "1",
        "1a", "0x1", "null", "~", "<<", "_x", ".x", "-x", "'a'", '"a"', "a b", "a:b", "k" * 1100, "x1"]


def _scalar(rng: random.Random) -> str:
    return rng.choice(SCALARS) if rng.random() < 0.6 else rng.choice(["v", "image:1", "10m", "x-y.z"])


def _mapping(rng: random.Random, indent: int, depth: int, out: list[str], first: str = "") -> None:
    """Lines of a block mapping at `indent`; `first`: what stands before its first key."""
    for i in range(rng.randrange(1, 4)):
        head = first if i == 0 and first else " " * indent
        key = rng.choice(KEYS) if rng.random() < 0.3 else rng.choice(["a", "b", "c", "name"])
        r = rng.random()
        if depth <= 0 or r < 0.5:
            out.append(f"{head}{key}: {_scalar(rng)}")
        elif r < 0.6:
            out.append(f"{head}{key}:" + rng.choice(["", "  # c", " #c"]))  # null, or a block below
        elif r < 0.8:
            out.append(f"{head}{key}:")
            _mapping(rng, indent + rng.choice([1, 2, 4]), depth - 1, out)
        else:
            out.append(f"{head}{key}:")
            _sequence(rng, indent + rng.choice([0, 0, 2, 3]), depth - 1, out)
        if rng.random() < 0.1:
            out.append(rng.choice(["", "# note", " " * indent + "# note", "   "]))


def _sequence(rng: random.Random, indent: int, depth: int, out: list[str]) -> None:
    for _ in range(rng.randrange(1, 4)):
        dash = " " * indent + rng.choice(["- ", "- ", "-  ", "-   "])
        if depth > 0 and rng.random() < 0.5:
            _mapping(rng, len(dash), depth - 1, out, first=dash)
        else:
            out.append(dash + _scalar(rng))


def _document(rng: random.Random) -> str:
    lines: list[str] = []
    _mapping(rng, 0, rng.randrange(1, 5), lines)
    text = "\n".join(lines) + rng.choice(["\n", "", "\n\n", "  \n"])
    for _ in range(rng.choice([0, 0, 0, 1, 2])):  # mutations: most documents are left whole
        at = rng.randrange(len(text))
        text = rng.choice([text[:at] + text[at + 1:], text[:at] + text[at] + text[at:],
                           text[:at] + rng.choice(" -:#{}[],'\"\t\r\né*&!|>") + text[at + 1:],
                           text[:at] + " " + text[at:]])
    return text


def _exact(text: str) -> tuple[Any, int] | None:
    try:
        return settle(yaml_value(text), "*" in text)
    except (DecodeError, ShapeError):
        return None


def _same(text: str) -> bool:
    """Whether the block reader agrees with the exact path (or leaves `text` to it); True
    only when the block reader answered, False when it did not."""
    quick = blockyaml.read(text)
    if quick is None:
        return False
    exact = _exact(text)
    assert exact is not None, f"read a document the exact path refuses:\n{text}"
    assert (repr(quick[0]), quick[1]) == (repr(exact[0]), exact[1]), text  # repr tells 1 from True
    return True


def test_random_block_documents_read_as_the_exact_path_reads_them() -> None:
    rng = random.Random(20261203)
    answered = sum(_same(_document(rng)) for _ in range(10000))
    assert answered > 2000, answered  # the subset is really exercised


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_conformance_documents_read_as_the_exact_path_reads_them(case: Any) -> None:
    _same(case.text)


def test_manifests_in_the_usual_style_are_read_here() -> None:
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web  \n  labels: {app: web}\n"
            "  annotations:\n    note: \"a: #b\"\n# a comment\nspec:\n  replicas: 3\n  template:\n"
            "    spec:\n      containers:\n      - name: app\n        image: nginx:1.27\n"
            "        args: [\"--port\", '8080', -v]\n        ports:\n        -   containerPort: 80\n"
            "        securityContext:\n          capabilities: {drop: [ALL]}\n      volumes: []\n")
    assert _same(text)
    value, depth = blockyaml.read(text) or ({}, 0)
    assert value["spec"]["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 80}]
    assert value["metadata"]["name"] == "web" and depth == 9


@pytest.mark.parametrize("text", [
    "a: b\n  c\n",  # a multi-line scalar
    "a: |\n  x\n",  # a block scalar
    "a: &x b\nc: *x\n",  # an anchor and an alias
    "a: !!str 1\n",  # a tag
    "a: b\tc\n",  # a tab
    "a: é\n",  # Unicode
    "- a\n",  # not a mapping
    "  a: b\n",  # not at column 0
    "a: {b: c,\n  d: e}\n",  # a flow collection over two lines
    "y: 1\n",  # a key go-yaml reads as a boolean
    "a: .inf\n",  # not a JSON number
    "a: 'b' # c\n",  # a comment after a quoted value
    "",  # nothing
])
def test_documents_outside_the_subset_are_left_to_the_exact_path(text: str) -> None:
    assert blockyaml.read(text) is None


def test_remembered_flow_collections_are_fresh_containers() -> None:
    first = blockyaml.read("a: {b: [c]}\n")
    second = blockyaml.read("a: {b: [c]}\n")
    assert first is not None and second is not None and first == second
    assert first[0]["a"] is not second[0]["a"] and first[0]["a"]["b"] is not second[0]["a"]["b"]
    first[0]["a"]["b"].append("changed")  # callers may change what they were given
    second[0]["a"]["b"].append("changed")
    assert blockyaml.read("a: {b: [c]}\n") == ({"a": {"b": ["c"]}}, 3)

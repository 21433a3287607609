"""The loader's walk over libyaml's node tree builds what PyYAML's constructor builds.

decoding/loader.py builds values with `Walk`, a loop that fills containers in the order
PyYAML's `construct_document` fills them, so that a document with several errors is refused
for the same one. PyYAML's constructor, with the same rules, still reads the documents that
go to the Python parser; here both read the same node trees, from both parsers, and must give
the same values (types, and which containers are one object) and the same errors. The corpus:
kubectl's conformance cases and random documents with anchors, aliases (some recursive),
merges, tags, typed keys and scalars that are refused, anywhere in the tree.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
import yaml

from kubectl_podsec.decoding.loader import GoLoader, GoPythonLoader, Walk
from kubectl_podsec.decoding.parse import yaml_value
from tests.conformance.test_yaml_kubectl import cases

SCALARS = ["a", "1", "'1'", "1.5", "y", "~", "", "!!int x", "!!int 5", "!!float 3", "!!str 5", "! 5",
           "!foo z", "!!binary aGk=", "!!binary aGk", "18446744073709551615", "0x1F", "<<", "1e400", ".nan",
           "!!timestamp 2001-02-29", "!!map x", "!!seq ''"]
KEYS = ["a", "b", "1", "'1'", "2.0", "2", "y", "'true'", "~", "<<", "<<", "!!merge <<", "'<<'",
        "18446744073709551615", "!!int x", ".nan", "!!str 1"]


def _random(rng: random.Random, depth: int, anchors: list[str]) -> str:
    r = rng.random()
    if anchors and r < 0.12:
        return "*" + rng.choice(anchors)
    name = f"a{len(anchors)}x{rng.randrange(100)}" if rng.random() < 0.15 else None
    if depth <= 0 or r < 0.45:
        text = rng.choice(SCALARS)
        if name and not text.startswith("!"):
            anchors.append(name)
            return f"&{name} {text}"
        return text
    if name and rng.random() < 0.3:
        anchors.append(name)  # before its value: an alias inside it is recursive
    if r < 0.7:
        body = ", ".join(_random(rng, depth - 1, anchors) for _ in range(rng.randrange(4)))
        text = f"[{body}]"
    else:
        pairs = []
        for _ in range(rng.randrange(4)):
            key = rng.choice(KEYS) if rng.random() < 0.85 else _random(rng, 1, anchors)
            value = _random(rng, depth - 1, anchors)
            if key.endswith("<<") and anchors and rng.random() < 0.6:
                value = "[" + ", ".join("*" + rng.choice(anchors) for _ in range(rng.randrange(1, 3))) + "]" \
                    if rng.random() < 0.5 else "*" + rng.choice(anchors)
            pairs.append(f"{key}: {value}")
        text = "{" + ", ".join(pairs) + "}"
    if name and name not in anchors:
        anchors.append(name)
    return f"&{name} {text}" if name else text


def corpus() -> list[str]:
    texts = [case.text for case in cases()]
    for seed in range(3000):
        rng = random.Random(seed)
        texts.append(_random(rng, rng.randrange(1, 6), []))
    return texts


def _shape(value: Any) -> Any:
    """The value with every type told apart and each container numbered by its first place, so
    that two values compare equal only if the same containers are shared (or recursive)."""
    seen: dict[int, int] = {}

    def shape(x: Any) -> Any:
        if type(x) not in (dict, list):
            return type(x).__name__, repr(x)
        if id(x) in seen:
            return "same as", seen[id(x)]
        seen[id(x)] = len(seen)
        items = [(shape(k), shape(v)) for k, v in x.items()] if type(x) is dict else [shape(v) for v in x]
        return type(x).__name__, seen[id(x)], items

    return shape(value)


def _outcome(read: Any) -> Any:
    try:
        return "value", _shape(read())
    except RecursionError:  # PyYAML's Python composer, on deep documents: its text says where
        return "error", "RecursionError"
    except Exception as err:  # noqa: BLE001 - the error itself is compared
        return "error", type(err).__name__, str(err)


def _walked(loader_class: type[Any], text: str) -> Any:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return None if node is None else Walk(loader.merged_aliases).run(node)
    finally:
        loader.dispose()


@pytest.mark.parametrize("loader_class", [GoLoader, GoPythonLoader])
def test_walk_builds_what_pyyaml_constructs(loader_class: type[Any]) -> None:
    texts = corpus()
    differ = []
    errors = 0
    for text in texts:
        pyyaml = _outcome(lambda: yaml.load(text, Loader=loader_class))  # noqa: S506 - plain values
        walked = _outcome(lambda: _walked(loader_class, text))
        errors += pyyaml[0] == "error"
        if walked != pyyaml:
            differ.append(f"{text!r}\n  PyYAML {pyyaml}\n  walk   {walked}")
    assert not differ, f"{len(differ)} of {len(texts)} documents differ:\n" + "\n".join(differ[:5])
    assert 0 < errors < len(texts)  # both kinds of outcome were compared


def test_a_document_the_python_parser_reads_may_nest_as_deep_as_libyaml_allows() -> None:
    # `!` sends the document to PyYAML's Python parser, whose composer recurses per level
    value = yaml_value("[" * 999 + "! 5" + "]" * 999)
    for _ in range(999):
        assert type(value) is list and len(value) == 1
        value = value[0]
    assert value == "5"

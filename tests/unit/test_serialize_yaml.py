"""`-o yaml` writes what PyYAML's safe dumper writes, byte for byte.

render/serialize.py represents plain values itself and remembers scalar tags, to write large
reports faster; here its text is compared with that of the plain dumper (the same options,
the same enum rule) over random documents built to reach the dumper's choices: scalar styles
(strings that look like numbers, booleans or nulls, indicators, spaces at the ends, line
breaks, Unicode, long text), keys that are not strings, empty and nested containers, a
container met twice (an alias), enums, floats and tuples.
"""

from __future__ import annotations

import enum
import random
from typing import Any

import yaml

from kubectl_podsec.render.serialize import dump_yaml


class _Colour(enum.Enum):
    RED = "red"
    ONE = 1


class _Mode(str, enum.Enum):
    ENFORCE = "enforce"


class _Reference(yaml.CSafeDumper):  # type: ignore[misc]
    pass


_Reference.add_multi_representer(enum.Enum, lambda dumper, value: dumper.represent_data(value.value))

STRINGS = ["", "a", "abc def", " a", "a ", "true", "True", "yes", "no", "on", "null", "~", "1", "0777", "1.5",
           "1e3", ".inf", "-", "- a", "a: b", "a:b", "#a", "a #b", "&a", "*a", "!a", "|", ">", "%a", "@a", "`a",
           "'a'", '"a"', "a\nb", "a\n", "\n", "a\tb", "é", "日本", "\u2028", "\x85", "a\\b", "{a}", "[a]", "a,b",
           "?", ":", "x" * 200, "2001-12-14", "<<", "=", "0x1F", "1_000", "+1", "-.5", "null ", "a  b"]


def _value(rng: random.Random, depth: int, seen: list[Any]) -> Any:
    r = rng.random()
    if seen and r < 0.05:
        return rng.choice(seen)  # a container met again: an alias
    if depth <= 0 or r < 0.5:
        return rng.choice([rng.choice(STRINGS), rng.choice(STRINGS), rng.randrange(-5, 10**20), True, False, None,
                           1.5, float("inf"), _Colour.RED, _Colour.ONE, _Mode.ENFORCE, (1, "a")])
    if r < 0.75:
        made: Any = [_value(rng, depth - 1, seen) for _ in range(rng.randrange(4))]
    else:
        keys = [rng.choice(STRINGS), rng.randrange(3), True, None, 2.5]
        made = {rng.choice(keys) if rng.random() < 0.2 else rng.choice(STRINGS): _value(rng, depth - 1, seen)
                for _ in range(rng.randrange(4))}
    seen.append(made)
    return made


def _reference(data: Any) -> str:
    return str(yaml.dump(data, Dumper=_Reference, sort_keys=False, allow_unicode=True, width=1 << 30))


def test_random_documents_are_written_as_the_plain_dumper_writes_them() -> None:
    rng = random.Random(20261203)
    for _ in range(3000):
        data = [_value(rng, 4, [])]
        assert dump_yaml(data) == _reference(data), data


def test_a_report_is_written_as_the_plain_dumper_writes_it() -> None:
    shared = {"reason": "allowPrivilegeEscalation != false", "detail": 'container "app" must set it'}
    report = {"apiVersion": "podsec.kubectl.io/v1alpha1", "kind": "CheckReport",
              "results": [{"object": {"kind": "Pod", "name": "p"}, "forbidden": [shared, shared], "warnings": []},
                          {"object": {"kind": "Pod", "name": "q"}, "forbidden": [], "allowed": True}]}
    assert dump_yaml(report) == _reference(report)
    assert "&id001" in dump_yaml(report)  # the shared mapping is an anchor and an alias, as before

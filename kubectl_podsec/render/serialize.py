"""The one serialiser of every `-o json|yaml` document, and the product's
apiVersion. Documents are plain data built by the renderers; `document`
stamps them with the version and kind."""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Mapping
from typing import Any

API_VERSION = "podsec.kubectl.io/v1alpha1"


_RESOLVED_KEPT, _RESOLVED_TEXT = 4096, 64  # scalar tags remembered: results repeat their words


@functools.cache
def _dumper() -> Any:
    """The safe dumper (C where built), writing an enum as its value; made on first use, so
    that commands writing no YAML do not import it. Plain values (str, int, bool, None, dict,
    list) are represented as PyYAML's SafeRepresenter represents them, without its dispatch
    per node, and scalar tags are remembered: the same nodes, the same text, at about half the
    cost (tests/unit/test_serialize_yaml.py compares the two byte for byte)."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    tags = {kind: "tag:yaml.org,2002:" + kind for kind in ("str", "int", "bool", "null", "map", "seq")}
    resolved: dict[tuple[str, Any], str] = {}

    class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        def represent_data(self, data: Any) -> Any:
            kind = type(data)
            if kind is str:
                return ScalarNode(tags["str"], data)
            if (kind is dict or kind is list) and self.default_flow_style is not None:
                return self._container(data)
            if kind is bool:
                return ScalarNode(tags["bool"], "true" if data else "false")
            if kind is int:
                return ScalarNode(tags["int"], str(data))
            if data is None:
                return ScalarNode(tags["null"], "null")
            return super().represent_data(data)

        def _container(self, data: Any) -> Any:
            """A mapping or sequence node, once per object (a second sight is an alias)."""
            node = self.represented_objects.get(id(data))
            if node is not None:
                return node
            self.object_keeper.append(data)
            items: list[Any] = []
            if type(data) is dict:
                node = MappingNode(tags["map"], items, flow_style=self.default_flow_style)
                self.represented_objects[id(data)] = node
                items += [(self.represent_data(k), self.represent_data(v)) for k, v in data.items()]
            else:
                node = SequenceNode(tags["seq"], items, flow_style=self.default_flow_style)
                self.represented_objects[id(data)] = node
                items += [self.represent_data(v) for v in data]
            return node

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is not ScalarNode:
                return super().resolve(kind, value, implicit)
            tag = resolved.get((value, implicit))
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(resolved) < _RESOLVED_KEPT and len(value) <= _RESOLVED_TEXT:
                    resolved[(value, implicit)] = tag
            return tag

        # No path resolvers (SafeDumper has none): builtins taking the same arguments.
        descend_resolver: Any = {}.get
        ascend_resolver: Any = tuple

    Dumper.add_multi_representer(enum.Enum, lambda dumper, value: dumper.represent_data(value.value))
    return Dumper


def document(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A versioned document: apiVersion and kind first, then the fields."""
    return {"apiVersion": API_VERSION, "kind": kind, **fields}


def dump_yaml(data: Any) -> str:
    import yaml

    return str(yaml.dump(data, Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=1 << 30))


def dump(data: Any, output: str) -> str:
    """`-o json` or `-o yaml`."""
    if output == "json":
        return dump_json(data) if isinstance(data, Mapping) else json.dumps(data, indent=2) + "\n"
    return dump_yaml(data)


def dump_json(doc: Mapping[str, Any]) -> str:
    """Indented, but each object in a top-level list on one line: the C encoder
    (which indent= would bypass) keeps a thousand namespaces fast, and each
    line stays greppable."""
    fields = []
    for key, value in doc.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            items = ",\n    ".join(json.dumps(v, ensure_ascii=False) for v in value)
            fields.append(f"  {json.dumps(key)}: [\n    {items}\n  ]")
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
            fields.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(fields) + "\n}\n"

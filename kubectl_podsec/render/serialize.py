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


@functools.cache
def _dumper() -> Any:
    """The safe dumper (C where built), writing an enum as its value; made on first use, so
    that commands writing no YAML do not import it."""
    import yaml

    class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        pass

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

"""Documents to JSON or YAML text, for the commands (the renderers stay free of
serialisation libraries: they are handed `dump_yaml`)."""

from __future__ import annotations

import json
from typing import Any

import yaml

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump_yaml(data: Any) -> str:
    return str(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 30))


def dump(data: Any, output: str) -> str:
    """`-o json` (indented) or `-o yaml`."""
    if output == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return dump_yaml(data)

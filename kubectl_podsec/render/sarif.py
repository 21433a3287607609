"""SARIF 2.1.0: one rule per check ID, a result per violation, located at the
file and document, so CI systems can annotate pull requests."""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..pss import CHECKS, DESCRIPTIONS
from ..report import Result, Skipped, Summary
from .writer import ReportWriter

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_RULE_INDEX = {c.id: i for i, c in enumerate(CHECKS)}


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "id": check.id,
            "name": check.id,
            "shortDescription": {"text": f"Pod Security Standards {check.level.value} check {check.id}"},
            "fullDescription": {"text": DESCRIPTIONS[check.id]},
            "helpUri": "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
            "properties": {"level": check.level.value},
        }
        for check in CHECKS
    ]


def _location(result: Result) -> dict[str, Any]:
    src, ref = result.source, result.object
    logical = {"name": ref.name, "fullyQualifiedName": ref.describe(), "kind": "object"}
    if src.get("cluster"):
        return {"logicalLocations": [logical]}
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": str(src.get("file"))},
            "region": {"startLine": int(src.get("line") or 1)},
        },
        "logicalLocations": [logical],
    }


class SarifWriter(ReportWriter):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._first = True

    def begin(self) -> str:
        return '{\n  "$schema": "%s",\n  "version": "2.1.0",\n  "runs": [\n    {\n      "results": [' % SCHEMA

    def result(self, result: Result) -> str:
        items = []
        for e in result.admission.evaluations:
            blocking = e.mode in ("enforce", "level")
            for v in e.evaluation.violations:
                items.append({
                    "ruleId": v.check,
                    "ruleIndex": _RULE_INDEX[v.check],
                    "level": "error" if blocking else "warning",
                    "message": {"text": f"{result.object.describe()}: {e.mode} "
                                        f"{e.evaluation.level_version}: {v.reason} ({v.detail})"},
                    "locations": [_location(result)],
                    "properties": {"mode": e.mode, "levelVersion": str(e.evaluation.level_version)},
                })
        out = []
        for item in items:
            text = json.dumps(item, ensure_ascii=False)
            out.append(("\n        " if self._first else ",\n        ") + text)
            self._first = False
        return "".join(out)

    def end(self, skipped: list[Skipped], errors: list[str], summary: Summary) -> str:
        tool = {"driver": {"name": "kubectl-podsec", "version": __version__,
                           "informationUri": "https://github.com/kubectl-podsec/kubectl-podsec",
                           "rules": _rules()}}
        tail = json.dumps(tool, indent=2, ensure_ascii=False).replace("\n", "\n      ")
        return ("\n      ],\n" if not self._first else "],\n") + f'      "tool": {tail}\n    }}\n  ]\n}}\n'

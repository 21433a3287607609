"""SARIF 2.1.0: one rule per check ID, a result per violation, located at the
file and document, so CI systems can annotate pull requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .. import __version__
from ..pss import CHECKS, DESCRIPTIONS
from ..check.report import Failure, Rendered, Result, Skipped, Summary, Verdict
from .fixes import fix_hint
from .writer import ReportWriter

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_RULE_INDEX = {c.id: i for i, c in enumerate(CHECKS)}
PSS_HELP = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
PSP_HELP = "https://kubernetes.io/docs/concepts/security/pod-security-policy/"
# With PodSecurityPolicies: a pod no policy admits, and a pod the chosen policy changes.
PSP_RULES = (
    ("PodSecurityPolicy", "error", "No PodSecurityPolicy would admit the pod",
     "No PodSecurityPolicy that the pod's creator or its service account may use would admit "
     "the pod, so the API server would refuse it."),
    ("PodSecurityPolicyMutation", "note", "The PodSecurityPolicy that admits the pod would change it",
     "The pod would be admitted under a PodSecurityPolicy that first sets some of its fields "
     "(its defaults), so the pod that runs differs from the manifest."),
)
_PSP_INDEX = {rule[0]: len(CHECKS) + i for i, rule in enumerate(PSP_RULES)}
# A mode whose policy cannot be known. Listed last, only when used, so it is
# named by ruleId alone (the indices of the other rules do not move).
UNKNOWN_RULE = ("PodSecurityUnknown", "warning",
                "The Pod Security policy of a mode could not be known",
                "The namespace's Pod Security level and version for this mode could not be known (its "
                "labels could not be read, or they leave the mode to cluster defaults that were not "
                "given), so whether the object is admitted, warned about or audited is unknown. "
                "Pass --admission-config, --namespace-labels or --level to make it known.")


# An object the API server's validation rejects. Listed last, only when used, like the unknown rule.
INVALID_RULE = ("InvalidObject", "error", "The API server would reject the object as invalid",
                "The API server's validation rejects the object before Pod Security sees it, so it "
                "is never created: the message is the server's own.")


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "id": check.id,
            "name": check.id,
            "shortDescription": {"text": f"Pod Security Standards {check.level.value} check {check.id}"},
            "fullDescription": {"text": DESCRIPTIONS[check.id]},
            "helpUri": PSS_HELP,
            "properties": {"level": check.level.value},
        }
        for check in CHECKS
    ]


def _unknown_rule() -> dict[str, Any]:
    return _extra_rule(UNKNOWN_RULE)


def _extra_rule(rule: tuple[str, str, str, str]) -> dict[str, Any]:
    rule_id, level, short, full = rule
    return {"id": rule_id, "name": rule_id, "shortDescription": {"text": short},
            "fullDescription": {"text": full}, "helpUri": PSS_HELP, "defaultConfiguration": {"level": level}}


def _psp_rules(rules: tuple[tuple[str, str, str, str], ...] = PSP_RULES) -> list[dict[str, Any]]:
    return [
        {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": short},
            "fullDescription": {"text": full},
            "helpUri": PSP_HELP,
            "defaultConfiguration": {"level": level},
        }
        for rule_id, level, short, full in rules
    ]


def _psp_item(result: Result) -> dict[str, Any] | None:
    """The result's PodSecurityPolicy finding: a denial, or the chosen policy's
    mutations; none when a policy admits the pod as it is."""
    psp = result.psp
    if psp is None or (psp.allowed and not psp.mutations):
        return None
    rule_id = "PodSecurityPolicy" if not psp.allowed else "PodSecurityPolicyMutation"
    if psp.allowed:
        fields = ", ".join(m.path for m in psp.mutations)
        text = f'{result.object.describe()}: PodSecurityPolicy "{psp.chosen}" would admit it after setting {fields}'
    else:
        text = f"{result.object.describe()}: {psp.message}"
    return {
        "ruleId": rule_id,
        "ruleIndex": _PSP_INDEX[rule_id],
        "level": "error" if not psp.allowed else "note",
        "message": {"text": text},
        "locations": [_location(result)],
        "properties": psp.to_dict(),
    }


def _unknown_item(result: Result) -> dict[str, Any] | None:
    """The modes whose policy cannot be known, when that leaves the verdict unknown."""
    if result.verdict is not Verdict.UNKNOWN:
        return None
    unknown = result.admission.unknown
    modes = ", ".join(e.mode.value for e in unknown)
    return {
        "ruleId": UNKNOWN_RULE[0],
        "level": UNKNOWN_RULE[1],
        "message": {"text": f"{result.object.describe()}: {modes}: unknown: {unknown[0].unknown}"},
        "locations": [_location(result)],
        "properties": {"verdict": result.verdict.value, "unknownModes": [e.mode.value for e in unknown]},
    }


def _invalid_items(result: Result) -> list[dict[str, Any]]:
    """One result per field error of an invalid object, the field as its logical location."""
    validation = result.validation
    if validation is None or validation.valid is not False:
        return []
    items = []
    for error in validation.errors:
        location = _location(result)
        location["logicalLocations"] = [{"name": error.field, "fullyQualifiedName":
                                         f"{result.object.describe()}: {error.field}", "kind": "member"}]
        items.append({
            "ruleId": INVALID_RULE[0], "level": INVALID_RULE[1],
            "message": {"text": f"{result.object.describe()}: {validation.message or error.text}"},
            "locations": [location],
            "properties": {"field": error.field, "type": error.type.reason, "detail": error.detail},
        })
    return items


def _location(result: Result) -> dict[str, Any]:
    src, ref = result.source, result.object
    logical = {"name": ref.name, "fullyQualifiedName": ref.describe(), "kind": "object"}
    if src is None:
        return {"logicalLocations": [logical]}
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": src.file},
            "region": {"startLine": src.line or 1},
        },
        "logicalLocations": [logical],
    }


_ITEM_SEPARATOR = ",\n        "  # between results; the first opens with "\n        "
# A result's marks (Rendered.marks): the extra rules the run's rule list must
# include for it, each kind named by its first rule's id.
_PSP_MARK, _UNKNOWN_MARK, _INVALID_MARK = PSP_RULES[0][0], UNKNOWN_RULE[0], INVALID_RULE[0]


def _violation_items(result: Result) -> list[dict[str, Any]]:
    items = []
    for e in result.admission.evaluations:
        blocking, ev = e.mode in ("enforce", "level"), e.evaluation
        if ev is None:
            continue
        for v in ev.violations:
            items.append({
                "ruleId": v.check,
                "ruleIndex": _RULE_INDEX[v.check],
                "level": "error" if blocking else "warning",
                "message": {"text": f"{result.object.describe()}: {e.mode} "
                                    f"{ev.level_version}: {v.reason} ({v.detail})"},
                "locations": [_location(result)],
                "properties": {"mode": e.mode.value, "levelVersion": str(ev.level_version),
                               "fix": fix_hint(v.check, v.detail)},
            })
    return items


def _rendered(result: Result) -> Rendered:
    """The result's SARIF results, one a line, and its marks."""
    items = _violation_items(result)
    psp_item = _psp_item(result)
    if psp_item is not None:
        items.append(psp_item)
    invalid_items = _invalid_items(result)
    items += invalid_items
    unknown_item = _unknown_item(result)
    if unknown_item is not None:
        items.append(unknown_item)
    marks = frozenset(mark for mark, used in ((_PSP_MARK, result.psp is not None),
                                              (_UNKNOWN_MARK, unknown_item is not None),
                                              (_INVALID_MARK, bool(invalid_items))) if used)
    return Rendered(_ITEM_SEPARATOR.join(json.dumps(item, ensure_ascii=False) for item in items), marks)


class SarifWriter(ReportWriter):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._first = True
        self._marks: set[str] = set()  # every result's: their rules are listed too

    def begin(self) -> str:
        return '{\n  "$schema": "%s",\n  "version": "2.1.0",\n  "runs": [\n    {\n      "results": [' % SCHEMA

    def result(self, result: Result) -> str:
        return self.placed(_rendered(result))

    def detached(self) -> Callable[[Result], Rendered]:
        return _rendered

    def placed(self, rendered: Rendered) -> str:
        if rendered.marks:
            self._marks |= rendered.marks
        if not rendered.text:
            return ""
        sep = "\n        " if self._first else _ITEM_SEPARATOR
        self._first = False
        return sep + rendered.text

    def end(self, skipped: list[Skipped], errors: list[Failure], summary: Summary) -> str:
        tool = {"driver": {"name": "kubectl-podsec", "version": __version__,
                           "informationUri": "https://github.com/kubectl-podsec/kubectl-podsec",
                           "rules": _rules() + (_psp_rules() if _PSP_MARK in self._marks else [])
                           + ([_unknown_rule()] if _UNKNOWN_MARK in self._marks else [])
                           + ([_extra_rule(INVALID_RULE)] if _INVALID_MARK in self._marks else [])}}
        tail = json.dumps(tool, indent=2, ensure_ascii=False).replace("\n", "\n      ")
        return ("\n      ],\n" if not self._first else "],\n") + f'      "tool": {tail}\n    }}\n  ]\n}}\n'

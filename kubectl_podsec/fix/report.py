"""What a fix run reports (pure): the FixReport document for `-o json`, the
summary and per-object lines for stderr, and the unified diff."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..pss import Evaluation
from .candidates import ALSO
from .files import FileFix, ObjectFix

API_VERSION = "podsec.kubectl.io/v1alpha1"


@dataclass
class Summary:
    changed: int = 0  # changed, and now passing
    passing: int = 0  # already passing
    unfixable: int = 0  # still failing after the fix
    partly: int = 0  # of those, changed in part
    skipped: int = 0  # no pod template
    errors: int = 0
    rejected: int = 0  # --server: fixed, yet refused by the server
    lines: list[str] = field(default_factory=list)

    def add(self, fix: FileFix) -> None:
        self.skipped += fix.skipped
        self.errors += len(fix.errors)
        for obj in fix.objects:
            if not obj.plan.passes:
                self.unfixable += 1
                self.partly += obj.plan.changed
            elif obj.plan.changed:
                self.changed += 1
            else:
                self.passing += 1

    def text(self) -> str:
        partly = f" ({self.partly} changed in part)" if self.partly else ""
        parts = [f"{self.changed} changed", f"{self.passing} already passing", f"{self.unfixable} not fixable{partly}"]
        if self.skipped:
            parts.append(f"{self.skipped} without a pod template")
        if self.errors:
            parts.append(f"{self.errors} unreadable")
        if self.rejected:
            parts.append(f"{self.rejected} still rejected by the server")
        return "fix: " + ", ".join(parts)

    def to_dict(self) -> dict[str, int]:
        return {"changed": self.changed, "alreadyPassing": self.passing, "notFixable": self.unfixable,
                "notFixableChangedInPart": self.partly,
                "skipped": self.skipped, "errors": self.errors}


def describe(obj: ObjectFix) -> str:
    meta = obj.object.get("metadata") or {}
    name = meta.get("name") or meta.get("generateName") or ""
    return f"{obj.object.get('kind')} {obj.namespace}/{name} ({obj.source.describe()})"


def _evaluation(ev: Evaluation) -> dict[str, Any]:
    return {"allowed": ev.allowed, "level": str(ev.level_version), "resolvedVersion": str(ev.resolved),
            "violations": [{"check": v.check, "reason": v.reason, "detail": v.detail} for v in ev.violations]}


def result(obj: ObjectFix, server: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One object's entry in the FixReport: the patch and what each operation satisfies."""
    meta = obj.object.get("metadata") or {}
    plan = obj.plan
    out: dict[str, Any] = {
        "source": obj.source.to_dict(),
        "object": {"apiVersion": obj.object.get("apiVersion"), "kind": obj.object.get("kind"),
                   "namespace": obj.namespace, "name": meta.get("name") or meta.get("generateName") or ""},
        "before": _evaluation(plan.before),
        "patch": [op.patch() for op in plan.operations],
        "operations": [{**op.patch(), "checks": list(op.checks), **({"also": list(op.also)} if op.also else {}),
                        **({"notes": list(op.notes)} if op.notes else {})} for op in plan.operations],
        "after": _evaluation(plan.after),
        "notFixable": [{"check": u.violation.check, "reason": u.violation.reason, "detail": u.violation.detail,
                        "also": list(u.also)} for u in plan.unfixed],
    }
    if server is not None:
        out["server"] = dict(server)
    return out


def document(results: list[dict[str, Any]], summary: Summary, errors: Sequence[str]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": "FixReport", "results": results,
            "errors": list(errors), "summary": summary.to_dict()}


def object_lines(obj: ObjectFix) -> Iterable[str]:
    """stderr lines for one object: what cannot be fixed, what --also changes,
    and what may keep its containers from starting."""
    where = describe(obj)
    for op in obj.plan.operations:
        for name in op.also:
            yield f"warning: {where}: --also {name}: {ALSO[name]} ({op.op} {op.path}); behaviour changes"
        for note in op.notes:
            if "behaviour changes" not in note:
                yield f"note: {where}: {op.path}: {note}"
    if obj.plan.unfixed:
        yield f"not fixable: {where}: still violates {obj.plan.after.level_version}:"
        for u in obj.plan.unfixed:
            hint = f" [--also {','.join(u.also)}]" if u.also else " [no field change fixes it]"
            yield f"  {u.violation.describe()}{hint}"


def unified_diff(fix: FileFix) -> str:
    if fix.fixed == fix.original:
        return ""
    name = fix.display.lstrip("/")
    return "".join(difflib.unified_diff(fix.original.splitlines(keepends=True), fix.fixed.splitlines(keepends=True),
                                        f"a/{name}", f"b/{name}"))

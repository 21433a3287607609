"""PodSecurityPolicy results to documents and text (pure)."""

from __future__ import annotations

import json
from typing import Any

from ..psp import Admission, Drift, PolicyMapping

_UNSET = "(unset)"


def _value(value: Any) -> str:
    return _UNSET if value is None else json.dumps(value, ensure_ascii=False)


def which_document(subject: str, admission: Admission) -> dict[str, Any]:
    """`psp which -o json|yaml` for one pod."""
    return {
        "object": subject,
        "chosen": admission.policy,
        "allowed": admission.allowed,
        "message": admission.message,
        "mutations": [{"path": m.path, "old": m.old, "new": m.new} for m in admission.mutations],
        "preparation": [{"path": m.path, "old": m.old, "new": m.new} for m in admission.preparation],
        "policies": [
            {
                "name": v.name,
                "authorized": v.authorized,
                "authorizedVia": [s.value for s in v.authorized_via],
                "outcome": v.outcome.value,
                "errors": list(v.errors),
                "passedOver": v.passed_over,
            }
            for v in admission.verdicts
        ],
    }


def which_text(subject: str, admission: Admission) -> str:
    """`psp which` for people: the verdict, every policy and why, and the diff."""
    if admission.ignored:
        return f"{subject}: PodSecurityPolicy does not look at this request ({admission.ignored})\n"
    head = (f'{subject}: admitted under PodSecurityPolicy "{admission.policy}"' if admission.allowed
            else f"{subject}: rejected\n  {admission.message}")
    rows = [("POLICY", "AUTHORIZED", "OUTCOME", "WHY")]
    for v in admission.verdicts:
        why = "chosen" if v.name == admission.policy else (v.passed_over or "")
        if v.errors and not why.startswith("chosen"):
            why = (why + "; " if why else "") + "; ".join(v.errors)
        via = ",".join(s.value for s in v.authorized_via) or "no"
        rows.append((v.name, via, v.outcome.value, why))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    table = "".join(
        "   ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "   " + r[3] + "\n" for r in rows)
    out = [head + "\n", "\n", table]
    if admission.mutations:
        out.append(f"\nMutations by {admission.policy}:\n")
        out += [f"  {m.path}: {_value(m.old)} -> {_value(m.new)}\n" for m in admission.mutations]
    elif admission.allowed:
        out.append(f"\nNo mutations: {admission.policy} accepts the pod as it is.\n")
    return "".join(out)


def map_document(mapping: PolicyMapping) -> dict[str, Any]:
    return {
        "name": mapping.policy,
        "level": mapping.level.value,
        "unusable": list(mapping.unusable),
        "findings": [
            {"field": f.field, "found": f.found, "required": f.required, "level": f.level.value}
            for f in mapping.findings
        ],
        "blockers": [
            {"field": f.field, "found": f.found, "required": f.required, "level": f.level.value}
            for f in mapping.blockers
        ],
    }


def map_text(mappings: list[PolicyMapping], wide: bool) -> str:
    rows = [("NAME", "LEVEL", "NEXT LEVEL BLOCKED BY")]
    details = []
    for m in mappings:
        blockers = ", ".join(f.field for f in m.blockers) or "-"
        rows.append((m.policy, m.level.value + (" (unusable)" if m.unusable else ""), blockers))
        shown = m.findings if wide else m.blockers
        if shown:
            details.append(f"{m.policy}:\n" + "".join(
                f"  {f.field}: {f.found}; {f.level.value} needs {f.required}\n" for f in shown))
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    table = "".join(f"{r[0].ljust(widths[0])}   {r[1].ljust(widths[1])}   {r[2]}\n" for r in rows)
    return table + ("\n" + "\n".join(details) if details else "")


def drift_document(subject: str, drift: Drift) -> dict[str, Any]:
    return {
        "object": subject,
        "policy": drift.policy,
        "differences": [{"path": d.path, "template": d.template, "pod": d.pod}
                        for d in drift.differences],
    }


def drift_text(items: list[tuple[str, str, Drift]]) -> str:
    if not items:
        return "No pod differs from its owner's template in fields a PodSecurityPolicy mutates.\n"
    out = []
    for pod, owner, drift in items:
        out.append(f"{pod} (owner {owner}, kubernetes.io/psp={drift.policy or '-'}):\n")
        out += [f"  {d.path}: template {_value(d.template)}, pod {_value(d.pod)}\n"
                for d in drift.differences]
    return "".join(out)

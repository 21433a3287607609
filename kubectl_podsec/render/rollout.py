"""The rollout documents (plan, run, status) and their tables (pure).

`-o json|yaml` give versioned documents (`podsec.kubectl.io/v1alpha1`, kinds
RolloutPlan, RolloutRun, RolloutStatus); tables are for people, `-o wide`
adds every blocker's message and every recorded step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any


from ..admission.labels import PREFIX
from ..pss import Level, Version
from .fixes import fixable_by_setting
from .serialize import document, dump
from ..rollout.stages import Blocker, NamespacePlan, modes
from ..rollout.steps import Outcome, Status, Step, StepResult

TABLE_BLOCKERS = 3  # per namespace in the table; -o wide shows all that were kept


def structured(doc: Mapping[str, Any], output: str, dump_yaml: Callable[[Any], str] | None = None) -> str:
    """`-o json` or `-o yaml`, through the one serialiser."""
    return dump(doc, output)


def _table(header: Sequence[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [list(header), *rows]) for i in range(len(header))]
    return ["   ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in [list(header), *rows]]


def _paint(text: str, tone: str, color: bool) -> str:
    if not color or not tone:
        return text
    from colorama import Fore, Style  # only when colouring

    return f"{getattr(Fore, tone)}{text}{Style.RESET_ALL}"


def _mode_cells(labels: Mapping[str, str]) -> list[str]:
    return [m or "-" for m in modes(labels).values()]


def _blocker_lines(blockers: Iterable[Blocker], blocked: int, wide: bool, indent: str = "  ") -> list[str]:
    shown = list(blockers) if wide else list(blockers)[:TABLE_BLOCKERS]
    out = [f"{indent}{b.object}: {', '.join(b.checks)}" + (f"\n{indent}  {b.message}" if wide else "")
           for b in shown]
    if blocked > len(shown):
        out.append(f"{indent}... and {blocked - len(shown)} more" + ("" if wide else " (-o wide)"))
    return out


def _fix_line(plan: NamespacePlan) -> list[str]:
    """Where setting unset fields removes some blockers' violations, say which command does it."""
    fixable = fixable_by_setting(tuple(c for b in plan.blockers for c in b.checks))
    if not fixable:
        return []
    return [f"  kubectl podsec fix -f MANIFESTS --level {plan.level.value} --version {plan.version} "
            f"sets the fields these need: {', '.join(fixable)}"]


# --- plan ---------------------------------------------------------------------------


def plan_document(plans: Iterable[NamespacePlan], level: Level | None, version: Version,
                  errors: list[str]) -> dict[str, Any]:
    items = list(plans)
    active = [p for p in items if not p.skip]
    return {
        **document("RolloutPlan", {}),
        "level": level.value if level else None, "version": str(version),
        "namespaces": [p.to_dict() for p in items], "errors": errors,
        "summary": {"namespaces": len(items), "skipped": len(items) - len(active),
                    "ready": sum(1 for p in active if not p.blocked and not p.error_count),
                    "blocked": sum(1 for p in active if p.blocked),
                    "objects": sum(p.objects for p in active)},
    }


PLAN_HEADER = ("NAMESPACE", "ENFORCE", "AUDIT", "WARN", "OBJECTS", "PASSES", "TARGET", "STAGE",
               "BLOCKED", "NEXT STEP")


def plan_table(plans: Iterable[NamespacePlan], wide: bool = False, color: bool = False) -> str:
    items = list(plans)
    rows = [[p.namespace, *_mode_cells(p.labels), "-" if p.skip else str(p.objects),
             "-" if p.skip else p.strictest.value, f"{p.level.value}:{p.version}", p.stage.mode,
             "-" if p.skip else str(p.blocked), p.next_step] for p in items]
    lines = _table(PLAN_HEADER, rows)
    tones = ["" if p.skip else "RED" if p.blocked else "GREEN" if p.stage.name == "ENFORCE" else ""
             for p in items]
    out = [lines[0]] + [_paint(line, tone, color) for line, tone in zip(lines[1:], tones)]
    for p in items:
        if p.blocked:
            out.append(f"\n{p.namespace}: {p.blocked} object(s) violate {p.level.value}:{p.version}")
            out += _blocker_lines(p.blockers, p.blocked, wide)
            out += _fix_line(p)
        if p.error_count:
            out.append(f"\n{p.namespace}: {p.error_count} object(s) or list(s) not evaluated")
            out += [f"  {e}" for e in p.errors]
    return "\n".join(out) + "\n"


# --- a run of steps (rollout ns, rollout undo) ---------------------------------------


def changes(step: Step) -> dict[str, str | None]:
    return {label: after for label, _, after in step.label_changes()}


def _changes_cell(step: Step) -> str:
    cells = [f"-{k.removeprefix(PREFIX)}" if v is None else f"{k.removeprefix(PREFIX)}={v}"
             for k, v in changes(step).items()]
    return ", ".join(cells) or "-"


def _step_dict(step: Step) -> dict[str, Any]:
    return {"namespace": step.namespace, "level": step.level.value, "version": str(step.version),
            "from": {"stage": step.stage_before.mode, "labels": step.before},
            "to": {"stage": step.stage_after.mode, "labels": step.after},
            "changes": changes(step)}


def run_document(kind: str, outcomes: Sequence[Outcome], plans: Mapping[str, NamespacePlan],
                 dry_run: bool, errors: list[str], stage: str | None = None) -> dict[str, Any]:
    items = []
    for o in outcomes:
        item = {**_step_dict(o.step), "result": StepResult(o.result).value, "message": o.message or o.step.refused or o.step.skip,
                "serverWarnings": list(o.warnings)}
        plan = plans.get(o.step.namespace)
        if plan is not None:
            item |= {"objects": plan.objects, "blocked": plan.blocked,
                     "blockers": plan.to_dict()["blockers"]}
        if o.replanned is not None:
            item["replanned"] = _step_dict(o.replanned)
        items.append(item)
    return {**document(kind, {}), "dryRun": dry_run, "stage": stage,
            "namespaces": items, "errors": errors,
            "summary": dict(Counter(StepResult(o.result).value for o in outcomes))}


RUN_HEADER = ("NAMESPACE", "STAGE", "LEVEL", "CHANGES", "RESULT")
_TONES = {StepResult.APPLIED: "GREEN", StepResult.REFUSED: "RED", StepResult.CONFLICT: "RED",
          StepResult.FAILED: "RED", StepResult.UNKNOWN: "YELLOW", StepResult.NOT_WRITTEN: "YELLOW",
          StepResult.NOT_STARTED: "YELLOW"}


def run_table(outcomes: Sequence[Outcome], plans: Mapping[str, NamespacePlan], wide: bool = False,
              color: bool = False) -> str:
    rows = [[o.step.namespace, f"{o.step.stage_before.mode} -> {o.step.stage_after.mode}",
             f"{o.step.level.value}:{o.step.version}", _changes_cell(o.step), str(o.result)] for o in outcomes]
    lines = _table(RUN_HEADER, rows)
    out = [lines[0]] + [_paint(line, _TONES.get(StepResult(o.result), ""), color) for line, o in zip(lines[1:], outcomes)]
    for o in outcomes:
        notes = _notes(o, plans.get(o.step.namespace), wide)
        if notes:
            out += ["", f"{o.step.namespace}: {o.result}", *notes]
    return "\n".join(out) + "\n"


def _notes(o: Outcome, plan: NamespacePlan | None, wide: bool) -> list[str]:
    out = []
    message = o.message or o.step.refused or o.step.skip
    if message:
        out.append(f"  {message}")
    to_enforce = o.step.stage_after.name == "ENFORCE" and o.step.changes
    if plan is not None and plan.blocked and to_enforce and o.result != StepResult.REFUSED:
        out.append(f"  --force: {plan.blocked} object(s) violate {plan.level.value}:{plan.version}; "
                   "enforcing rejects their pods")
    if plan is not None and plan.blocked and to_enforce:
        out += _blocker_lines(plan.blockers, plan.blocked, wide, "    ")
    out += [f"  server: {w}" for w in o.warnings]
    if o.replanned is not None:
        r = o.replanned
        out.append(f"  re-planned: {r.stage_before.mode} -> {r.stage_after.mode} ({_changes_cell(r)})")
    return out


# --- status -------------------------------------------------------------------------


def status_document(statuses: Iterable[Status], errors: list[str]) -> dict[str, Any]:
    return {**document("RolloutStatus", {}),
            "namespaces": [s.to_dict() for s in statuses], "errors": errors}


STATUS_HEADER = ("NAMESPACE", "ENFORCE", "AUDIT", "WARN", "STAGE", "STEPS", "LAST STEP")


def _last(s: Status) -> str:
    if not s.history:
        return "-"
    e = s.history[-1]
    return f"{e.stage} {e.level}:{e.version} by {e.identity or '?'} at {e.time}"


def status_table(statuses: Iterable[Status], wide: bool = False) -> str:
    items = list(statuses)
    rows = [[s.namespace, *_mode_cells(s.labels),
             f"{s.stage.mode} {s.level.value}" if s.level and s.stage.name != "NONE" else "none",
             str(len(s.history)), _last(s)] for s in items]
    out = _table(STATUS_HEADER, rows)
    for s in items:
        if s.error:
            out += ["", f"{s.namespace}: {s.error}"]
        if wide and s.history:
            out += ["", f"{s.namespace}: history (oldest first)"]
            for e in s.history:
                before = ", ".join(f"{k.removeprefix(PREFIX)}={v}" for k, v in e.previous.items()) or "none"
                out.append(f"  {e.time}  {e.identity or '?'}  {e.stage} {e.level}:{e.version}  "
                           f"(labels before: {before})")
    return "\n".join(out) + "\n"

"""The smallest change that makes one object pass a level (pure).

The object is judged exactly as `check --level` judges it: its pod template,
after the API server's defaulting (and, for servers 1.19 to 1.26, the
seccomp annotation sync of the pod create strategy), against the level.

Planning: every failing check offers the edits that could make it pass
(candidates.py). Edits allowed by default (unset fields) and those named with
--also are "real"; the others are "virtual": assumed done, never written, so
that each real edit is judged by whether the object needs it once every other
problem were gone. Real edits are dropped one at a time while the object
still passes without them, so removing any edit that is left makes the object
fail again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..admission import seccomp_skew
from ..admission.verdicts import check_level, default_template
from ..admission.workloads import pod_template
from ..pss import Evaluation, Evaluator, LevelVersion, Violation
from .candidates import ALSO, CANDIDATES, Pod
from .edits import Action, Edit, Operation, apply, operations


@dataclass(frozen=True)
class Unfixed:
    """A violation the plan leaves, and the --also names that would fix it."""

    violation: Violation
    also: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    before: Evaluation
    after: Evaluation
    operations: tuple[Operation, ...]
    unfixed: tuple[Unfixed, ...]

    @property
    def passes(self) -> bool:
        return self.after.allowed

    @property
    def changed(self) -> bool:
        return bool(self.operations)


@dataclass(frozen=True)
class Target:
    """What an object must pass, judged as `check --level` would."""

    level: LevelVersion
    evaluator: Evaluator
    server_minor: int | None = None  # the API server's minor version, where known

    def evaluate(self, obj: Mapping[str, Any]) -> Evaluation | None:
        """The evaluation at the level; None for an object without a pod template.
        TemplateError/InvalidPodSpec for a malformed one."""
        template = pod_template(obj)
        if template is None:
            return None
        is_pod = obj.get("kind") == "Pod"
        template = default_template(template, is_pod=is_pod, server_minor=self.server_minor)
        synced = seccomp_skew.apply(template, self.server_minor)
        if is_pod:  # the Pod as the server's create strategy leaves it
            template, created = synced, None
        else:  # the pods its controller creates get that treatment
            created = synced if synced is not template else None
        admission = check_level(template, self.level, self.evaluator, None, created)
        return admission.evaluations[0].evaluation


def candidates(obj: Mapping[str, Any], evaluation: Evaluation) -> list[Edit]:
    """Edits offered by the failing checks; one per (action, path), checks merged."""
    template = pod_template(obj)
    assert template is not None
    prefix = tuple(template.path.split(".")) if template.path else ()
    pod = Pod(template.metadata, template.spec, prefix)
    found: dict[tuple[Action, tuple[Any, ...]], Edit] = {}
    for violation in evaluation.violations:
        for edit in CANDIDATES[violation.check](pod, violation.check):
            key = (edit.action, edit.path)
            if key in found:
                old = found[key]
                edit = Edit(old.action, old.path, tuple(dict.fromkeys(old.checks + edit.checks)), old.value,
                            old.also, old.note)
            found[key] = edit
    return list(found.values())


def _violations(target: Target, obj: Mapping[str, Any], edits: Iterable[Edit]) -> tuple[Violation, ...]:
    evaluation = target.evaluate(apply(obj, edits))
    return () if evaluation is None else evaluation.violations


def _prune(target: Target, obj: Mapping[str, Any], real: list[Edit], virtual: list[Edit]) -> list[Edit]:
    """Drop every real edit the result does not depend on (1-minimal); an edit
    another kept edit needs stays (without it the object would be invalid)."""
    goal = _violations(target, obj, real + virtual)
    kept = list(real)
    dropped = True
    while dropped:  # dropping an edit can free the ones it needed
        dropped = False
        for edit in list(reversed(kept)):
            if any(edit.path in e.needs for e in kept):
                continue
            trial = [e for e in kept if e is not edit]
            if _violations(target, obj, trial + virtual) == goal:
                kept, dropped = trial, True
    return kept


def plan(obj: Mapping[str, Any], target: Target, also: Sequence[str] = ()) -> Plan | None:
    """The plan for one object; None for an object without a pod template."""
    before = target.evaluate(obj)
    if before is None:
        return None
    if before.allowed:
        return Plan(before, before, (), ())
    offered = candidates(obj, before)
    allowed = {e.path for e in offered if e.also is None or e.also in also}
    real = [e for e in offered if e.path in allowed and all(n in allowed for n in e.needs)]
    virtual = [e for e in offered if e not in real]
    kept = _prune(target, obj, real, virtual)
    after = target.evaluate(apply(obj, kept))
    assert after is not None
    by_path = {e.path: e for e in offered}

    def names(e: Edit) -> set[str]:
        own = {e.also} if e.also and e.also not in also else set()
        return own | {n for p in e.needs if p in by_path for n in names(by_path[p])}

    unfixed = tuple(Unfixed(v, tuple(sorted({n for e in virtual if v.check in e.checks for n in names(e)})))
                    for v in after.violations)
    return Plan(before, after, operations(obj, kept), unfixed)


def unknown_also(names: Iterable[str]) -> list[str]:
    return [n for n in names if n not in ALSO]

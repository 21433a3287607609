"""Rollout planning and state (pure): stages warn -> audit -> enforce, the label
changes of each step, the history kept in one namespace annotation, and undo.

Nothing here talks to the cluster: callers read namespaces and evaluate their
pods and templates, then write the patches this module builds.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from ..admission.labels import ALL_LABELS, LEVEL_LABELS, MODES, VERSION_LABELS, Mode, pod_security_labels
from ..pss import Level, Version

HISTORY_ANNOTATION = "podsec.kubectl.io/rollout-history"
HISTORY_LIMIT = 20
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
OPENSHIFT_LABEL_SYNC = "security.openshift.io/scc.podSecurityLabelSync"


class Stage(enum.IntEnum):
    NONE = 0
    WARN = 1
    AUDIT = 2
    ENFORCE = 3

    @property
    def mode(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Stage:
        return cls[text.upper()]


_MODE_STAGE = {Mode.WARN: Stage.WARN, Mode.AUDIT: Stage.AUDIT, Mode.ENFORCE: Stage.ENFORCE}


def _level(labels: Mapping[str, str], mode: str) -> Level | None:
    try:
        return Level.parse(labels[LEVEL_LABELS[mode]])
    except (KeyError, ValueError):
        return None


def stage_of(labels: Mapping[str, str] | None, level: Level) -> Stage:
    """How far a namespace is towards `level`: the strictest mode whose label is
    at least that strict."""
    labels = labels or {}
    reached = Stage.NONE
    for mode, stage in _MODE_STAGE.items():
        found = _level(labels, mode)
        if found is not None and found.strictness >= level.strictness:
            reached = max(reached, stage)
    return reached


def target_labels(labels: Mapping[str, str] | None, level: Level, version: Version,
                  stage: Stage) -> dict[str, str]:
    """The pod-security labels after moving to `stage` at level:version. Lower
    stages keep up (audit keeps warn at least as strict, enforce keeps both);
    stricter existing modes are left alone; the version is always written."""
    out = pod_security_labels(labels)
    for mode, mode_stage in _MODE_STAGE.items():
        if mode_stage > stage:
            continue
        current = _level(out, mode)
        if current is None or current.strictness <= level.strictness:
            out[LEVEL_LABELS[mode]] = level.value
            out[VERSION_LABELS[mode]] = str(version)
    return {k: out[k] for k in ALL_LABELS if k in out}


class Entry(NamedTuple):
    """One recorded step: what the labels were before it, and who took it when."""

    time: str
    identity: str
    stage: str  # warn | audit | enforce | undo
    level: str
    version: str
    previous: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class HistoryError(ValueError):
    pass


def read_history(annotations: Mapping[str, str] | None) -> list[Entry]:
    raw = (annotations or {}).get(HISTORY_ANNOTATION)
    if not raw:
        return []
    try:
        items = json.loads(raw)
        return [Entry(str(i["time"]), str(i["identity"]), str(i["stage"]), str(i["level"]),
                      str(i["version"]), {str(k): str(v) for k, v in dict(i["previous"]).items()})
                for i in items]
    except (ValueError, TypeError, KeyError) as err:
        raise HistoryError(f"annotation {HISTORY_ANNOTATION} is not a rollout history: {err}") from None


def write_history(entries: Iterable[Entry]) -> str:
    kept = list(entries)[-HISTORY_LIMIT:]
    return json.dumps([e.to_dict() for e in kept], separators=(",", ":"), sort_keys=True)


def label_patch(namespace: Mapping[str, Any], new_labels: Mapping[str, str],
                entry: Entry | None, history: list[Entry]) -> dict[str, Any]:
    """A JSON merge patch that sets the pod-security labels to exactly
    `new_labels` (removing the others), records the history, and carries the
    resourceVersion it was planned from, so a concurrent change fails with a
    conflict instead of being overwritten."""
    meta = namespace.get("metadata") or {}
    current = pod_security_labels(meta.get("labels"))
    labels: dict[str, str | None] = {k: None for k in current if k not in new_labels}
    labels.update({k: v for k, v in new_labels.items() if current.get(k) != v})
    entries = history + ([entry] if entry is not None else [])
    annotations: dict[str, str | None] = {HISTORY_ANNOTATION: write_history(entries) if entries else None}
    return {"metadata": {"resourceVersion": meta.get("resourceVersion"),
                         "labels": labels, "annotations": annotations}}


class Skip(NamedTuple):
    namespace: str
    reason: str


def skip_reason(namespace: Mapping[str, Any], named: bool, exempt: frozenset[str],
                force: bool = False) -> str | None:
    """Why a namespace is left alone unless --force (or, for system namespaces,
    unless named)."""
    meta = namespace.get("metadata") or {}
    name = str(meta.get("name") or "")
    if name in SYSTEM_NAMESPACES and not named:
        return "system namespace (name it to include it)"
    if force:
        return None
    if name in exempt:
        return "exempt by the cluster's PodSecurity configuration"
    if (meta.get("labels") or {}).get(OPENSHIFT_LABEL_SYNC) == "true":
        return f"labels managed by OpenShift ({OPENSHIFT_LABEL_SYNC}=true)"
    return None


def next_stage(current: Stage, to: Stage | None) -> Stage:
    """One stage further, or straight up to `to`; never backwards."""
    if to is not None:
        return max(current, to)
    return Stage(min(current + 1, Stage.ENFORCE))


def modes_changed(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    return [m.value for m in MODES if any(before.get(k) != after.get(k)
                                    for k in (LEVEL_LABELS[m], VERSION_LABELS[m]))]


class Blocker(NamedTuple):
    """An object that would be denied at the target level."""

    object: str
    checks: tuple[str, ...]
    message: str


class NamespacePlan(NamedTuple):
    namespace: str
    labels: dict[str, str]  # the pod-security labels now
    stage: Stage  # towards the target level
    strictest: Level  # the strictest level every pod and template passes
    level: Level
    version: Version
    objects: int
    blockers: tuple[Blocker, ...]  # the first few objects that violate level:version
    skip: str | None
    blocked: int = 0  # every object that violates level:version
    exempt: int = 0  # objects with an exempt runtime class (never evaluated)
    errors: tuple[str, ...] = ()  # the first few objects or lists that could not be read
    error_count: int = 0

    @property
    def next_step(self) -> str:
        if self.skip:
            return f"skipped: {self.skip}"
        if self.stage is Stage.ENFORCE:
            still = f" ({self.blocked} object(s) violate it)" if self.blocked else ""
            return f"done: enforcing {self.level.value}{still}"
        if self.stage is Stage.AUDIT and self.blocked:
            return f"fix {self.blocked} object(s) before enforcing {self.level.value}"
        if self.stage is Stage.AUDIT and self.error_count:
            return f"evaluate every object before enforcing {self.level.value}"
        return f"{Stage(self.stage + 1).mode} {self.level.value}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace, "labels": self.labels, "modes": modes(self.labels),
            "stage": self.stage.mode, "strictestPassing": None if self.skip else self.strictest.value,
            "level": self.level.value, "version": str(self.version), "objects": self.objects,
            "exempt": self.exempt, "blocked": self.blocked,
            "blockers": [b._asdict() | {"checks": list(b.checks)} for b in self.blockers],
            "errors": list(self.errors), "skipped": self.skip, "nextStep": self.next_step,
        }


def modes(labels: Mapping[str, str]) -> dict[str, str | None]:
    """mode -> "level:version" as labelled (None when the mode has no level label)."""
    out: dict[str, str | None] = {}
    for mode in MODES:
        level = labels.get(LEVEL_LABELS[mode])
        out[mode.value] = None if level is None else f"{level}:{labels.get(VERSION_LABELS[mode], 'latest')}"
    return out


_STRICTER = {Level.PRIVILEGED: Level.BASELINE, Level.BASELINE: Level.RESTRICTED,
             Level.RESTRICTED: Level.RESTRICTED}


def level_under_way(labels: Mapping[str, str] | None, enforced: Level = Level.PRIVILEGED) -> Level | None:
    """The level a rollout under way heads to: the strictest level a mode
    names, when stricter than what the namespace enforces; else None."""
    labels = labels or {}
    enforce = _level(labels, "enforce") or enforced
    named = [lv for lv in (_level(labels, m) for m in MODES) if lv is not None]
    heading = max(named, key=lambda lv: lv.strictness, default=enforce)
    return heading if heading.strictness > enforce.strictness else None


def default_level(labels: Mapping[str, str] | None, enforced: Level = Level.PRIVILEGED) -> Level:
    """The level a namespace is heading to when none is asked for: the
    strictest level its modes name, when stricter than what it enforces (a
    rollout under way); otherwise the next level stricter than it enforces.
    `enforced` applies when the namespace has no valid enforce label."""
    under_way = level_under_way(labels, enforced)
    return under_way or _STRICTER[_level(labels or {}, "enforce") or enforced]


def run_stage(stages: Iterable[Stage], to: Stage | None) -> Stage:
    """The stage one run moves its namespaces to: `to`, or one past the least
    advanced of them. Namespaces already there stay, so running an interrupted
    run again completes it instead of moving the finished ones further."""
    if to is not None:
        return to
    return next_stage(min(stages, default=Stage.NONE), None)


def undo_index(history: list[Entry]) -> int | None:
    """The step `undo` reverts: the last one not already undone (each undo
    entry cancels the step before it)."""
    pending = 0
    for i in range(len(history) - 1, -1, -1):
        if history[i].stage == "undo":
            pending += 1
        elif pending:
            pending -= 1
        else:
            return i
    return None


def strictest_passing(failures: Mapping[Level, int]) -> Level:
    """The strictest level with no failing object (privileged always passes)."""
    for level in (Level.RESTRICTED, Level.BASELINE):
        if not failures.get(level):
            return level
    return Level.PRIVILEGED

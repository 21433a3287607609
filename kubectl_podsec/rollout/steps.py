"""One namespace's rollout step (pure): the labels before and after, the
preconditioned patch that makes it, why it may not be written, and, after a
write whose answer was lost or refused, what the namespace read back says.

A step is planned from one read of the namespace (its resourceVersion); the
patch carries that resourceVersion, so the server refuses it (409) if the
namespace changed since. Nothing here talks to the cluster.
"""

from __future__ import annotations

import enum

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..admission.labels import ALL_LABELS, pod_security_labels
from ..pss import Level, Version
from .stages import (
    HISTORY_ANNOTATION, Entry, HistoryError, NamespacePlan, Stage, label_patch, modes, read_history,
    stage_of, target_labels, undo_index,
)


class Author(NamedTuple):
    """Who takes the steps of one run, and when (recorded in the history)."""

    time: str  # RFC 3339, UTC
    identity: str


class Step(NamedTuple):
    namespace: str
    resource_version: str
    kind: str  # advance | undo
    level: Level
    version: Version
    stage_before: Stage
    stage_after: Stage
    before: dict[str, str]  # the pod-security labels as read
    after: dict[str, str]  # the pod-security labels once written
    history_before: str | None  # the history annotation as read
    patch: dict[str, Any] | None  # None: nothing to write
    refused: str | None = None  # why it is not written (then nothing in the run is)
    skip: str | None = None  # left alone, and why

    @property
    def changes(self) -> bool:
        return self.patch is not None

    @property
    def history_after(self) -> str | None:
        if self.patch is None:
            return self.history_before
        value: str | None = self.patch["metadata"]["annotations"][HISTORY_ANNOTATION]
        return value

    def label_changes(self) -> list[tuple[str, str | None, str | None]]:
        """(label, before, after) for each pod-security label the step changes."""
        return [(k, self.before.get(k), self.after.get(k)) for k in ALL_LABELS
                if self.before.get(k) != self.after.get(k)]


def _meta(namespace: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = namespace.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _history(namespace: Mapping[str, Any]) -> str | None:
    value = (_meta(namespace).get("annotations") or {}).get(HISTORY_ANNOTATION)
    return value if isinstance(value, str) else None


def _base(namespace: Mapping[str, Any], kind: str, level: Level, version: Version) -> Step:
    meta = _meta(namespace)
    labels = pod_security_labels(meta.get("labels"))
    stage = stage_of(labels, level)
    return Step(str(meta.get("name") or ""), str(meta.get("resourceVersion") or ""), kind, level,
                version, stage, stage, labels, labels, _history(namespace), None)


def advance(namespace: Mapping[str, Any], plan: NamespacePlan, stage: Stage, author: Author,
            force: bool) -> Step:
    """The step that moves the namespace to `stage` towards plan.level:plan.version
    (lower stages kept up); a namespace at or past `stage` is left as it is.
    Enforcing is refused while an object violates the level, or could not be
    evaluated, unless `force`."""
    step = _base(namespace, "advance", plan.level, plan.version)
    if plan.skip:
        return step._replace(skip=plan.skip)
    try:
        history = read_history(_meta(namespace).get("annotations"))
    except HistoryError as err:
        return step._replace(refused=str(err))
    if step.stage_before >= stage:
        return step
    after = target_labels(step.before, plan.level, plan.version, stage)
    if after == step.before:
        return step
    entry = Entry(author.time, author.identity, stage.mode, plan.level.value, str(plan.version),
                  step.before)
    step = step._replace(stage_after=stage_of(after, plan.level), after=after,
                         patch=label_patch(namespace, after, entry, history))
    if stage is Stage.ENFORCE and not force:
        lv = f"{plan.level.value}:{plan.version}"
        if plan.blocked:
            return step._replace(refused=f"{plan.blocked} object(s) violate {lv}: enforcing it would "
                                         "reject their pods (fix them, or --force)")
        if plan.error_count:
            return step._replace(refused=f"{plan.error_count} object(s) or list(s) could not be "
                                         f"evaluated against {lv} (or --force)")
    return step


def undo(namespace: Mapping[str, Any], author: Author) -> Step:
    """The step that restores the pod-security labels as they were before the
    last step not yet undone, exactly, and records the undo."""
    try:
        history = read_history(_meta(namespace).get("annotations"))
    except HistoryError as err:
        return _base(namespace, "undo", Level.PRIVILEGED, Version.latest())._replace(refused=str(err))
    index = undo_index(history)
    if index is None:
        step = _base(namespace, "undo", Level.PRIVILEGED, Version.latest())
        return step._replace(skip="no recorded rollout step to undo")
    last = history[index]
    level = Level.parse(last.level) if last.level in {lv.value for lv in Level} else Level.PRIVILEGED
    version = _version(last.version)
    step = _base(namespace, "undo", level, version)
    after = {k: last.previous[k] for k in ALL_LABELS if k in last.previous}
    entry = Entry(author.time, author.identity, "undo", last.level, last.version, step.before)
    return step._replace(stage_after=stage_of(after, level), after=after,
                         patch=label_patch(namespace, after, entry, history))


def _version(text: str) -> Version:
    try:
        return Version.parse(text)
    except ValueError:
        return Version.latest()


class StepResult(str, enum.Enum):
    """What became of a step; the value is what the report says."""

    PENDING = "pending"  # checked, not yet written
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    WOULD_APPLY = "would-apply"  # --dry-run
    REFUSED = "refused"  # enforce while something violates, without --force
    SKIPPED = "skipped"
    CONFLICT = "conflict"  # the namespace changed meanwhile: replanned, not overwritten
    FAILED = "failed"
    NOT_WRITTEN = "not-written"
    UNKNOWN = "unknown"  # the server could not say whether it was written
    NOT_STARTED = "not-started"
    NOT_CONFIRMED = "not-confirmed"

    def __str__(self) -> str:
        return self.value


class Outcome(NamedTuple):
    """What became of one step in a run."""

    step: Step
    result: StepResult
    message: str = ""
    warnings: tuple[str, ...] = ()  # the server's, from its dry run of the change
    replanned: Step | None = None  # after a conflict: the step as it would be now


# --- reading the namespace back ---------------------------------------------------


def written(namespace: Mapping[str, Any], step: Step) -> bool:
    """The namespace holds exactly what the step writes, history included
    (its entry carries this run's time and identity: no one else wrote it)."""
    labels = pod_security_labels(_meta(namespace).get("labels"))
    return labels == step.after and _history(namespace) == step.history_after


def as_planned(namespace: Mapping[str, Any], step: Step) -> bool:
    """Whatever changed since the step was planned, it is nothing the step
    reads or writes: its pod-security labels and history are as they were."""
    labels = pod_security_labels(_meta(namespace).get("labels"))
    return labels == step.before and _history(namespace) == step.history_before


def rebased(step: Step, namespace: Mapping[str, Any]) -> Step:
    """The same step, preconditioned on the namespace's newer resourceVersion
    (only for a namespace still `as_planned`)."""
    version = str(_meta(namespace).get("resourceVersion") or "")
    if step.patch is None:
        return step._replace(resource_version=version)
    patch = {"metadata": {**step.patch["metadata"], "resourceVersion": version}}
    return step._replace(resource_version=version, patch=patch)


# --- where a namespace stands ------------------------------------------------------


class Status(NamedTuple):
    namespace: str
    labels: dict[str, str]
    level: Level | None  # the level it is rolling out (its last step's, else its strictest label)
    stage: Stage
    history: tuple[Entry, ...]
    error: str | None = None  # the history annotation could not be read

    def to_dict(self) -> dict[str, Any]:
        return {"namespace": self.namespace, "labels": self.labels, "modes": modes(self.labels),
                "level": self.level.value if self.level else None, "stage": self.stage.mode,
                "history": [e.to_dict() for e in self.history], "error": self.error}


def status(namespace: Mapping[str, Any]) -> Status:
    meta = _meta(namespace)
    labels = pod_security_labels(meta.get("labels"))
    name = str(meta.get("name") or "")
    error: str | None = None
    try:
        history = read_history(meta.get("annotations"))
    except HistoryError as err:
        history, error = [], str(err)
    levels = [lv for lv in (_parse_level(e.level) for e in reversed(history)) if lv is not None]
    labelled = [lv for lv in (_parse_level(labels.get(k, "")) for k in ALL_LABELS) if lv is not None]
    level = levels[0] if levels else max(labelled, key=lambda lv: lv.strictness, default=None)
    stage = stage_of(labels, level) if level is not None and level is not Level.PRIVILEGED else Stage.NONE
    return Status(name, labels, level, stage, tuple(history), error)


def _parse_level(text: str) -> Level | None:
    try:
        return Level.parse(text)
    except ValueError:
        return None

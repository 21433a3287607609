"""Rollout steps, judged objects and per-namespace tallies (pure): what a step
writes, when it is refused, what undo restores, how a namespace read back
after a write is read, and where each namespace stands."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_podsec.pss import Evaluator, Level, Version
from kubectl_podsec.rollout.stages import (
    HISTORY_ANNOTATION, Entry, NamespacePlan, Stage, default_level, read_history, run_stage, undo_index,
    write_history,
)
from kubectl_podsec.rollout.steps import Author, advance, as_planned, rebased, status, undo, written
from kubectl_podsec.rollout.tally import MAX_BLOCKERS, Judge, Tally, namespace_plan

P = "pod-security.kubernetes.io/"
V = Version(37)
AUTHOR = Author("2026-01-02T03:04:05Z", "alice")
PRIVILEGED = {"name": "app", "image": "x", "securityContext": {"privileged": True}}
PLAIN = {"name": "app", "image": "x"}
RESTRICTED = {"name": "app", "image": "x", "securityContext": {
    "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"}}}


def ns(name: str = "web", labels: dict[str, str] | None = None, history: list[Entry] | None = None,
       rv: str = "7") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "resourceVersion": rv, "labels": {"team": "x", **(labels or {})}}
    if history is not None:
        meta["annotations"] = {HISTORY_ANNOTATION: write_history(history), "other": "kept"}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def pod(name: str, container: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "web"},
            "spec": {"containers": [container], **spec}}


def cronjob(name: str, container: dict[str, Any], **spec: Any) -> dict[str, Any]:
    template = {"spec": {"containers": [container], "restartPolicy": "Never", **spec}}
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name, "namespace": "web"},
            "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}}


def plan(blocked: int = 0, errors: int = 0, skip: str | None = None, level: Level = Level.RESTRICTED,
         labels: dict[str, str] | None = None) -> NamespacePlan:
    return NamespacePlan("web", labels or {}, Stage.NONE, Level.PRIVILEGED, level, V, 3, (), skip,
                         blocked, 0, (), errors)


# --- judging and counting --------------------------------------------------------------


def test_a_namespace_is_judged_on_its_pods_and_templates() -> None:
    judge = Judge(Evaluator(37), V)
    tally = Tally(Level.RESTRICTED)
    for obj in (pod("priv", PRIVILEGED), cronjob("nightly", PLAIN, hostNetwork=True), pod("ok", RESTRICTED)):
        tally.add(obj, judge.judge(obj))
    assert (tally.objects, tally.blocked, tally.strictest) == (3, 2, Level.PRIVILEGED)
    assert [(b.object, b.checks) for b in tally.blockers] == [
        ("Pod/priv", ("privileged", "allowPrivilegeEscalation", "capabilities_restricted", "runAsNonRoot",
                      "seccompProfile_restricted")),
        ("CronJob/nightly", ("hostNamespaces", "allowPrivilegeEscalation", "capabilities_restricted",
                             "runAsNonRoot", "seccompProfile_restricted"))]
    assert tally.blockers[1].message.startswith(
        'host namespaces (hostNetwork=true), allowPrivilegeEscalation != false (container "app" must set ')


def test_the_strictest_level_passed() -> None:
    judge = Judge(Evaluator(37), V)
    for objects, strictest in [([pod("a", RESTRICTED)], Level.RESTRICTED),
                               ([pod("a", RESTRICTED), pod("b", PLAIN)], Level.BASELINE),
                               ([pod("b", PLAIN), cronjob("c", PLAIN, hostPID=True)], Level.PRIVILEGED)]:
        tally = Tally(Level.BASELINE)
        for obj in objects:
            tally.add(obj, judge.judge(obj))
        assert tally.strictest is strictest


def test_identical_templates_are_evaluated_once_and_blockers_are_capped() -> None:
    judge = Judge(Evaluator(37), V)
    tally = Tally(Level.BASELINE)
    for i in range(MAX_BLOCKERS + 5):
        obj = pod(f"p{i}", PRIVILEGED)
        tally.add(obj, judge.judge(obj))
    assert (judge.evaluated, tally.blocked, len(tally.blockers)) == (1, MAX_BLOCKERS + 5, MAX_BLOCKERS)


def test_exempt_runtime_classes_and_objects_without_template() -> None:
    judge = Judge(Evaluator(37), V, frozenset({"kata"}))
    tally = Tally(Level.RESTRICTED)
    for obj in (pod("sandboxed", PRIVILEGED, runtimeClassName="kata"),
                {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc"}, "spec": {}}):
        tally.add(obj, judge.judge(obj))
    assert (tally.objects, tally.exempt, tally.blocked) == (0, 1, 0)


def test_the_plan_of_a_namespace() -> None:
    judge = Judge(Evaluator(37), V)
    tally = Tally(Level.RESTRICTED)
    tally.add(pod("p", PLAIN), judge.judge(pod("p", PLAIN)))
    got = namespace_plan(ns(labels={P + "warn": "restricted", P + "audit": "restricted"}), tally,
                         Level.RESTRICTED, V, None)
    assert got.to_dict() | {"blockers": []} == {
        "namespace": "web", "labels": {P + "audit": "restricted", P + "warn": "restricted"},
        "modes": {"enforce": None, "audit": "restricted:latest", "warn": "restricted:latest"},
        "stage": "audit", "strictestPassing": "baseline", "level": "restricted", "version": "v1.37",
        "objects": 1, "exempt": 0, "blocked": 1, "blockers": [], "errors": [], "skipped": None,
        "nextStep": "fix 1 object(s) before enforcing restricted"}


@pytest.mark.parametrize("stage,blocked,errors,skip,step", [
    (Stage.NONE, 3, 0, None, "warn restricted"),
    (Stage.WARN, 3, 0, None, "audit restricted"),
    (Stage.AUDIT, 0, 0, None, "enforce restricted"),
    (Stage.AUDIT, 0, 2, None, "evaluate every object before enforcing restricted"),
    (Stage.ENFORCE, 0, 0, None, "done: enforcing restricted"),
    (Stage.ENFORCE, 4, 0, None, "done: enforcing restricted (4 object(s) violate it)"),
    (Stage.NONE, 0, 0, "system namespace (name it to include it)",
     "skipped: system namespace (name it to include it)"),
])
def test_next_step(stage: Stage, blocked: int, errors: int, skip: str | None, step: str) -> None:
    assert plan(blocked, errors, skip)._replace(stage=stage).next_step == step


@pytest.mark.parametrize("labels,level", [
    ({}, Level.BASELINE),
    ({P + "enforce": "baseline"}, Level.RESTRICTED),
    ({P + "enforce": "restricted"}, Level.RESTRICTED),
    ({P + "warn": "restricted"}, Level.RESTRICTED),  # a rollout under way
    ({P + "enforce": "baseline", P + "audit": "restricted"}, Level.RESTRICTED),
    ({P + "enforce": "bogus"}, Level.BASELINE),
])
def test_default_level(labels: dict[str, str], level: Level) -> None:
    assert default_level(labels) is level


def test_a_run_moves_to_one_past_its_least_advanced_namespace() -> None:
    assert run_stage([Stage.NONE, Stage.WARN], None) is Stage.WARN
    assert run_stage([Stage.WARN, Stage.WARN], None) is Stage.AUDIT
    assert run_stage([], None) is Stage.WARN
    assert run_stage([Stage.NONE], Stage.ENFORCE) is Stage.ENFORCE


# --- steps ---------------------------------------------------------------------------------


def test_advancing_writes_the_labels_and_the_history_with_a_precondition() -> None:
    step = advance(ns(), plan(blocked=2), Stage.WARN, AUTHOR, force=False)
    assert (step.stage_before, step.stage_after, step.refused) == (Stage.NONE, Stage.WARN, None)
    assert step.patch is not None
    assert step.patch["metadata"]["resourceVersion"] == "7"
    assert step.patch["metadata"]["labels"] == {P + "warn": "restricted", P + "warn-version": "v1.37"}
    assert read_history(step.patch["metadata"]["annotations"]) == [
        Entry("2026-01-02T03:04:05Z", "alice", "warn", "restricted", "v1.37", {})]
    assert step.label_changes() == [(P + "warn", None, "restricted"), (P + "warn-version", None, "v1.37")]


def test_enforcing_is_refused_while_anything_violates_unless_forced() -> None:
    audited = ns(labels={P + "audit": "restricted", P + "warn": "restricted"})
    refused = advance(audited, plan(blocked=2), Stage.ENFORCE, AUTHOR, force=False)
    assert refused.refused == ("2 object(s) violate restricted:v1.37: enforcing it would reject their pods "
                               "(fix them, or --force)")
    unread = advance(audited, plan(errors=1), Stage.ENFORCE, AUTHOR, force=False)
    assert unread.refused == "1 object(s) or list(s) could not be evaluated against restricted:v1.37 (or --force)"
    forced = advance(audited, plan(blocked=2), Stage.ENFORCE, AUTHOR, force=True)
    assert forced.refused is None and forced.patch is not None
    assert forced.after == {P + "enforce": "restricted", P + "enforce-version": "v1.37",
                            P + "audit": "restricted", P + "audit-version": "v1.37",
                            P + "warn": "restricted", P + "warn-version": "v1.37"}


def test_a_namespace_at_or_past_the_stage_is_left_alone() -> None:
    step = advance(ns(labels={P + "audit": "restricted"}), plan(), Stage.WARN, AUTHOR, force=False)
    assert (step.patch, step.changes, step.stage_before, step.stage_after) == (None, False, Stage.AUDIT, Stage.AUDIT)


def test_skipped_and_unreadable_history() -> None:
    assert advance(ns(), plan(skip="exempt"), Stage.WARN, AUTHOR, False).skip == "exempt"
    broken = ns()
    broken["metadata"]["annotations"] = {HISTORY_ANNOTATION: "not json"}
    assert advance(broken, plan(), Stage.WARN, AUTHOR, False).refused == (
        f"annotation {HISTORY_ANNOTATION} is not a rollout history: Expecting value: line 1 column 1 (char 0)")


def test_undo_restores_the_labels_before_the_last_step_exactly() -> None:
    before = {P + "enforce": "privileged", P + "warn": "baseline"}
    first = Entry("t1", "alice", "warn", "restricted", "v1.37", before)
    after_first = {P + "enforce": "privileged", P + "warn": "restricted", P + "warn-version": "v1.37"}
    second = Entry("t2", "alice", "audit", "restricted", "v1.37", after_first)
    now = {**after_first, P + "audit": "restricted", P + "audit-version": "v1.37"}
    step = undo(ns(labels=now, history=[first, second]), AUTHOR)
    assert step.after == after_first
    assert step.patch is not None
    assert step.patch["metadata"]["labels"] == {P + "audit": None, P + "audit-version": None}
    history = read_history(step.patch["metadata"]["annotations"])
    assert history[-1] == Entry("2026-01-02T03:04:05Z", "alice", "undo", "restricted", "v1.37", now)
    assert (step.stage_before, step.stage_after) == (Stage.AUDIT, Stage.WARN)

    undone = ns(labels=after_first, history=history)  # undo again: the step before
    again = undo(undone, AUTHOR)
    assert again.after == before
    assert undo_index(read_history(again.patch["metadata"]["annotations"]) if again.patch else []) is None


def test_nothing_to_undo() -> None:
    assert undo(ns(), AUTHOR).skip == "no recorded rollout step to undo"


def test_reading_the_namespace_back() -> None:
    step = advance(ns(), plan(), Stage.WARN, AUTHOR, force=False)
    assert step.patch is not None
    applied = ns(labels=step.after, rv="8")
    applied["metadata"]["annotations"] = {HISTORY_ANNOTATION: step.history_after}
    assert written(applied, step) and not as_planned(applied, step)
    relabelled = ns(labels={"owner": "y"}, rv="9")  # something else changed: the step still holds
    assert as_planned(relabelled, step) and not written(relabelled, step)
    again = rebased(step, relabelled)
    assert again.patch is not None and again.patch["metadata"]["resourceVersion"] == "9"
    assert again.patch["metadata"]["labels"] == step.patch["metadata"]["labels"]
    raced = ns(labels={P + "warn": "baseline"}, rv="9")  # someone relabelled pod security meanwhile
    assert not written(raced, step) and not as_planned(raced, step)


def test_status() -> None:
    entry = Entry("t1", "alice", "audit", "baseline", "v1.37", {})
    got = status(ns(labels={P + "audit": "baseline", P + "warn": "baseline"}, history=[entry]))
    assert (got.level, got.stage, got.history, got.error) == (Level.BASELINE, Stage.AUDIT, (entry,), None)
    assert status(ns()).stage is Stage.NONE
    assert status(ns(labels={P + "enforce": "restricted"})).stage is Stage.ENFORCE

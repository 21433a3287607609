"""Rollout stages, label steps, history and undo (pure)."""

from __future__ import annotations

import json

import pytest

from kubectl_podsec.pss import Level, Version
from kubectl_podsec.rollout.stages import (
    HISTORY_ANNOTATION, Entry, HistoryError, Stage, label_patch, next_stage, read_history,
    skip_reason, stage_of, strictest_passing, target_labels, write_history,
)

P = "pod-security.kubernetes.io/"
V = Version(37)


@pytest.mark.parametrize("labels,level,stage", [
    ({}, Level.RESTRICTED, Stage.NONE),
    ({P + "warn": "restricted"}, Level.RESTRICTED, Stage.WARN),
    ({P + "warn": "restricted", P + "audit": "baseline"}, Level.RESTRICTED, Stage.WARN),
    ({P + "audit": "restricted"}, Level.BASELINE, Stage.AUDIT),
    ({P + "enforce": "baseline", P + "warn": "restricted"}, Level.BASELINE, Stage.ENFORCE),
    ({P + "enforce": "bogus"}, Level.BASELINE, Stage.NONE),
])
def test_stage_of(labels: dict[str, str], level: Level, stage: Stage) -> None:
    assert stage_of(labels, level) is stage


def test_each_stage_keeps_the_lower_ones_up_and_pins_the_version() -> None:
    assert target_labels({}, Level.RESTRICTED, V, Stage.WARN) == {
        P + "warn": "restricted", P + "warn-version": "v1.37"}
    assert target_labels({P + "warn": "baseline"}, Level.RESTRICTED, V, Stage.AUDIT) == {
        P + "audit": "restricted", P + "audit-version": "v1.37",
        P + "warn": "restricted", P + "warn-version": "v1.37"}
    assert target_labels({}, Level.BASELINE, Version(30), Stage.ENFORCE) == {
        P + "enforce": "baseline", P + "enforce-version": "v1.30",
        P + "audit": "baseline", P + "audit-version": "v1.30",
        P + "warn": "baseline", P + "warn-version": "v1.30"}


def test_a_stricter_mode_is_left_alone() -> None:
    labels = {P + "warn": "restricted", P + "warn-version": "v1.25"}
    assert target_labels(labels, Level.BASELINE, V, Stage.AUDIT) == {
        P + "audit": "baseline", P + "audit-version": "v1.37",
        P + "warn": "restricted", P + "warn-version": "v1.25"}


def test_patch_sets_exactly_the_new_labels_with_a_precondition() -> None:
    ns = {"metadata": {"name": "a", "resourceVersion": "42",
                       "labels": {P + "enforce": "privileged", "team": "x"}}}
    entry = Entry("2026-01-01T00:00:00Z", "alice", "warn", "restricted", "v1.37",
                  {P + "enforce": "privileged"})
    patch = label_patch(ns, {P + "warn": "restricted", P + "warn-version": "v1.37"}, entry, [])
    assert patch["metadata"]["resourceVersion"] == "42"
    assert patch["metadata"]["labels"] == {
        P + "enforce": None, P + "warn": "restricted", P + "warn-version": "v1.37"}
    assert "team" not in patch["metadata"]["labels"]
    assert read_history(patch["metadata"]["annotations"]) == [entry]


def test_history_round_trip_is_bounded_and_bad_history_is_an_error() -> None:
    entries = [Entry(str(i), "u", "warn", "baseline", "v1.37", {}) for i in range(30)]
    kept = read_history({HISTORY_ANNOTATION: write_history(entries)})
    assert [e.time for e in kept] == [str(i) for i in range(10, 30)]
    with pytest.raises(HistoryError, match="is not a rollout history"):
        read_history({HISTORY_ANNOTATION: json.dumps([{"time": 1}])})


@pytest.mark.parametrize("meta,named,exempt,reason", [
    ({"name": "kube-system"}, False, frozenset(), "system namespace (name it to include it)"),
    ({"name": "kube-system"}, True, frozenset(), None),
    ({"name": "a"}, False, frozenset({"a"}), "exempt by the cluster's PodSecurity configuration"),
    ({"name": "a", "labels": {"security.openshift.io/scc.podSecurityLabelSync": "true"}}, False,
     frozenset(), "labels managed by OpenShift (security.openshift.io/scc.podSecurityLabelSync=true)"),
    ({"name": "a", "labels": {"security.openshift.io/scc.podSecurityLabelSync": "false"}}, False,
     frozenset(), None),
])
def test_skip_reasons(meta: dict, named: bool, exempt: frozenset[str], reason: str | None) -> None:
    assert skip_reason({"metadata": meta}, named, exempt) == reason


def test_next_stage_and_strictest_level() -> None:
    assert next_stage(Stage.NONE, None) is Stage.WARN
    assert next_stage(Stage.ENFORCE, None) is Stage.ENFORCE
    assert next_stage(Stage.WARN, Stage.ENFORCE) is Stage.ENFORCE
    assert next_stage(Stage.AUDIT, Stage.WARN) is Stage.AUDIT
    assert strictest_passing({Level.RESTRICTED: 2, Level.BASELINE: 0}) is Level.BASELINE
    assert strictest_passing({Level.RESTRICTED: 1, Level.BASELINE: 1}) is Level.PRIVILEGED
    assert strictest_passing({}) is Level.RESTRICTED

"""The rollout tables and documents, exactly."""

from __future__ import annotations

import json

import yaml

from kubectl_podsec.render.serialize import dump_yaml
from kubectl_podsec.pss import Level, Version
from kubectl_podsec.render.rollout import (
    plan_document, plan_table, run_document, run_table, status_document, status_table, structured,
)
from kubectl_podsec.rollout.stages import HISTORY_ANNOTATION, Blocker, Entry, NamespacePlan, Stage, write_history
from kubectl_podsec.rollout.steps import Author, Outcome, advance, status, StepResult

P = "pod-security.kubernetes.io/"
V = Version(37)
BLOCKERS = (
    Blocker("Pod/priv", ("privileged",), 'privileged (container "app" must not set securityContext.privileged=true)'),
    Blocker("CronJob/nightly", ("hostNamespaces",), "host namespaces (hostNetwork=true)"),
    Blocker("Pod/a", ("privileged",), "privileged (...)"),
    Blocker("Pod/b", ("privileged",), "privileged (...)"),
)
WEB = NamespacePlan("web", {P + "warn": "baseline"}, Stage.WARN, Level.PRIVILEGED, Level.BASELINE, V, 6,
                    BLOCKERS, None, 5)
SYSTEM = NamespacePlan("kube-system", {}, Stage.NONE, Level.RESTRICTED, Level.BASELINE, V, 0, (),
                       "system namespace (name it to include it)")


def test_plan_table() -> None:
    assert plan_table([WEB, SYSTEM]) == """\
NAMESPACE     ENFORCE   AUDIT   WARN              OBJECTS   PASSES       TARGET           STAGE   BLOCKED   NEXT STEP
web           -         -       baseline:latest   6         privileged   baseline:v1.37   warn    5         audit baseline
kube-system   -         -       -                 -         -            baseline:v1.37   none    -         skipped: system namespace (name it to include it)

web: 5 object(s) violate baseline:v1.37
  Pod/priv: privileged
  CronJob/nightly: hostNamespaces
  Pod/a: privileged
  ... and 2 more (-o wide)
"""


def test_plan_wide_shows_every_kept_blocker_with_its_message() -> None:
    wide = plan_table([WEB], wide=True)
    assert wide.endswith("""\
web: 5 object(s) violate baseline:v1.37
  Pod/priv: privileged
    privileged (container "app" must not set securityContext.privileged=true)
  CronJob/nightly: hostNamespaces
    host namespaces (hostNetwork=true)
  Pod/a: privileged
    privileged (...)
  Pod/b: privileged
    privileged (...)
  ... and 1 more
""")


def test_plan_document_round_trips_through_json_and_yaml() -> None:
    doc = plan_document([WEB, SYSTEM], Level.BASELINE, V, ["cannot read jobs"])
    assert doc["summary"] == {"namespaces": 2, "skipped": 1, "ready": 0, "blocked": 1, "objects": 6}
    assert doc["namespaces"][1]["strictestPassing"] is None
    assert json.loads(structured(doc, "json", dump_yaml)) == doc
    assert yaml.safe_load(structured(doc, "yaml", dump_yaml)) == doc
    assert structured(doc, "json", dump_yaml).splitlines()[6].startswith('    {"namespace": "web", ')


def test_run_table_and_document() -> None:
    namespace = {"metadata": {"name": "web", "resourceVersion": "3", "labels": {P + "warn": "baseline"}}}
    step = advance(namespace, WEB._replace(level=Level.RESTRICTED), Stage.ENFORCE,
                   Author("2026-01-02T03:04:05Z", "alice"), force=False)
    outcomes = [Outcome(step, StepResult.REFUSED),
                Outcome(step._replace(namespace="api", refused=None), StepResult.NOT_WRITTEN, "held back",
                        warnings=('existing pods in namespace "api" violate the new PodSecurity enforce level',))]
    table = run_table(outcomes, {"web": WEB})
    assert table.splitlines()[0].split() == ["NAMESPACE", "STAGE", "LEVEL", "CHANGES", "RESULT"]
    assert table.splitlines()[1:3] == [
        "web         none -> enforce   restricted:v1.37   enforce=restricted, enforce-version=v1.37, "
        "audit=restricted, audit-version=v1.37, warn=restricted, warn-version=v1.37   refused",
        "api         none -> enforce   restricted:v1.37   enforce=restricted, enforce-version=v1.37, "
        "audit=restricted, audit-version=v1.37, warn=restricted, warn-version=v1.37   not-written",
    ]
    assert "\n".join(table.splitlines()[3:]) == """
web: refused
  5 object(s) violate restricted:v1.37: enforcing it would reject their pods (fix them, or --force)
    Pod/priv: privileged
    CronJob/nightly: hostNamespaces
    Pod/a: privileged
    ... and 2 more (-o wide)

api: not-written
  held back
  server: existing pods in namespace "api" violate the new PodSecurity enforce level"""
    doc = run_document("RolloutRun", outcomes, {"web": WEB}, False, [], "enforce")
    assert doc["summary"] == {"refused": 1, "not-written": 1}
    assert doc["namespaces"][0]["changes"][P + "enforce-version"] == "v1.37"
    assert doc["namespaces"][0]["blocked"] == 5
    assert doc["namespaces"][1]["serverWarnings"] == [
        'existing pods in namespace "api" violate the new PodSecurity enforce level']


def test_status_table() -> None:
    entry = Entry("2026-01-02T03:04:05Z", "alice", "warn", "restricted", "v1.37", {P + "enforce": "privileged"})
    namespace = {"metadata": {"name": "web", "labels": {P + "enforce": "privileged", P + "warn": "restricted",
                                                        P + "warn-version": "v1.37"},
                              "annotations": {HISTORY_ANNOTATION: write_history([entry])}}}
    statuses = [status(namespace), status({"metadata": {"name": "new"}})]
    assert status_table(statuses, wide=True) == """\
NAMESPACE   ENFORCE             AUDIT   WARN               STAGE             STEPS   LAST STEP
web         privileged:latest   -       restricted:v1.37   warn restricted   1       warn restricted:v1.37 by alice at 2026-01-02T03:04:05Z
new         -                   -       -                  none              0       -

web: history (oldest first)
  2026-01-02T03:04:05Z  alice  warn restricted:v1.37  (labels before: enforce=privileged)
"""
    doc = status_document(statuses, [])
    assert doc["namespaces"][0]["history"] == [entry.to_dict()]
    assert doc["namespaces"][1]["stage"] == "none"

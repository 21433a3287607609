"""The judging process gives exactly what judging in-process gives, from raw
pages or decoded ones, and says so when it fails."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from kubectl_podsec.pss import Evaluator, Level, Version
from kubectl_podsec.kube.resources import POD, WORKLOAD_RESOURCES
from kubectl_podsec.rollout.worker import InProcess, Worker, judging
from kubectl_podsec.rollout.tally import Judge

CRONJOB = WORKLOAD_RESOURCES[-1]


def pods(namespace: str, n: int, privileged: bool) -> list[dict[str, Any]]:
    container = {"name": "app", "image": "x", "securityContext": {"privileged": privileged}}
    return [{"metadata": {"name": f"p{i}", "namespace": namespace}, "spec": {"containers": [container]}}
            for i in range(n)]


def raw(items: list[dict[str, Any]]) -> bytes:
    return json.dumps({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items}).encode()


def feed(judges: Worker | InProcess) -> dict[str, tuple[int, int, int, list[str]]]:
    judges.start({"a": Level.RESTRICTED, "b": Level.BASELINE})
    judges.page(POD, raw(pods("a", 3, True) + pods("skipped", 2, True)))
    judges.page(POD, raw(pods("b", 2, False)))
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": "b"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {"hostPID": True, "containers": []}}}}}}
    judges.page(CRONJOB, [cron])
    tallies, evaluated = judges.finish()
    judges.close()
    assert evaluated == 3
    return {n: (t.objects, t.blocked, t.not_restricted, [b.object for b in t.blockers]) for n, t in tallies.items()}


EXPECTED = {"a": (3, 3, 3, ["Pod/p0", "Pod/p1", "Pod/p2"]), "b": (3, 1, 3, ["CronJob/c"])}


def test_in_process() -> None:
    assert feed(InProcess(Judge(Evaluator(37), Version(37)))) == EXPECTED


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker is forked on Linux only")
def test_in_a_worker_process() -> None:
    judges = judging(Judge(Evaluator(37), Version(37)), parallel=True)
    assert isinstance(judges, Worker)
    assert feed(judges) == EXPECTED


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker is forked on Linux only")
def test_a_failing_worker_is_reported() -> None:
    judges = Worker(Judge(Evaluator(37), Version(37)))
    judges.start({"a": Level.RESTRICTED})
    judges.page(POD, b'{"kind": "PodList", "items": [')  # not JSON
    with pytest.raises(RuntimeError, match="the judging process failed: JSONDecodeError"):
        judges.finish()
    judges.close()


def test_named_namespaces_are_judged_in_process() -> None:
    assert isinstance(judging(Judge(Evaluator(37), Version(37)), parallel=False), InProcess)

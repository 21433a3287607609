"""The engine against the upstream Go library (tests/oracle), on generated pods.

All cases go through one oracle process; verdict, aggregate reason and aggregate detail must be
identical. Neither side applies API-server defaulting: this compares the evaluators alone.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest
from podgen import generate_pods

from kubectl_podsec.pss import Evaluator, LevelVersion, evaluate

if TYPE_CHECKING:
    from conftest import Oracle

pytestmark = pytest.mark.oracle

POD_COUNT = 10_000
LEVELS = ("baseline", "restricted")
# Every policy version, latest, and versions newer than any check (they resolve like latest).
VERSIONS = (*(f"v1.{minor}" for minor in range(38)), "v1.38", "v1.99", "latest")
LEVEL_VERSIONS = tuple((level, version) for version in VERSIONS for level in LEVELS)
EVALUATIONS_PER_POD = 4
CAPS = (25, 30, 35)
CAPPED_PODS = 1_500
CAPPED_VERSIONS = ("v1.19", "v1.24", "v1.25", "v1.26", "v1.29", "v1.30", "v1.31", "v1.34", "v1.35", "v1.37", "latest")
REPORTED_MISMATCHES = 20

# The reason of every check, so a generator that stops exercising one is noticed.
ALL_REASONS = (
    "privileged", "host namespaces", "non-default capabilities", "hostPath volumes", "hostPort",
    "probe or lifecycle host", "procMount", "seLinuxOptions", "seccompProfile", "forbidden sysctls",
    "hostProcess", "forbidden AppArmor profile", "forbidden AppArmor profiles", "allowPrivilegeEscalation != false",
    "unrestricted capabilities", "restricted volume types", "runAsNonRoot != true", "runAsUser=0",
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    pod: int
    level: str
    version: str
    max_version: int | None = None

    def request(self, pods: Sequence[dict[str, Any]]) -> dict[str, Any]:
        max_version = None if self.max_version is None else f"v1.{self.max_version}"
        return {"level": self.level, "version": self.version, "maxVersion": max_version, "pod": pods[self.pod]}

    def __str__(self) -> str:
        cap = "" if self.max_version is None else f" (maxVersion v1.{self.max_version})"
        return f"pod {self.pod} at {self.level}:{self.version}{cap}"


def uncapped_cases() -> list[Case]:
    """Each pod at EVALUATIONS_PER_POD level/versions, cycling so every one is hit evenly."""
    return [
        Case(pod, *LEVEL_VERSIONS[(pod * EVALUATIONS_PER_POD + i) % len(LEVEL_VERSIONS)])
        for pod in range(POD_COUNT)
        for i in range(EVALUATIONS_PER_POD)
    ]


def capped_cases() -> list[Case]:
    combos = [(level, version, cap) for cap in CAPS for version in CAPPED_VERSIONS for level in LEVELS]
    return [Case(pod, *combos[pod % len(combos)]) for pod in range(CAPPED_PODS)]


@cache
def capped_evaluator(max_version: int) -> Evaluator:
    return Evaluator(max_version=max_version)


def engine_verdict(case: Case, pod: dict[str, Any]) -> dict[str, Any]:
    lv = LevelVersion.parse(case.level, case.version)
    if case.max_version is None:
        result = evaluate(lv, pod["metadata"], pod["spec"])
    else:
        result = capped_evaluator(case.max_version).evaluate(lv, pod["metadata"], pod["spec"])
    return {"allowed": result.allowed, "reason": result.forbidden_reason, "detail": result.forbidden_detail}


@pytest.fixture(scope="module")
def pods() -> list[dict[str, Any]]:
    return generate_pods(POD_COUNT)


@pytest.fixture(scope="module")
def verdicts(pods: list[dict[str, Any]], oracle: Oracle) -> dict[Case, dict[str, Any]]:
    """The oracle's answer for every case of this module, from a single batch run."""
    cases = uncapped_cases() + capped_cases()
    answers = oracle.evaluate([case.request(pods) for case in cases])
    errors = [(case, answer["error"]) for case, answer in zip(cases, answers) if answer.get("error")]
    assert not errors, f"the oracle could not evaluate {len(errors)} cases, e.g. {errors[0][0]}: {errors[0][1]}"
    return dict(zip(cases, answers))


def describe(case: Case, pod: dict[str, Any], expected: dict[str, Any], got: dict[str, Any]) -> str:
    fields = [key for key in ("allowed", "reason", "detail") if expected[key] != got[key]]
    lines = [f"{case}: {', '.join(fields)} differ", f"  pod: {json.dumps(pod)}"]
    lines += [f"  {key}: expected {expected[key]!r}\n  {key}:      got {got[key]!r}" for key in fields]
    return "\n".join(lines)


def assert_engine_agrees(cases: list[Case], pods: list[dict[str, Any]], verdicts: dict[Case, Any]) -> None:
    mismatches = []
    for case in cases:
        expected = {key: verdicts[case][key] for key in ("allowed", "reason", "detail")}
        got = engine_verdict(case, pods[case.pod])
        if got != expected:
            mismatches.append(describe(case, pods[case.pod], expected, got))
    assert not mismatches, f"{len(mismatches)} of {len(cases)} evaluations differ from the Go library:\n\n" + (
        "\n\n".join(mismatches[:REPORTED_MISMATCHES])
    )


def test_cases_cover_every_version() -> None:
    cases = uncapped_cases()
    hits = Counter((case.level, case.version) for case in cases)
    assert len(cases) >= 10_000
    assert set(hits) == set(LEVEL_VERSIONS)
    assert min(hits.values()) >= 100


def test_generated_pods_exercise_every_check(verdicts: dict[Case, dict[str, Any]]) -> None:
    reasons = Counter(reason for answer in verdicts.values() for reason in answer["reason"].split(", ") if reason)
    rare = {reason: reasons[reason] for reason in ALL_REASONS if reasons[reason] < 50}
    assert not rare, f"the generated pods rarely fail these checks: {rare}"
    allowed = Counter(case.level for case, answer in verdicts.items() if answer["allowed"])
    assert min(allowed[level] for level in LEVELS) >= 200, f"too few allowed pods per level: {allowed}"


def test_engine_matches_oracle(pods: list[dict[str, Any]], verdicts: dict[Case, dict[str, Any]]) -> None:
    assert_engine_agrees(uncapped_cases(), pods, verdicts)


def test_engine_matches_oracle_with_max_version(
    pods: list[dict[str, Any]], verdicts: dict[Case, dict[str, Any]]
) -> None:
    assert_engine_agrees(capped_cases(), pods, verdicts)

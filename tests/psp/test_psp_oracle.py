"""Differential tests: the engine against Kubernetes v1.24's own PSP provider (the oracle).

Every table case of test_psp_validation and test_psp_mutation, plus generated policies and
pods, must give the same field errors (same strings, same order), the same "mutated" verdict
(Go's semantic DeepEqual) and the same mutated security fields.
"""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_podsec.psp import evaluate_policy, parse_policy
from kubectl_podsec.psp.provider import validate_pod
from tests.psp import test_psp_mutation, test_psp_validation
from tests.psp.builders import psp
from tests.psp.conftest import PspOracle
from tests.psp.generators import Generator

pytestmark = pytest.mark.oracle
GENERATED = 3000


def security_fields(pod: dict[str, Any]) -> Any:
    """What PSP reads and writes, with unset, empty and null folded together."""
    spec = pod.get("spec") or {}
    return _prune({
        "annotations": (pod.get("metadata") or {}).get("annotations"),
        "pod": spec.get("securityContext"),
        "runtimeClassName": spec.get("runtimeClassName"),
        "containers": [[c.get("securityContext") for c in spec.get(kind) or ()]
                       for kind in ("initContainers", "containers", "ephemeralContainers")],
    })


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def test_validation_tables(psp_oracle: PspOracle) -> None:
    cases = [(policy, pod) for _, policy, pod, _ in test_psp_validation.CASES]
    cases += [(psp(annotations=notes), pod) for _, notes, pod, _ in test_psp_validation.PROFILE_CASES]
    answers = psp_oracle.evaluate([{"psp": p, "pod": q, "mutate": False} for p, q in cases])
    for (policy, pod), answer in zip(cases, answers, strict=True):
        assert [str(e) for e in validate_pod(parse_policy(policy), pod)] == answer["errors"]


@pytest.mark.parametrize("seed", [1, 2])
def test_mutation_and_generated_cases(psp_oracle: PspOracle, seed: int) -> None:
    generator = Generator(seed)
    cases = [(policy, pod) for _, policy, pod, _ in test_psp_mutation.CASES]
    cases += [(generator.policy(f"p{i}"), generator.pod()) for i in range(GENERATED)]
    answers = psp_oracle.evaluate([{"psp": p, "pod": q, "mutate": True} for p, q in cases])
    mismatches = []
    for (policy, pod), answer in zip(cases, answers, strict=True):
        assert "error" not in answer, answer
        ours = evaluate_policy(policy, pod)
        theirs = (answer["errors"], answer["mutated"], security_fields(answer["pod"]))
        if (list(ours.errors), ours.mutated, security_fields(ours.pod)) != theirs:
            mismatches.append((policy, pod, theirs))
    assert mismatches == []

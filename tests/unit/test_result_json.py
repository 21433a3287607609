"""`-o json` writes each result's line directly (render/result_json.py): the text must be
json.dumps of the result's `to_dict`, byte for byte. Compared on every result of real
runs (namespace policies with unknown modes and label errors, exemptions of the object
and of its pods, --level at several versions, PodSecurityPolicies that mutate and deny,
validation errors and doubts, hostile input) and on values of types the direct writing
does not expect, which must come out as the encoder writes them."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
from click.testing import CliRunner

from kubectl_podsec.check.dry_run import ServerVerdict
from kubectl_podsec.check.report import Result
from kubectl_podsec.cli.main import cli
from kubectl_podsec.render import structured
from kubectl_podsec.render.result_json import result_line
from tests.conftest import ROOT
from tests.hostile import make_case, write_files

CONFIG = """apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults: {enforce: baseline, warn: restricted, audit-version: v1.24}
    exemptions:
      namespaces: [kube-system]
      runtimeClasses: [kata]
      usernames: [system:serviceaccount:kube-system:replicaset-controller]
"""
ODD = """apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/warn: nope}}
---
apiVersion: v1
kind: Pod
metadata: {name: "caf\\u00e9\\u2028\\u0001", namespace: shop}
spec: {containers: [{name: "a\\"b", image: "\\U0001F600", securityContext: {capabilities: {add: ["X\\\\Y"]}}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: fine, namespace: other}
spec: {runtimeClassName: kata, containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: system, namespace: kube-system}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec: {hostNetwork: true, containers: [{name: c, image: i, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: Bad_Name, namespace: other}
spec: {containers: [{name: c, image: i}, {name: c, image: i}]}
"""


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[Result]:
    """Every result the JSON writer writes, each line checked against the encoder's."""
    seen: list[Result] = []

    def checked(result: Result) -> str:
        line = result_line(result)
        assert line == json.dumps(result.to_dict(), ensure_ascii=False)
        seen.append(result)
        return line

    monkeypatch.setattr(structured, "result_line", checked)
    return seen


def run(*args: str) -> int:
    return CliRunner().invoke(cli, ["check", *args, "-o", "json"], catch_exceptions=False).exit_code


@pytest.mark.parametrize("flags", [
    [], ["--level", "restricted"], ["--level", "baseline", "--version", "v1.22"],
    ["--namespace-labels", "pod-security.kubernetes.io/enforce=baseline,pod-security.kubernetes.io/warn=restricted"],
    ["--psp-file", str(ROOT / "examples" / "psp" / "policies.yaml"), "--psp-allow", "restricted"],
    ["--admission-config", "CONFIG"],
], ids=["namespaces", "restricted", "baseline-v1.22", "labels", "psp", "config"])
def test_every_result_of_a_run(compared: list[Result], tmp_path: pathlib.Path, flags: list[str]) -> None:
    (tmp_path / "odd.yaml").write_text(ODD)
    (tmp_path / "config.yaml").write_text(CONFIG)
    flags = [str(tmp_path / "config.yaml") if f == "CONFIG" else f for f in flags]
    run("-R", "-f", str(ROOT / "examples"), "-f", str(tmp_path / "odd.yaml"), *flags)
    assert len(compared) >= 10
    if flags == []:
        assert any(r.policy.label_errors for r in compared) and any(r.warnings for r in compared)
        assert any(r.validation is not None and r.validation.errors for r in compared)
        assert any(e.evaluation is None for r in compared for e in r.admission.evaluations)
    if flags and flags[0] == "--psp-file":
        assert any(r.psp is not None and r.psp.mutations for r in compared)
        assert any(e.mutated for r in compared for e in r.admission.evaluations)
    if flags and flags[0] == "--admission-config":
        assert {r.admission.exempt for r in compared} >= {"namespace", "runtimeClass", None}
        assert any(r.admission.object_exempt != r.admission.exempt for r in compared)


def test_hostile_input(compared: list[Result], tmp_path: pathlib.Path) -> None:
    for seed in range(40):
        files = write_files(make_case(seed), str(tmp_path))
        run(*files)
        run(*files, "--psp-file", str(tmp_path / "policies.yaml"))
    assert len(compared) >= 40


def _results() -> list[Result]:
    seen: list[Result] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(structured, "result_line", lambda r: seen.append(r) or result_line(r))
        run("-f", str(ROOT / "examples" / "pods-list.yaml"), "-f", str(ROOT / "examples" / "chart-output.yaml"))
    return seen


VARIANTS: list[Any] = [
    lambda r: r._replace(server=ServerVerdict("me", True, "allowed", agrees=None, disagreements=("a", "b"))),
    lambda r: r._replace(server=ServerVerdict.no_answer("me", "gone", unknown=True)),
    lambda r: r._replace(source=None),
    lambda r: r._replace(source=r.source._replace(item=True)),  # not an int: the encoder's "true"
    lambda r: r._replace(source=r.source._replace(line=2.5)),
    lambda r: r._replace(object=r.object._replace(namespace=None)),
    lambda r: r._replace(object=r.object._replace(name=7)),
    lambda r: r._replace(admission=r.admission._replace(exempt="namespace", object_exempt=None)),
    lambda r: r._replace(admission=r.admission._replace(exempt=1)),
    lambda r: r._replace(admission=r.admission._replace(evaluations=tuple(
        e._replace(mutated=True, applies_to_object=0) for e in r.admission.evaluations))),
    lambda r: r._replace(admission=r.admission._replace(evaluations=tuple(
        e._replace(evaluation=None, unknown=None) for e in r.admission.evaluations))),
    lambda r: r._replace(validation=None),
    lambda r: r._replace(validation=r.validation and r.validation._replace(valid=None, doubts=("why",))),
    lambda r: r._replace(validation=r.validation and r.validation._replace(message="m\u00e9")),
]


@pytest.mark.parametrize("variant", range(len(VARIANTS)))
def test_values_of_other_types_and_shapes(variant: int) -> None:
    results = _results()
    assert results
    for result in results:
        changed = VARIANTS[variant](result)
        assert result_line(changed) == json.dumps(changed.to_dict(), ensure_ascii=False)

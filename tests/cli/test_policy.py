"""`kubectl podsec policy export` and `check --policy` in-process: output, and every exit code."""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml

from tests.cli.test_check import run
from tests.conftest import compare_golden

POD = """apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 0}
  containers:
  - name: app
    image: nginx
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
"""


def test_export_yaml_is_the_policy_then_its_binding() -> None:
    code, out, err = run("policy", "export", "--level", "baseline", "--version", "v1.30",
                         "--namespace-selector", "team in (a,b)", "--action", "warn,audit")
    assert (code, err) == (0, "")
    compare_golden("policy-export-baseline-v1.30.yaml", out)
    policy, binding = yaml.safe_load_all(out)
    assert binding["spec"] == {"policyName": "pod-security-baseline-v1.30", "validationActions": ["Warn", "Audit"],
                               "matchResources": {"namespaceSelector": {"matchExpressions": [
                                   {"key": "team", "operator": "In", "values": ["a", "b"]}]}}}
    assert "&id" not in out  # no YAML anchors: every list is its own


def test_export_json_is_a_list_kubectl_applies() -> None:
    code, out, _ = run("policy", "export", "--level", "restricted", "--templates", "-o", "json")
    doc = json.loads(out)
    assert code == 0 and doc["kind"] == "List"
    assert [i["kind"] for i in doc["items"]] == ["ValidatingAdmissionPolicy"] + ["ValidatingAdmissionPolicyBinding"] * 2


@pytest.mark.parametrize(("args", "error"), [
    (["--level", "restricted", "--skip", "runAsUser,hostPathVolumes"],
     "error: --skip: not a check of restricted:v1.37: hostPathVolumes; valid: appArmorProfile, hostNamespaces, "
     "hostPorts, hostProbesAndHostLifecycle, privileged, seLinuxOptions, sysctls, windowsHostProcess, "
     "allowPrivilegeEscalation, capabilities_restricted, procMount_restricted, restrictedVolumes, runAsNonRoot, "
     "runAsUser, seccompProfile_restricted\n"),
    (["--level", "baseline", "--version", "1.30"], 'error: --version: invalid value "1.30": must be "latest" or "v1.x"\n'),
    (["--level", "baseline", "--action", "Deny", "--action", "Warn"],
     "error: Deny and Warn cannot be combined in one binding (the API server refuses it)\n"),
    (["--level", "baseline", "--action", "block"], 'error: --action: "block" is not one of Deny, Warn, Audit\n'),
    (["--level", "baseline", "--object-selector", "a=b c"],
     'error: --object-selector: "a=b c" is not a label selector requirement\n'),
])
def test_export_usage_errors(args: list[str], error: str) -> None:
    code, _, err = run("policy", "export", *args)
    assert (code, err.splitlines(keepends=True)[0]) == (2, error)
    assert len(err.splitlines()) <= 2


def test_check_policy_judges_as_the_exported_policy(tmp_path: pathlib.Path) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD)
    policies = tmp_path / "policies"
    policies.mkdir()
    for name, skip in (("strict", ()), ("custom", ("--skip", "runAsUser,seccompProfile_restricted"))):
        out = run("policy", "export", "--level", "restricted", "--version", "v1.30", *skip)[1]
        (tmp_path / f"{name}.yaml").write_text(out)
    policy, binding = (tmp_path / "custom.yaml").read_text().split("---\n")
    (policies / "policy.yaml").write_text(policy)
    (policies / "binding.yaml").write_text(binding)

    strict = run("check", "--policy", str(tmp_path / "strict.yaml"), "-f", str(pod), "-o", "json")
    custom = run("check", "--policy", str(tmp_path / "custom.yaml"), "-f", str(pod), "-o", "json")
    directory = run("check", "--policy", str(policies), "-f", str(pod), "-o", "json")

    assert strict[0] == 1
    assert json.loads(strict[1])["results"][0]["evaluations"][0]["message"] == (
        'violates PodSecurity "restricted:v1.30": runAsUser=0 (pod must not set runAsUser=0), seccompProfile '
        '(pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")')
    assert custom[0] == directory[0] == 0
    assert json.loads(custom[1])["results"][0]["evaluations"][0]["allowed"] is True


def test_check_policy_usage_errors(tmp_path: pathlib.Path) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD)
    assert run("check", "--policy", str(pod), "-f", str(pod))[::2] == (2, f"error: {pod}: no ValidatingAdmissionPolicy found\n")
    policy = tmp_path / "policy.yaml"
    policy.write_text(run("policy", "export", "--level", "baseline")[1])
    assert run("check", "--policy", str(policy), "--level", "baseline", "-f", str(pod))[::2] == (
        2, "error: --policy is for offline checks of -f files, without --level\n")
    assert run("check", "--policy", str(tmp_path / "missing.yaml"), "-f", str(pod))[0] == 2

"""`check --psp-file` in-process: which PodSecurityPolicy would admit each pod,
its mutations or the denial, in every output format and exit code."""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml

from tests.cli.test_check import compare_golden
from tests.cli.test_check import run as run_check
from tests.conftest import ROOT

POLICIES = "examples/psp/policies.yaml"
ALL_USABLE = ("note: without --psp-allow, whoever creates the pods (for a workload, its controller) "
              "is taken to be allowed to use every PodSecurityPolicy")
PLAIN_POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: [{name: app, image: nginx}]}\n"
PRIVILEGED_POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: root}\n"
                  "spec: {containers: [{name: app, image: x, securityContext: {privileged: true}}]}\n")
RESTRICTED_DENIES_PRIVILEGED = (
    'pods "root" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.containers[0].securityContext'
    '.privileged: Invalid value: true: Privileged containers are not allowed]')
# What examples/psp/policies.yaml's restricted writes into a pod that sets nothing itself.
RESTRICTED_MUTATIONS = [
    {"path": "spec.securityContext.supplementalGroups", "old": None, "new": [1]},
    {"path": "spec.securityContext.fsGroup", "old": None, "new": 1},
    {"path": "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]", "old": None,
     "new": "runtime/default"},
    {"path": "spec.containers[0].securityContext.runAsNonRoot", "old": None, "new": True},
    {"path": "spec.containers[0].securityContext.capabilities.drop", "old": None, "new": ["ALL"]},
    {"path": "spec.containers[0].securityContext.allowPrivilegeEscalation", "old": None, "new": False},
]


# These tests are about PodSecurityPolicy: Pod Security's policy is made known
# (privileged in every mode) for namespaces the input does not label, so that
# it is not unknown (exit 4).
KNOWN_POD_SECURITY = ("--namespace-labels", ",".join(
    f"pod-security.kubernetes.io/{mode}=privileged" for mode in ("enforce", "audit", "warn")))


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    given = "--namespace-labels" in args or "--level" in args
    return run_check(*args, *(() if given else KNOWN_POD_SECURITY), input=input)


def write(tmp_path: pathlib.Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("fmt", ["table", "wide", "json", "yaml", "sarif"])
def test_golden_outputs(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run("check", "-f", "examples", "--psp-file", POLICIES, "--psp-allow", "restricted",
                         "-o", fmt)
    assert (code, err) == (1, "")  # the CronJob's and the DaemonSet's pods: no policy admits them
    compare_golden(f"check-examples-psp.{fmt}", out)


def test_all_policies_usable_by_default_and_said_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run("check", "-f", "examples/pods-list.yaml", "--psp-file", POLICIES, "-o", "json")
    psp = {r["object"]["name"]: r["psp"] for r in json.loads(out)["results"]}
    assert code == 0
    assert err == ALL_USABLE + "\n"
    # privileged accepts the debug shell as it is, so it wins over restricted, which would mutate it
    assert psp["debug-shell"] == {"chosen": "privileged", "allowed": True, "mutations": []}


def test_allow_restricts_and_the_chosen_policy_mutates(tmp_path: pathlib.Path) -> None:
    pod = write(tmp_path, "pod.yaml", PLAIN_POD)
    code, out, err = run("check", "-f", pod, "--psp-file", str(ROOT / POLICIES), "--psp-allow", "restricted",
                         "-o", "json")
    (result,) = json.loads(out)["results"]
    assert (code, err) == (0, "")
    assert result["psp"] == {"chosen": "restricted", "allowed": True, "mutations": RESTRICTED_MUTATIONS}


def test_denial_is_a_finding_in_every_format(tmp_path: pathlib.Path) -> None:
    pod = write(tmp_path, "pod.yaml", PRIVILEGED_POD)
    args = ("check", "-f", pod, "--psp-file", str(ROOT / POLICIES), "--psp-allow", "restricted")
    code, out, _ = run(*args, "-o", "json")
    report = json.loads(out)
    (result,) = report["results"]
    assert code == 1
    assert result["podsAllowed"] is True  # Pod Security (privileged:latest) admits it; PSP does not
    assert result["psp"] == {"chosen": None, "allowed": False, "mutations": [],
                             "message": RESTRICTED_DENIES_PRIVILEGED}
    assert report["summary"] == {"objects": 1, "allowed": 0, "denied": 1, "unknown": 0, "skipped": 0,
                                 "errors": 0}

    code, out, _ = run(*args, "-o", "yaml")
    assert code == 1 and yaml.safe_load(out)["results"][0]["psp"] == result["psp"]

    code, out, _ = run(*args)
    rows = out.splitlines()
    assert code == 1
    assert rows[0].split() == ["NAMESPACE", "KIND", "NAME", "ENFORCE", "AUDIT", "WARN", "PSP", "RESULT"]
    assert rows[1].split()[-2:] == ["denied", "DENIED"]
    assert f"  psp: {RESTRICTED_DENIES_PRIVILEGED}\n" in out

    code, out, _ = run(*args, "-o", "sarif")
    (finding,) = json.loads(out)["runs"][0]["results"]
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert code == 1
    assert (finding["ruleId"], finding["level"]) == ("PodSecurityPolicy", "error")
    assert rules[finding["ruleIndex"]]["id"] == "PodSecurityPolicy"
    assert finding["message"]["text"] == f"Pod default/root: {RESTRICTED_DENIES_PRIVILEGED}"


def test_mutations_in_table_wide_and_sarif(tmp_path: pathlib.Path) -> None:
    pod = write(tmp_path, "pod.yaml", PLAIN_POD)
    args = ("check", "-f", pod, "--psp-file", str(ROOT / POLICIES), "--psp-allow", "restricted")
    _, table, _ = run(*args)
    _, wide, _ = run(*args, "-o", "wide")
    _, sarif, _ = run(*args, "-o", "sarif")
    assert table.splitlines()[1].split()[-3:] == ["restricted", "+mutates", "allowed"]
    assert "psp: restricted sets" not in table
    assert ("Pod shop/web (" + pod + "#0): allowed\n"
            "  psp: restricted sets spec.securityContext.supplementalGroups: (unset) -> [1]\n"
            "  psp: restricted sets spec.securityContext.fsGroup: (unset) -> 1\n"
            '  psp: restricted sets metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: (unset) -> "runtime/default"\n'
            "  psp: restricted sets spec.containers[0].securityContext.runAsNonRoot: (unset) -> true\n"
            '  psp: restricted sets spec.containers[0].securityContext.capabilities.drop: (unset) -> ["ALL"]\n'
            "  psp: restricted sets spec.containers[0].securityContext.allowPrivilegeEscalation: (unset) -> false\n"
            ) in wide
    (note,) = json.loads(sarif)["runs"][0]["results"]
    assert (note["ruleId"], note["level"]) == ("PodSecurityPolicyMutation", "note")
    assert note["properties"]["mutations"] == RESTRICTED_MUTATIONS


def test_unchanged_pod_leaves_no_sarif_result(tmp_path: pathlib.Path) -> None:
    pod = write(tmp_path, "pod.yaml", PLAIN_POD)
    code, out, _ = run("check", "-f", pod, "--psp-file", str(ROOT / POLICIES), "--psp-allow", "privileged",
                       "-o", "sarif")
    run_ = json.loads(out)["runs"][0]
    assert code == 0 and run_["results"] == []
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]][-2:] == [
        "PodSecurityPolicy", "PodSecurityPolicyMutation"]


def test_workloads_admit_the_pod_their_controller_creates(tmp_path: pathlib.Path) -> None:
    deploy = write(tmp_path, "deploy.yaml", (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n"
        "  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n"
        "    spec: {containers: [{name: app, image: x, securityContext: {privileged: true}}]}\n"))
    code, out, _ = run("check", "-f", deploy, "--psp-file", str(ROOT / POLICIES), "--psp-allow", "restricted",
                       "-o", "json")
    (result,) = json.loads(out)["results"]
    assert code == 1
    assert result["objectAllowed"] is True and result["podsAllowed"] is True
    # The ReplicaSet's pod, named as sent: generateName api-HASH- (the hash a stand-in).
    assert result["psp"]["message"] == RESTRICTED_DENIES_PRIVILEGED.replace('"root"', '"api-0000000000-"')

    code, table, _ = run("check", "-f", deploy, "--psp-file", str(ROOT / POLICIES), "--psp-allow", "restricted")
    assert table.splitlines()[1].split()[-3:] == ["denied", "PODS", "DENIED"]
    assert f"Deployment shop/api ({deploy}#0): pods would be rejected; the object itself would be accepted\n" in table


def test_service_account_grants(tmp_path: pathlib.Path) -> None:
    pod = write(tmp_path, "pod.yaml", PRIVILEGED_POD.replace("spec: {", "spec: {serviceAccountName: builder, "))
    code, out, _ = run("check", "-f", pod, "--psp-file", str(ROOT / POLICIES), "--psp-allow", "",
                       "--psp-sa-allow", "privileged", "-o", "json")
    assert code == 0
    assert json.loads(out)["results"][0]["psp"] == {"chosen": "privileged", "allowed": True, "mutations": []}


def test_nothing_allowed_denies_with_the_upstream_message(tmp_path: pathlib.Path) -> None:
    pod = write(tmp_path, "pod.yaml", PLAIN_POD)
    code, out, _ = run("check", "-f", pod, "--psp-file", str(ROOT / POLICIES), "--psp-allow", "", "-o", "json")
    psp = json.loads(out)["results"][0]["psp"]
    assert code == 1
    assert psp["message"].startswith('pods "web" is forbidden: PodSecurityPolicy: unable to admit pod: [')


def test_unknown_policy_names_are_warned_about(tmp_path: pathlib.Path) -> None:
    pod = write(tmp_path, "pod.yaml", PLAIN_POD)
    code, _, err = run("check", "-f", pod, "--psp-file", str(ROOT / POLICIES), "--psp-allow", "restricted,nope",
                       "--psp-sa-allow", "ghost")
    assert code == 0
    assert err == "warning: --psp-allow/--psp-sa-allow name ghost, nope, which --psp-file does not define\n"


def test_without_psp_file_there_is_no_psp_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run("check", "-f", "examples/pods-list.yaml", "-o", "json")
    assert (code, err) == (0, "")
    assert all("psp" not in r for r in json.loads(out)["results"])


BROKEN = ("apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: broken}\n"
          "spec: {runAsUser: {rule: 5}, seLinux: {rule: RunAsAny}}\n")
NAMED_A = ("apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: a}\n"
           "spec: {runAsUser: {rule: RunAsAny}, seLinux: {rule: RunAsAny}, "
           "supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}}\n")


@pytest.mark.parametrize("content,message", [
    ("kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\n---\n" + BROKEN,
     "{f}: document 1 (line 5): spec.runAsUser.rule: expected a string, got 5"),
    ("a: [\n", "{f}: document 0 (line 1): malformed YAML at line 2: did not find expected node content"),
    (NAMED_A + "---\n" + NAMED_A, "--psp-file {f}: metadata.name: two PodSecurityPolicies are named a"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "no PodSecurityPolicy objects in --psp-file"),
], ids=["invalid policy", "malformed YAML", "duplicate names", "no policies"])
def test_invalid_psp_file_exits_2_before_any_output(tmp_path: pathlib.Path, content: str, message: str) -> None:
    pod = write(tmp_path, "pod.yaml", PLAIN_POD)
    psps = write(tmp_path, "psps.yaml", content)
    code, out, err = run("check", "-f", pod, "--psp-file", psps, "-o", "json")
    assert (code, out) == (2, "")
    assert f"error: {message.format(f=psps)}\n" in err
    assert "Traceback" not in err


def test_a_pod_the_psp_engine_cannot_read_is_invalid_input(tmp_path: pathlib.Path) -> None:
    bad = write(tmp_path, "bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: ro}\nspec:\n  containers: "
                "[{name: c, image: x, securityContext: {readOnlyRootFilesystem: 'yes'}}]\n")
    good = write(tmp_path, "good.yaml", PLAIN_POD)
    code, out, err = run("check", "-f", bad, "-f", good, "--psp-file", str(ROOT / POLICIES), "--psp-allow", "*",
                         "-o", "json")
    assert code == 2
    assert err == (f"error: {bad}: document 0 (line 1): Pod default/ro: spec.containers[0].securityContext"
                   '.readOnlyRootFilesystem: expected a boolean, got "yes"\n')
    assert [r["object"]["name"] for r in json.loads(out)["results"]] == ["web"]


@pytest.mark.parametrize("args,message", [
    (["--psp-allow", "restricted"], "--psp-allow and --psp-sa-allow need --psp-file"),
    (["--psp-sa-allow", "restricted", "--psp-file", POLICIES, "--kubeconfig", "/nonexistent"],
     "--psp-allow and --psp-sa-allow are for offline checks: against a cluster, its RBAC says who may "
     "use each PodSecurityPolicy"),
    (["--psp-file", "/no/such/psps.yaml"], "/no/such/psps.yaml: no such file or directory"),
    (["--psp-file", "-"], "--psp-file takes files: stdin (-) is for -f"),
])
def test_psp_usage_errors(monkeypatch: pytest.MonkeyPatch, args: list[str], message: str) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run("check", "-f", "examples/pods-list.yaml", *args)
    assert (code, out, err) == (2, "", f"error: {message}\n")


# --- Pod Security judges the pod as PodSecurityPolicy mutated it ---------------------------------

RESTRICTED_NS = ("--namespace-labels",  # audit said too: it is otherwise left to unknown cluster defaults
                 "pod-security.kubernetes.io/enforce=restricted,pod-security.kubernetes.io/audit=privileged")
MUTATED_NOTE = ("Note: Pod Security evaluated each pod a PodSecurityPolicy mutates (+mutates) as mutated, "
                "as the API server does.\n")
ADDS_SYS_ADMIN = """apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: adds-sys-admin}
spec:
  defaultAddCapabilities: [SYS_ADMIN]
  allowedCapabilities: [SYS_ADMIN]
  volumes: ['*']
  runAsUser: {rule: RunAsAny}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
"""
DEPLOYMENT = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n"
              "  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n"
              "    spec: {containers: [{name: app, image: x}]}\n")


def test_a_pod_the_policy_makes_restricted_is_allowed(tmp_path: pathlib.Path) -> None:
    """restricted sets allowPrivilegeEscalation, drop ALL, runAsNonRoot and the
    seccomp annotation, which the 1.24 create strategy copies into the field."""
    pod = write(tmp_path, "pod.yaml", PLAIN_POD)
    psp = ("--psp-file", str(ROOT / POLICIES), "--psp-allow", "restricted")
    code, out, err = run("check", "-f", pod, *RESTRICTED_NS, *psp, "-o", "json")
    without = run("check", "-f", pod, *RESTRICTED_NS, "-o", "json")
    _, table, _ = run("check", "-f", pod, *RESTRICTED_NS, *psp)

    (result,) = json.loads(out)["results"]
    assert (code, err) == (0, "")
    assert without[0] == 1  # as written, restricted denies it
    assert result["podsAllowed"] is True and "warnings" not in result
    assert [(e["mode"], e["allowed"], e["pspMutated"]) for e in result["evaluations"]] == [
        ("enforce", True, True), ("audit", True, True), ("warn", True, True)]
    assert table.splitlines()[1].split()[-3:] == ["restricted", "+mutates", "allowed"]
    assert MUTATED_NOTE in table


def test_level_judges_the_mutated_pod_too(tmp_path: pathlib.Path) -> None:
    pod = write(tmp_path, "pod.yaml", PLAIN_POD)
    code, out, _ = run("check", "-f", pod, "--level", "restricted", "--version", "v1.24",
                       "--psp-file", str(ROOT / POLICIES), "--psp-allow", "restricted", "-o", "json")
    (evaluation,) = json.loads(out)["results"][0]["evaluations"]
    assert code == 0
    assert (evaluation["mode"], evaluation["allowed"], evaluation["pspMutated"]) == ("level", True, True)


def test_a_pod_the_policy_mutates_into_a_violation_is_denied(tmp_path: pathlib.Path) -> None:
    pod = write(tmp_path, "pod.yaml", PLAIN_POD)
    psps = write(tmp_path, "psps.yaml", ADDS_SYS_ADMIN)
    args = ("check", "-f", pod, "--namespace-labels", "pod-security.kubernetes.io/enforce=baseline",
            "--psp-file", psps)
    code, out, _ = run(*args, "-o", "json")
    _, table, _ = run(*args)

    (result,) = json.loads(out)["results"]
    assert code == 1
    assert result["psp"]["chosen"] == "adds-sys-admin" and result["psp"]["allowed"] is True
    assert result["podsAllowed"] is False
    assert result["evaluations"][0]["message"] == (
        'violates PodSecurity "baseline:latest": non-default capabilities '
        '(container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add)')
    assert table.splitlines()[1].split()[-3:] == ["adds-sys-admin", "+mutates", "DENIED"]


def test_a_denied_pod_is_judged_as_written(tmp_path: pathlib.Path) -> None:
    """Pod Security never sees a pod PodSecurityPolicy denied: nothing is marked mutated."""
    pod = write(tmp_path, "pod.yaml", PRIVILEGED_POD)
    code, out, _ = run("check", "-f", pod, *RESTRICTED_NS, "--psp-file", str(ROOT / POLICIES),
                       "--psp-allow", "restricted", "-o", "json")
    (result,) = json.loads(out)["results"]
    assert code == 1
    assert result["psp"]["message"] == RESTRICTED_DENIES_PRIVILEGED
    assert not any("pspMutated" in e for e in result["evaluations"])


def test_a_workloads_pods_are_judged_as_mutated_the_object_as_written(tmp_path: pathlib.Path) -> None:
    deploy = write(tmp_path, "deploy.yaml", DEPLOYMENT)
    psp = ("--psp-file", str(ROOT / POLICIES), "--psp-allow", "restricted")
    code, out, _ = run("check", "-f", deploy, *RESTRICTED_NS, *psp, "-o", "json")
    without = run("check", "-f", deploy, *RESTRICTED_NS, "-o", "json")

    (result,) = json.loads(out)["results"]
    assert code == 0
    assert json.loads(without[1])["results"][0]["podsAllowed"] is False
    assert (result["objectAllowed"], result["podsAllowed"]) == (True, True)
    # enforce decides the pods (mutated); warn, raised to enforce, judges the Deployment itself.
    assert [(e["mode"], e["allowed"], e.get("pspMutated", False)) for e in result["evaluations"]] == [
        ("enforce", True, True), ("audit", True, False), ("warn", False, False)]
    assert result["warnings"][0].startswith('would violate PodSecurity "restricted:latest": allowPrivilegeEscalation')


def test_a_pod_psp_denies_draws_no_pod_security_warning(tmp_path: pathlib.Path) -> None:
    """PodSecurityPolicy denies in the mutating phase: Pod Security never runs,
    so the server sends no warning, whatever warn says."""
    namespace = ("apiVersion: v1\nkind: Namespace\nmetadata: {name: default, labels: "
                 "{pod-security.kubernetes.io/warn: restricted}}\n---\n")
    path = write(tmp_path, "pods.yaml", namespace + PRIVILEGED_POD)

    code, out, _ = run("check", "-f", path, "--psp-file", str(ROOT / POLICIES), "--psp-allow", "restricted",
                       "-o", "json")

    (pod,) = json.loads(out)["results"]
    assert code == 1
    assert pod["psp"]["message"] == RESTRICTED_DENIES_PRIVILEGED
    assert next(e for e in pod["evaluations"] if e["mode"] == "warn")["allowed"] is False
    assert "warnings" not in pod


def test_a_statefulsets_pod_has_the_claim_volume_not_the_templates(tmp_path: pathlib.Path) -> None:
    """The controller replaces the template's hostPath `data` with the claim `data`: the
    restricted policy (no hostPath) admits the pod it really creates."""
    sts = write(tmp_path, "sts.yaml", (
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: shop}\nspec:\n"
        "  serviceName: db\n  selector: {matchLabels: {app: db}}\n"
        "  volumeClaimTemplates: [{metadata: {name: data}}]\n  template:\n    metadata: {labels: {app: db}}\n"
        "    spec:\n      securityContext: {runAsUser: 1000}\n"
        "      containers: [{name: app, image: x, volumeMounts: [{name: data, mountPath: /d}]}]\n"
        "      volumes: [{name: data, hostPath: {path: /srv}}]\n"))
    code, out, err = run("check", "-f", sts, "--psp-file", str(ROOT / POLICIES), "--psp-allow", "restricted",
                         "--namespace-labels", "pod-security.kubernetes.io/enforce=privileged", "-o", "json")
    (result,) = json.loads(out)["results"]
    assert result["psp"]["chosen"] == "restricted" and result["psp"]["allowed"] is True, err
    assert code == 0

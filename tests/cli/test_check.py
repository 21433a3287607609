"""`kubectl podsec check` in-process: golden outputs per format, and every exit code."""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml
from click.testing import CliRunner

from kubectl_podsec.cli.main import cli
from tests.conftest import ROOT, compare_golden

def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", ["table", "wide", "json", "yaml", "sarif"])
@pytest.mark.parametrize("variant,extra", [("policy", []), ("restricted", ["--level", "restricted"])])
def test_golden_outputs(monkeypatch: pytest.MonkeyPatch, fmt: str, variant: str, extra: list[str]) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run("check", "-f", "examples", "-o", fmt, *extra)
    # Namespaces without labels leave every mode to the cluster's unknown defaults: exit 4.
    assert code == (0 if variant == "policy" else 1), err
    compare_golden(f"check-examples-{variant}.{fmt}", out)


def test_json_report_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    _, out, _ = run("check", "-f", "examples/chart-output.yaml", "-o", "json")
    report = json.loads(out)
    assert report["apiVersion"] == "podsec.kubectl.io/v1alpha1"
    assert report["kind"] == "CheckReport"
    sts = next(r for r in report["results"] if r["object"]["kind"] == "StatefulSet")
    assert sts["source"] == {"file": "examples/chart-output.yaml", "document": 4, "line": 59}
    assert sts["object"] == {"apiVersion": "apps/v1", "kind": "StatefulSet",
                             "namespace": "payments", "name": "ledger-db"}
    modes = {e["mode"]: e for e in sts["evaluations"]}
    assert modes["enforce"]["appliesToObject"] is False
    assert modes["enforce"]["allowed"] is True
    assert modes["warn"]["version"] == "v1.35" and modes["warn"]["resolvedVersion"] == "v1.35"
    assert modes["warn"]["message"].startswith('would violate PodSecurity "restricted:v1.35": ')
    assert sts["warnings"] == [modes["warn"]["message"]]
    assert {s["object"]["kind"] for s in report["skipped"]} == {"Namespace", "ConfigMap", "Service"}
    assert report["summary"] == {"objects": 4, "allowed": 4, "denied": 0, "unknown": 0, "skipped": 3,
                                 "errors": 0}


def test_level_mode_message_is_the_controllers(tmp_path: pathlib.Path) -> None:
    pod = tmp_path / "nginx.yaml"
    pod.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: nginx}\n"
                   "spec:\n  containers:\n  - {name: nginx, image: nginx}\n")
    code, out, _ = run("check", "-f", str(pod), "--level", "restricted", "-o", "json")
    assert code == 1
    (evaluation,) = json.loads(out)["results"][0]["evaluations"]
    assert evaluation["mode"] == "level"
    assert evaluation["message"] == (
        'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false '
        '(container "nginx" must set securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type '
        'to "RuntimeDefault" or "Localhost")')


def test_server_version_decides_latest(tmp_path: pathlib.Path) -> None:
    pod = tmp_path / "p.yaml"
    pod.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                   "  securityContext: {sysctls: [{name: net.ipv4.tcp_rmem, value: '1 2 3'}]}\n"
                   "  containers: [{name: c, image: x}]\n")
    code, out, _ = run("check", "-f", str(pod), "--level", "baseline", "--server-version", "v1.31", "-o", "json")
    ev = json.loads(out)["results"][0]["evaluations"][0]
    assert (code, ev["resolvedVersion"], ev["allowed"]) == (1, "v1.31", False)
    code, out, _ = run("check", "-f", str(pod), "--level", "baseline", "--server-version", "v1.32", "-o", "json")
    assert (code, json.loads(out)["results"][0]["evaluations"][0]["allowed"]) == (0, True)


def test_stdin_and_namespace_flag(tmp_path: pathlib.Path) -> None:
    manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, hostPID: true}], hostPID: true}\n"
    code, out, _ = run("check", "-f", "-", "-n", "team-a", "--namespace-labels",
                       "pod-security.kubernetes.io/enforce=baseline", "-o", "json", input=manifest)
    result = json.loads(out)["results"][0]
    assert code == 1
    assert result["object"]["namespace"] == "team-a"
    assert result["policySource"] == "--namespace-labels"
    assert result["source"]["file"] == "-"


def test_admission_config_defaults_and_exemptions(tmp_path: pathlib.Path) -> None:
    config = tmp_path / "admission.yaml"
    config.write_text(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n"
        "- name: PodSecurity\n  configuration:\n"
        "    apiVersion: pod-security.admission.config.k8s.io/v1\n    kind: PodSecurityConfiguration\n"
        "    defaults: {enforce: baseline}\n    exemptions: {namespaces: [kube-system]}\n")
    pods = tmp_path / "pods.yaml"
    pods.write_text("".join(
        f"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: {ns}}}\n"
        "spec: {hostNetwork: true, containers: [{name: c}]}\n" for ns in ("kube-system", "apps")))
    code, out, _ = run("check", "-f", str(pods), "--admission-config", str(config), "-o", "json")
    results = json.loads(out)["results"]
    assert code == 1
    assert results[0]["exempt"] == "namespace" and results[0]["podsAllowed"] is True
    assert results[1]["podsAllowed"] is False
    assert results[1]["policySource"] == f"cluster defaults from {config}"


@pytest.mark.parametrize("content,needle", [
    ("a: [\n", "malformed YAML"),
    ("- 1\n- 2\n", "not an object (got a list)"),
    ("apiVersion: v1\nmetadata: {}\n", "object has no kind"),
    ("kind: Pod\n", "Pod has no apiVersion"),
    ("{\"kind\": ", "malformed JSON"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, securityContext: {privileged: 'yes'}}]}\n",
     "spec.containers[0].securityContext.privileged: expected boolean, got string"),
])
def test_bad_documents_exit_2_and_name_the_place(tmp_path: pathlib.Path, content: str, needle: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    good = tmp_path / "good.yaml"
    good.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec: {containers: [{name: c}]}\n")
    code, out, err = run("check", "-f", str(bad), "-f", str(good), "-o", "json")
    assert code == 2
    assert needle in err and str(bad) in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2
    assert [r["object"]["name"] for r in json.loads(out)["results"]] == ["ok"]


@pytest.mark.parametrize("args,needle", [
    (["-f", "/no/such/file"], "/no/such/file: no such file or directory"),
    (["-f", "examples", "--level", "restricted", "--version", "v1.05"], '--version: invalid value "v1.05": must be "latest" or "v1.x"'),
    (["-f", "examples", "--version", "v1.30"], "--version needs --level"),
    (["-f", "examples", "--server-version", "2.0"], "--server-version"),
    (["-f", "examples", "--namespace-labels", "pod-security.kubernetes.io/warn=nope"],
     'Invalid value: "nope": must be one of privileged, baseline, restricted'),
])
def test_usage_errors(monkeypatch: pytest.MonkeyPatch, args: list[str], needle: str) -> None:
    monkeypatch.chdir(ROOT)
    code, _, err = run("check", *args)
    assert code == 2 and needle in err and "Traceback" not in err


def test_empty_directory(tmp_path: pathlib.Path) -> None:
    code, _, err = run("check", "-f", str(tmp_path))
    assert code == 2 and "no manifests" in err


def test_invalid_namespace_labels_in_input(tmp_path: pathlib.Path) -> None:
    f = tmp_path / "ns.yaml"
    f.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: foo\n  labels:\n"
                 "    pod-security.kubernetes.io/enforce: unknown\n")
    code, _, err = run("check", "-f", str(f))
    assert code == 2
    assert ('Namespace "foo" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: '
            'Invalid value: "unknown": must be one of privileged, baseline, restricted') in err


def test_yaml_output_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    _, out, _ = run("check", "-f", "examples", "-o", "yaml")
    assert yaml.safe_load(out)["summary"]["objects"] == 8


def test_no_color_without_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    _, out, _ = run("check", "-f", "examples", "--level", "restricted")
    assert "\x1b[" not in out


@pytest.mark.parametrize(("server_version", "warned"), [(None, True), ("v1.26", True), ("v1.25", False)])
def test_server_version_decides_whether_an_unset_warn_follows_enforce(
        tmp_path: pathlib.Path, server_version: str | None, warned: bool) -> None:
    """A Deployment in a namespace labelled only enforce=restricted: a 1.26+
    server warns about its template (warn follows enforce); on a 1.25 one warn
    is the cluster's default, unknown without --admission-config."""
    docs = [{"apiVersion": "v1", "kind": "Namespace",
             "metadata": {"name": "web", "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}},
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api", "namespace": "web"},
             "spec": {"selector": {"matchLabels": {"app": "api"}}, "template": {
                 "metadata": {"labels": {"app": "api"}},
                 "spec": {"containers": [{"name": "app", "image": "registry.example.com/api:1"}]}}}}]
    path = tmp_path / "web.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    flags = ["--server-version", server_version] if server_version else []

    code, out, _ = run("check", "-f", str(path), "-o", "json", *flags)

    (result,) = json.loads(out)["results"]
    warn = next(e for e in result["evaluations"] if e["mode"] == "warn")
    assert code == 1  # its pods are denied either way
    assert warn["level"] == ("restricted" if warned else None)
    assert warn["allowed"] is (False if warned else None)
    assert bool(result.get("warnings")) is warned


ANNOTATED_POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "annotated", "namespace": "web",
                 "annotations": {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}},
    "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1", "securityContext": {
        "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True}}]}}


@pytest.mark.parametrize(("server_version", "allowed"), [
    ("v1.19", True), ("v1.24", True), ("v1.26", True), ("v1.27", False), (None, False),
    ("v1.18", True),  # latest is then v1.18, whose checks read the annotations themselves
])
def test_seccomp_annotations_count_where_the_server_copies_them_to_fields(
        tmp_path: pathlib.Path, server_version: str | None, allowed: bool) -> None:
    """Servers 1.19 to 1.26 copy a seccomp annotation into its field before Pod
    Security validates, so a pod that sets only the annotation passes restricted
    there; newer servers (and offline, by default) judge the field alone. A
    Deployment's pods are created that way too, while the object is judged as written."""
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api", "namespace": "web"},
                  "spec": {"selector": {"matchLabels": {"app": "api"}}, "template": {
                      "metadata": {"labels": {"app": "api"}, "annotations": ANNOTATED_POD["metadata"]["annotations"]},
                      "spec": ANNOTATED_POD["spec"]}}}
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web", "labels": {
        f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "audit", "warn")}}}
    path = tmp_path / "objects.yaml"
    path.write_text(yaml.safe_dump_all([namespace, ANNOTATED_POD, deployment]))
    flags = ["--server-version", server_version] if server_version else []

    code, out, _ = run("check", "-f", str(path), "-o", "json", *flags)

    pod_result, deploy_result = json.loads(out)["results"]
    assert code == (0 if allowed else 1)
    assert pod_result["podsAllowed"] is allowed and deploy_result["podsAllowed"] is allowed
    # the Deployment itself is never synced: warned wherever only the field counts
    assert bool(deploy_result.get("warnings")) is (server_version != "v1.18")
    assert "pspMutated" not in json.dumps(deploy_result)


def test_a_pipe_named_as_a_file_is_read_whole(tmp_path: pathlib.Path) -> None:
    """/dev/stdin, <(...) and other pipes given with -f: every input is read more
    than once (namespaces first), so a pipe is copied aside, never half-read."""
    import os
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web", "labels": {
                "pod-security.kubernetes.io/enforce": "baseline"}}},
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "web"},
             "spec": {"containers": [{"name": "app", "image": "i", "securityContext": {"privileged": True}}]}}]
    writer = threading.Thread(target=lambda: fifo.write_text(yaml.safe_dump_all(docs)))
    writer.start()

    code, out, _ = run("check", "-f", str(fifo), "-o", "json")
    writer.join()

    (result,) = json.loads(out)["results"]
    assert code == 1
    assert result["source"]["file"] == str(fifo)
    assert result["policySource"] == "labels of Namespace object in the input"
    assert not result["podsAllowed"]


def test_table_notes_each_namespace_whose_policy_is_not_known(tmp_path: pathlib.Path) -> None:
    """Once each, in the order met, after the table; a labelled namespace is not noted."""
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p%d, namespace: %s}\nspec: {containers: [{name: c, image: nginx}]}\n"
    labelled = ("apiVersion: v1\nkind: Namespace\nmetadata: {name: known, labels: "
                "{pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/audit: baseline, "
                "pod-security.kubernetes.io/warn: baseline}}\n")
    manifest = tmp_path / "pods.yaml"
    manifest.write_text("---\n".join([labelled] + [pod % (i, ns) for i, ns in enumerate(("shop", "known", "web", "shop"))]))
    code, out, _ = run("check", "-f", str(manifest))
    assert code == 4
    note = out[out.index("\nNote: Pod Security policy not fully known"):]
    assert note.splitlines()[2:4] == [
        "  namespace shop: enforce, audit, warn unknown: left to the cluster's defaults, which were not given",
        "  namespace web: enforce, audit, warn unknown: left to the cluster's defaults, which were not given"]
    assert "namespace known" not in note and note.count("namespace shop") == 1

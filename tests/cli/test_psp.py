"""`kubectl podsec psp which|map|mutated` in-process."""

from __future__ import annotations

import json
import pathlib

import pytest
from click.testing import CliRunner

from kubectl_podsec.cli.main import cli
from tests.conftest import ROOT, compare_golden

POLICIES = str(ROOT / "examples" / "psp" / "policies.yaml")
PODS = str(ROOT / "examples" / "pods-list.yaml")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_which_prefers_the_policy_that_accepts_unchanged() -> None:
    code, out, _ = run("psp", "which", "-f", PODS, "--psp-file", POLICIES, "-o", "json")
    items = {i["object"]: i for i in json.loads(out)["items"]}
    shell = items["Pod default/debug-shell"]
    assert code == 0
    assert shell["chosen"] == "privileged" and shell["mutations"] == []
    restricted = next(p for p in shell["policies"] if p["name"] == "restricted")
    assert restricted["outcome"] == "accepted-after-mutation"
    assert restricted["passedOver"] == "it would mutate the pod while policy privileged accepts it unchanged"


def test_which_with_allow_mutates_under_the_only_authorised_policy() -> None:
    code, out, _ = run("psp", "which", "-f", PODS, "--psp-file", POLICIES, "--allow", "restricted", "-o", "json")
    shell = json.loads(out)["items"][0]
    assert code == 0 and shell["chosen"] == "restricted"
    assert {"path": "spec.containers[0].securityContext.allowPrivilegeEscalation",
            "old": None, "new": False} in shell["mutations"]
    privileged = next(p for p in shell["policies"] if p["name"] == "privileged")
    assert (privileged["authorized"], privileged["outcome"]) == (False, "not-authorized")


def test_which_nothing_authorised_exits_1_with_the_upstream_message(tmp_path: pathlib.Path) -> None:
    code, out, _ = run("psp", "which", "-f", PODS, "--psp-file", POLICIES, "--allow", "", "-o", "json")
    shell = json.loads(out)["items"][0]
    assert code == 1 and shell["chosen"] is None
    assert shell["message"].startswith('pods "debug-shell" is forbidden: PodSecurityPolicy: unable to admit pod: [')


def test_which_service_account_grants(tmp_path: pathlib.Path) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team}\n"
                   "spec: {serviceAccountName: builder, containers: [{name: c, image: x, "
                   "securityContext: {privileged: true}}]}\n")
    code, out, _ = run("psp", "which", "-f", str(pod), "--psp-file", POLICIES, "--allow", "",
                       "--sa-allow", "privileged", "-o", "json")
    item = json.loads(out)["items"][0]
    assert code == 0 and item["chosen"] == "privileged"
    assert next(p for p in item["policies"] if p["name"] == "privileged")["authorizedVia"] == ["service-account"]


def test_map_levels_and_blockers() -> None:
    code, out, _ = run("psp", "map", "--psp-file", POLICIES, "-o", "json")
    items = {i["name"]: i for i in json.loads(out)["items"]}
    assert code == 0
    assert items["privileged"]["level"] == "privileged"
    assert {b["field"] for b in items["restricted"]["blockers"]} == {
        "spec.seLinux.rule", "metadata.annotations[apparmor.security.beta.kubernetes.io/allowedProfileNames]"}


def test_mutated_finds_pods_that_differ_from_their_owner(tmp_path: pathlib.Path) -> None:
    dump = tmp_path / "dump.yaml"
    dump.write_text(
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: apps/v1\n  kind: ReplicaSet\n  metadata: {name: web-1, namespace: shop}\n"
        "  spec:\n    selector: {matchLabels: {app: web}}\n    template:\n      metadata: {labels: {app: web}}\n"
        "      spec: {containers: [{name: app, image: nginx}]}\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: web-1-abc\n    namespace: shop\n"
        "    annotations: {kubernetes.io/psp: restricted}\n"
        "    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: u1, controller: true}]\n"
        "  spec: {containers: [{name: app, image: nginx, securityContext: {runAsUser: 1000, allowPrivilegeEscalation: false}}]}\n")
    code, out, _ = run("psp", "mutated", "-f", str(dump), "-o", "json")
    (item,) = json.loads(out)["items"]
    assert code == 0
    assert item["owner"] == "ReplicaSet shop/web-1" and item["policy"] == "restricted"
    assert {d["path"] for d in item["differences"]} >= {
        "spec.containers[0].securityContext.runAsUser",
        "spec.containers[0].securityContext.allowPrivilegeEscalation"}


@pytest.mark.parametrize("args,needle", [
    (["psp", "map", "--psp-file", PODS], "no PodSecurityPolicy objects in --psp-file"),
    (["psp", "which", "-f", "/nope", "--psp-file", POLICIES], "/nope: no such file or directory"),
])
def test_psp_usage_errors(args: list[str], needle: str) -> None:
    code, _, err = run(*args)
    assert code == 2 and needle in err and "Traceback" not in err


def test_which_reads_pods_from_stdin_but_not_both_inputs() -> None:
    pod = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "piped"},
                      "spec": {"containers": [{"name": "a", "image": "i", "securityContext": {"privileged": True}}]}})
    piped = CliRunner().invoke(cli, ["psp", "which", "-f", "-", "--psp-file", POLICIES, "-o", "json"], input=pod)
    both = CliRunner().invoke(cli, ["psp", "which", "-f", "-", "--psp-file", "-"], input=pod)

    assert piped.exit_code == 0, piped.stderr
    assert json.loads(piped.stdout)["items"][0]["chosen"] == "privileged"
    assert (both.exit_code, both.stdout) == (2, "")
    assert both.stderr == "error: -f - and --psp-file - cannot both read stdin\n"


@pytest.mark.parametrize("name,args", [
    ("psp-which.table", ["which", "-f", PODS, "--psp-file", POLICIES]),
    ("psp-which-allow.table", ["which", "-f", PODS, "--psp-file", POLICIES, "--allow", "restricted"]),
    ("psp-map.table", ["map", "--psp-file", POLICIES]),
    ("psp-map.wide", ["map", "--psp-file", POLICIES, "-o", "wide"]),
])
def test_golden_tables(name: str, args: list[str]) -> None:
    _, out, _ = run("psp", *args)
    compare_golden(name, out.replace(str(ROOT) + "/", ""))

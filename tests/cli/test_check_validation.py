"""`check` with the API server's own validation, which runs before Pod Security:
an invalid object is never created, so it is reported INVALID with the server's
message, counted as denied, and exits 1."""

from __future__ import annotations

import json
import pathlib

import yaml

from kubectl_podsec.admission.verdicts import Admission
from kubectl_podsec.check.dry_run import server_report
from kubectl_podsec.kube.reviews import Access, Answer
from kubectl_podsec.validation import validate
from tests.cli.test_check import run

DUPLICATE = """apiVersion: v1
kind: Pod
metadata: {name: p, namespace: web}
spec:
  containers:
  - {name: app, image: nginx}
  - {name: app, image: nginx}
"""
MESSAGE = 'Pod "p" is invalid: spec.containers[1].name: Duplicate value: "app"'


def write(tmp_path: pathlib.Path, text: str) -> str:
    path = tmp_path / "pod.yaml"
    path.write_text(text)
    return str(path)


def test_an_invalid_pod_is_reported_with_the_servers_message_and_exits_1(tmp_path: pathlib.Path) -> None:
    code, out, _ = run("check", "-f", write(tmp_path, DUPLICATE), "--level", "baseline")

    assert code == 1
    assert out.splitlines()[1].split()[-1] == "INVALID"
    assert f"  invalid: {MESSAGE}" in out.splitlines()
    assert out.rstrip().endswith("1 checked: 0 allowed, 1 denied; 0 skipped")


def test_the_json_report_carries_the_validation(tmp_path: pathlib.Path) -> None:
    code, out, _ = run("check", "-f", write(tmp_path, DUPLICATE), "--level", "baseline", "-o", "json")

    (result,) = json.loads(out)["results"]
    assert code == 1 and result["verdict"] == "invalid"
    assert result["validation"] == {"valid": False, "message": MESSAGE, "errors": [
        {"field": "spec.containers[1].name", "type": "FieldValueDuplicate", "value": "app", "detail": ""}]}
    assert "warnings" not in result  # the server sends none: Pod Security never sees it


def test_sarif_names_the_field(tmp_path: pathlib.Path) -> None:
    _, out, _ = run("check", "-f", write(tmp_path, DUPLICATE), "--level", "baseline", "-o", "sarif")

    run_ = json.loads(out)["runs"][0]
    (item,) = [r for r in run_["results"] if r["ruleId"] == "InvalidObject"]
    assert item["level"] == "error" and item["message"]["text"] == f"Pod web/p: {MESSAGE}"
    assert item["locations"][0]["logicalLocations"][0]["name"] == "spec.containers[1].name"
    assert "InvalidObject" in [r["id"] for r in run_["tool"]["driver"]["rules"]]


def test_older_servers_are_not_validated_with_the_newest_rules(tmp_path: pathlib.Path) -> None:
    code, out, _ = run("check", "-f", write(tmp_path, DUPLICATE), "--level", "baseline",
                       "--server-version", "v1.30", "-o", "json")

    (result,) = json.loads(out)["results"]
    assert code == 0 and "validation" not in result and result["verdict"] == "allowed"


def test_server_agrees_only_on_the_same_invalid_message() -> None:
    validation = validate(yaml.safe_load(DUPLICATE))
    admission = Admission(True, ())
    same = Answer("denied", 422, MESSAGE, "Invalid")
    other = Answer("denied", 422, 'Pod "p" is invalid: spec.containers[0].image: Required value', "Invalid")
    accepted = Answer("accepted", 201)

    assert server_report(admission, Access(True), same, None, "me", None, validation).agrees is True
    differs = server_report(admission, Access(True), other, None, "me", None, validation)
    assert differs.agrees is False and "messages differ" in differs.disagreements[0]
    missed = server_report(admission, Access(True), accepted, None, "me", None, validation)
    assert missed.agrees is False and missed.disagreements[0].startswith("object: offline invalid")
    valid = validate({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                      "spec": {"containers": [{"name": "a", "image": "x"}]}})
    assert valid.valid is True
    surprise = server_report(admission, Access(True), same, None, "me", None, valid)
    assert surprise.agrees is False and surprise.disagreements[0].startswith("object: offline validation found nothing")

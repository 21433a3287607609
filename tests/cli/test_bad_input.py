"""Bad and hostile input, one reproducer each: every input gives a report,
nothing is lost, nothing hangs, nothing is left behind."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from kubectl_podsec.manifests import inputs
from kubectl_podsec.cli.main import cli
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
POLICIES = str(EXAMPLES / "psp" / "policies.yaml")
POD = "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  containers:\n  - {{name: c, image: i{extra}}}\n"


def run(*args: str, input: bytes | str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def pod(name: str, extra: str = "") -> str:
    return POD.format(name=name, extra=extra)


def report(*args: str, input: bytes | str | None = None) -> tuple[int, dict, str]:
    """The JSON report, its errors as their messages (each is {source, message})."""
    code, out, err = run(*args, "-o", "json", input=input)
    assert "internal error" not in err
    doc = json.loads(out)
    if doc.get("errors") and isinstance(doc["errors"][0], dict):
        assert all(set(e) == {"source", "message"} for e in doc["errors"])
        doc["errors"] = [e["message"] for e in doc["errors"]]
    return code, doc, err


# 1. One deeply nested file no longer destroys the run's report.

def test_deep_json_file_is_one_error_and_the_rest_is_reported(tmp_path: pathlib.Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000 + "]" * 5000)
    code, doc, err = report("check", "-f", str(deep), "-f", str(EXAMPLES))
    assert code == 2
    assert doc["errors"] == [f"{deep}: document 0 (line 1): not an object (got a list)"]
    assert doc["summary"]["objects"] >= 8
    code, out, _ = run("check", "-f", str(deep), "-f", str(EXAMPLES))
    assert code == 2 and "checked" in out  # the table, too, is whole


@pytest.mark.parametrize("command", [["check"], ["check", "--psp-file", POLICIES],
                                     ["psp", "which", "--psp-file", POLICIES]])
@pytest.mark.parametrize("depth,message", [
    (5000, "spec.containers[0].args[0][0]"),  # decoded as kubectl would, then refused
    (10_001, "nested more than 10000 levels deep (kubectl's and the API server's limit)"),
])
def test_deep_json_in_a_pod_field(tmp_path: pathlib.Path, command: list[str], depth: int,
                                  message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad"}, "spec": '
                   '{"containers": [{"name": "c", "image": "i", "args": ' + "[" * depth + "]" * depth
                   + "}]}}\n---\n" + pod("good"))
    code, out, err = run(*command, "-f", str(bad), "-o", "json")
    assert code == 2 and "internal error" not in err
    assert f"{bad}: document 0 (line 1): " in err and message in err
    assert "good" in out and json.loads(out)
    if depth < 10_000:
        assert "nested more than 100 levels deep, deeper than any field of a Pod" in err


def test_yaml_deeper_than_libyaml_allows_is_refused_by_name(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: "
                   + "[" * 1001 + "]" * 1001 + "\n---\n" + pod("good"))
    code, doc, _ = report("check", "-f", str(bad))
    assert code == 2 and doc["summary"]["objects"] == 1
    assert doc["errors"] == [f"{bad}: document 0 (line 1): nested more than 1000 levels deep (libyaml's "
                             "limit for YAML; as JSON, 10000 levels are read, as kubectl reads them)"]


# 2. Billion laughs: refused as go-yaml refuses it, in every path, at once.

LAUGHS = "".join(f"  {c}: &{c} [" + ", ".join([f"*{p}"] * 9 if p else ['"lol"'] * 9) + "]\n"
                 for p, c in zip(["", *"abcdefgh"], "abcdefghi"))


@pytest.mark.parametrize("command", [["check"], ["check", "--psp-file", POLICIES],
                                     ["psp", "which", "--psp-file", POLICIES], ["psp", "mutated"]])
def test_billion_laughs(tmp_path: pathlib.Path, command: list[str]) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nx:\n" + LAUGHS
                    + "spec: {containers: [{name: c, image: i, args: *i}]}\n---\n" + pod("good"))
    start = time.monotonic()
    code, out, err = run(*command, "-f", str(bomb), "-o", "json")
    assert time.monotonic() - start < 5
    assert code == 2 and "internal error" not in err
    assert f"{bomb}: document 0 (line 1): document contains excessive aliasing" in err
    assert json.loads(out)


def test_aliases_within_go_yamls_bound_are_expanded(tmp_path: pathlib.Path) -> None:
    ok = tmp_path / "ok.yaml"
    ok.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                  "  - &c {name: c, image: i, securityContext: &s {privileged: true}}\n"
                  "  - {name: d, image: i, securityContext: *s}\n")
    code, doc, _ = report("check", "-f", str(ok), "--level", "baseline")
    (evaluation,) = doc["results"][0]["evaluations"]
    assert code == 1 and 'containers "c", "d" must not set securityContext.privileged=true' \
        in evaluation["message"]


# 3. psp which and check --psp-file report what check reports.

@pytest.mark.parametrize("body,message", [
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: ''\n", "spec: expected an object"),
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: 5}\n",
     "spec.template: expected an object"),
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: [1]}}\n",
     "spec.template.spec: expected an object"),
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {metadata: x}}\n",
     "spec.template.metadata: expected an object"),
    (pod("p", ", args: &r [1, *r]"), "an anchor's value contains itself (a recursive alias)"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n"
     "    securityContext: {seLinuxOptions: " + "{a: " * 500 + "x" + "}" * 500 + "}\n",
     "nested more than 100 levels deep"),
])
@pytest.mark.parametrize("command", [["check"], ["check", "--psp-file", POLICIES],
                                     ["psp", "which", "--psp-file", POLICIES]])
def test_malformed_workloads_are_errors_everywhere(tmp_path: pathlib.Path, body: str, message: str,
                                                   command: list[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(body + "---\n" + pod("good"))
    code, out, err = run(*command, "-f", str(bad), "-o", "json")
    assert code == 2 and "internal error" not in err
    assert f"{bad}: document 0 (line 1): " in err and message in err
    assert '"good' in out or "default/good" in out


# 4. Documents and files are not lost.

def test_yaml_stream_whose_first_document_is_json(tmp_path: pathlib.Path) -> None:
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": '
                     '{"containers": [{"name": "c", "image": "i"}]}}\n---\n' + pod("b") + "---\n" + pod("c"))
    code, doc, _ = report("check", "-f", str(mixed), "--level", "baseline")
    assert code == 0
    assert [(r["object"]["name"], r["source"]["document"], r["source"]["line"]) for r in doc["results"]] \
        == [("a", 0, 1), ("b", 1, 3), ("c", 2, 10)]


def test_flow_mapping_that_is_not_json_is_yaml(tmp_path: pathlib.Path) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text("{apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c, image: i}]}}\n")
    code, doc, _ = report("check", "-f", str(flow), "--level", "baseline")
    assert code == 0 and doc["summary"]["objects"] == 1


def test_broken_json_says_what_json_found(tmp_path: pathlib.Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"apiVersion": "v1",\n "kind": "Pod",,}\n')
    code, doc, _ = report("check", "-f", str(broken))
    assert code == 2 and doc["errors"] == [
        f"{broken}: document 0 (line 1): malformed JSON at line 2: Expecting property name enclosed in "
        "double quotes (column 16)"]


def test_directory_with_a_dangling_symlink_and_a_fifo(tmp_path: pathlib.Path) -> None:
    (tmp_path / "good.yaml").write_text(pod("good"))
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    os.mkfifo(tmp_path / "fifo.yaml")
    # A separate process with a deadline: reading the FIFO would block forever.
    proc = subprocess.run([sys.executable, "-m", "kubectl_podsec", "check", "-f", str(tmp_path), "-o", "json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    doc["errors"] = [e["message"] for e in doc["errors"]]  # each is {source, message}
    assert doc["errors"] == [f"{tmp_path / 'dangling.yaml'}: dangling symbolic link (to {tmp_path / 'nowhere.yaml'})"]
    assert [r["object"]["name"] for r in doc["results"]] == ["good"]
    assert f"note: {tmp_path / 'fifo.yaml'}: not a regular file; skipped (name it with -f to read it)" \
        in proc.stderr


def test_one_bad_byte_costs_one_document(tmp_path: pathlib.Path) -> None:
    mixed = tmp_path / "mixed.yaml"
    mixed.write_bytes((pod("a") + "---\n").encode() + pod("b\xff").encode("latin-1")
                      + ("---\n" + pod("c")).encode())
    code, doc, _ = report("check", "-f", str(mixed), "--level", "baseline")
    assert code == 2
    assert [r["object"]["name"] for r in doc["results"]] == ["a", "c"]
    offset = mixed.read_bytes().index(b"\xff")
    assert doc["errors"] == [f"{mixed}: document 1 (line 8): not UTF-8 text at line 10, byte {offset} "
                             "(byte 0xff: invalid start byte)"]


def test_one_bad_byte_in_a_json_stream(tmp_path: pathlib.Path) -> None:
    stream = tmp_path / "stream.json"
    good = '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "%s"}, "spec": {"containers": []}}\n'
    stream.write_bytes((good % "a").encode() + (good % "b\xff").encode("latin-1") + b"---\n"
                       + (good % "c").encode())
    code, doc, _ = report("check", "-f", str(stream), "--level", "privileged")
    assert [r["object"]["name"] for r in doc["results"]] == ["a", "c"]
    assert len(doc["errors"]) == 1 and "document 1 (line 2): not UTF-8 text at line 2" in doc["errors"][0]


# 5. Non-regular input is read in memory with a cap; nothing is left on disk.

def test_devices_and_stdin_are_read_with_a_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "STREAM_LIMIT", 1 << 16)
    code, doc, _ = report("check", "-f", "/dev/zero", "-f", str(EXAMPLES / "restricted-deployment.yaml"))
    assert code == 2 and doc["summary"]["objects"] == 1
    assert doc["errors"] == ["/dev/zero: more than 0 MiB, the limit for input that is not a regular file: "
                             "documents from line 1 on are not read (save the input to a file to check it all)"]
    code, doc, _ = report("check", "-f", "/dev/urandom")
    assert "nor is it text: a byte at line" in doc["errors"][0]
    stdin = (pod("a") + "---\n") * 1000
    code, doc, _ = report("check", "-f", "-", input=stdin)
    kept = len(doc["results"])
    assert code == 2 and 0 < kept < 1000
    assert doc["errors"] == [f"-: more than 0 MiB, the limit for input that is not a regular file: documents "
                             f"from line {kept * 7} on are not read (save the input to a file to check it all)"]


def test_nothing_is_left_behind_when_terminated(tmp_path: pathlib.Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "kubectl_podsec", "check", "-f", "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, TMPDIR=str(tmp)))
    assert proc.stdin is not None
    proc.stdin.write(pod("a").encode() * 1000)
    proc.stdin.flush()
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert list(tmp.iterdir()) == []


# 6. Error text is bounded.

def test_long_label_value_is_cut_in_the_error(tmp_path: pathlib.Path) -> None:
    ns = tmp_path / "ns.yaml"
    ns.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n  labels:\n"
                  "    pod-security.kubernetes.io/enforce: " + "x" * 2_000_000 + "\n")
    code, out, err = run("check", "-f", str(ns), "-f", str(EXAMPLES / "restricted-deployment.yaml"))
    assert code == 2 and len(err) < 1000
    assert err == (f'error: {ns}: Namespace "ns" is invalid: metadata.labels[pod-security.kubernetes.io/'
                   f'enforce]: Invalid value: "{"x" * 100}...": must be one of privileged, baseline, restricted\n')
    code, out, err = run("check", "-f", str(ns), "--namespace-labels", "a" * 100_000)
    assert code == 2 and len(err) < 1000


# 7. --namespace-labels given twice: all of them count.

def test_namespace_labels_given_twice_are_merged() -> None:
    daemonset = str(EXAMPLES / "privileged-daemonset.yaml")
    code, doc, _ = report("check", "-f", daemonset,
                          "--namespace-labels", "pod-security.kubernetes.io/enforce=baseline",
                          "--namespace-labels", "pod-security.kubernetes.io/warn=restricted")
    assert code == 1
    modes = {e["mode"]: e["level"] for e in doc["results"][0]["evaluations"]}
    assert modes["enforce"] == "baseline" and modes["warn"] == "restricted"
    code, out, err = run("check", "-f", daemonset,
                         "--namespace-labels", "pod-security.kubernetes.io/enforce=baseline",
                         "--namespace-labels", "pod-security.kubernetes.io/enforce=restricted")
    assert (code, out) == (2, "")
    assert err == ('error: --namespace-labels: "pod-security.kubernetes.io/enforce" is given twice, '
                   'as "baseline" and as "restricted"\n')


def test_an_object_refused_in_words_not_modelled_says_so_in_the_table() -> None:
    """Decoding fails for certain (an unknown field, kubectl's strict default), but Go would
    quote the field's name with escapes: the table still says why it is invalid."""
    doc = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  \u00fcnknown: 1\n  containers: [{name: c, image: i}]\n"
    code, out, _ = run("check", "--level", "baseline", "-f", "-", input=doc)
    assert code == 1
    assert ("invalid: the API server refuses it; its message is not known "
            "(an unknown field whose name Go would quote with escapes)") in out

"""`kubectl podsec fix` as users run it: outputs, exit codes, in-place writes."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kubectl_podsec.cli.main import cli
from kubectl_podsec.fix import write

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
BARE_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: bare  # no security settings at all
spec:
  containers:
  - name: app
    image: nginx
"""


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["fix", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_stdout_gets_the_fixed_documents_and_stderr_the_summary(tmp_path: pathlib.Path) -> None:
    (tmp_path / "pod.yaml").write_text(BARE_POD)
    code, out, err = run("-f", str(tmp_path / "pod.yaml"), "--level", "restricted")
    assert code == 0
    assert out == BARE_POD + (
        "    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop:\n"
        "        - ALL\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n")
    assert err.splitlines()[-1] == "fix: 1 changed, 0 already passing, 0 not fixable"
    assert ('/spec/securityContext: container "app" does not start if its image runs as root or names its '
            'user by name (set runAsUser to a non-zero UID then)') in err


def test_exit_1_lists_what_cannot_be_fixed_and_the_also_that_would() -> None:
    code, out, err = run("-f", str(EXAMPLES), "--level", "restricted")
    assert code == 1
    assert "not fixable: DaemonSet monitoring/node-agent (" in err
    assert "  host namespaces (hostNetwork=true, hostPID=true) [--also hostNetwork,hostPID]" in err
    assert err.splitlines()[-1] == ("fix: 2 changed, 4 already passing, 2 not fixable (1 changed in part), "
                                    "6 without a pod template")
    assert out.count("\n---\n") >= 5  # every document, files one after the other


def test_also_applies_behaviour_changing_fixes_with_a_warning() -> None:
    code, out, err = run("-f", str(EXAMPLES / "privileged-daemonset.yaml"), "--level", "baseline",
                         "--also", "hostNetwork,hostPID,hostPorts,privileged,capabilities,hostPath")
    assert code == 0
    assert "warning: DaemonSet monitoring/node-agent" in err and "--also privileged" in err
    assert "privileged: false" in out and "hostPath: {path: /}" not in out


def test_unknown_also_names_are_a_usage_error_listing_the_valid_ones() -> None:
    code, _, err = run("-f", str(EXAMPLES), "--level", "restricted", "--also", "privileged,root")
    assert code == 2
    assert "--also: unknown root; valid: allowPrivilegeEscalation, appArmor, capabilities," in err


def test_json_output_gives_each_objects_patch_and_the_checks_each_operation_satisfies() -> None:
    code, out, _ = run("-f", str(EXAMPLES / "pods-list.yaml"), "--level", "restricted", "-o", "json")
    assert code == 0
    report = json.loads(out)
    assert report["kind"] == "FixReport" and report["summary"]["changed"] == 1
    first = report["results"][0]
    assert first["source"] == {"file": str(EXAMPLES / "pods-list.yaml"), "document": 0, "line": 1, "item": 0}
    assert first["patch"] == [
        {"op": "add", "path": "/spec/containers/0/securityContext",
         "value": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}},
        {"op": "add", "path": "/spec/securityContext",
         "value": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}}]
    assert [op["checks"] for op in first["operations"]] == [
        ["allowPrivilegeEscalation", "capabilities_restricted"], ["runAsNonRoot", "seccompProfile_restricted"]]
    assert first["after"]["allowed"] is True and report["results"][1]["patch"] == []


def test_diff_shows_only_changed_files(tmp_path: pathlib.Path) -> None:
    (tmp_path / "pod.yaml").write_text(BARE_POD)
    shutil.copy(EXAMPLES / "restricted-deployment.yaml", tmp_path)
    code, out, _ = run("-f", str(tmp_path), "--level", "restricted", "--diff")
    assert code == 0
    name = str(tmp_path / "pod.yaml").lstrip("/")
    assert out.startswith(f"--- a/{name}\n+++ b/{name}\n@@ ")
    assert "restricted-deployment" not in out


def test_in_place_rewrites_changed_files_only_and_leaves_nothing_aside(tmp_path: pathlib.Path) -> None:
    (tmp_path / "pod.yaml").write_text(BARE_POD)
    os.chmod(tmp_path / "pod.yaml", 0o640)
    shutil.copy(EXAMPLES / "restricted-deployment.yaml", tmp_path)
    untouched = (tmp_path / "restricted-deployment.yaml").stat().st_mtime_ns
    code, out, _ = run("-f", str(tmp_path), "--level", "restricted", "--in-place")
    assert code == 0 and out == ""
    assert "runAsNonRoot: true" in (tmp_path / "pod.yaml").read_text()
    assert (tmp_path / "pod.yaml").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "restricted-deployment.yaml").stat().st_mtime_ns == untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pod.yaml", "restricted-deployment.yaml"]


def test_a_failed_write_leaves_the_file_and_no_temporary(tmp_path: pathlib.Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pod.yaml").write_text(BARE_POD)

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write.os, "replace", refuse)
    code, _, err = run("-f", str(tmp_path / "pod.yaml"), "--level", "restricted", "--in-place")
    assert code == 2 and "cannot write: No space left on device" in err
    assert (tmp_path / "pod.yaml").read_text() == BARE_POD
    assert [p.name for p in tmp_path.iterdir()] == ["pod.yaml"]


def test_a_signal_while_writing_leaves_no_temporary(tmp_path: pathlib.Path) -> None:
    """SIGTERM arrives between writing aside and renaming: the file aside goes."""
    (tmp_path / "pod.yaml").write_text(BARE_POD)
    script = ("import os, signal, sys\n"
              "from kubectl_podsec.fix import write\n"
              "real = os.fsync\n"
              "def fsync(fd):\n    real(fd); os.kill(os.getpid(), signal.SIGTERM)\n"
              "write.os.fsync = fsync\n"
              f"write.replace_file({str(tmp_path / 'pod.yaml')!r}, 'new')\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == -15, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["pod.yaml"]
    assert (tmp_path / "pod.yaml").read_text() == BARE_POD


def test_stdin_is_read_and_in_place_refuses_it() -> None:
    code, out, _ = run("-f", "-", "--level", "restricted", input=BARE_POD)
    assert code == 0 and "runAsNonRoot: true" in out
    code, _, err = run("-f", "-", "--level", "restricted", "--in-place", input=BARE_POD)
    assert code == 2 and "--in-place cannot rewrite stdin" in err


def test_without_level_each_namespace_gets_its_enforce_policy(tmp_path: pathlib.Path) -> None:
    ns = ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: strict\n  labels:\n"
          "    pod-security.kubernetes.io/enforce: restricted\n---\n")
    strict = BARE_POD.replace("  name: bare", "  name: bare\n  namespace: strict")
    (tmp_path / "all.yaml").write_text(ns + strict + "---\n" + BARE_POD)
    code, out, err = run("-f", str(tmp_path / "all.yaml"))
    assert code == 0
    fixed, plain = out.split("---\n")[1:]
    assert "runAsNonRoot: true" in fixed and plain == BARE_POD
    assert err.splitlines()[-1] == "fix: 1 changed, 1 already passing, 0 not fixable, 1 without a pod template"
    code, out, _ = run("-f", str(tmp_path / "all.yaml"), "--namespace-labels",
                       "pod-security.kubernetes.io/enforce=restricted")
    assert out.count("runAsNonRoot: true") == 2


def test_malformed_input_names_the_file_document_and_line(tmp_path: pathlib.Path) -> None:
    (tmp_path / "bad.yaml").write_text(BARE_POD + "---\nkind: [\n")
    code, out, err = run("-f", str(tmp_path / "bad.yaml"), "--level", "restricted")
    assert code == 2
    assert f"error: {tmp_path / 'bad.yaml'}: document 1 (line 10): malformed YAML at line" in err
    assert out.endswith("---\nkind: [\n")  # the bad document is passed through untouched


def test_version_needs_level() -> None:
    code, _, err = run("-f", str(EXAMPLES), "--version", "v1.30")
    assert code == 2 and "--version needs --level" in err


def test_fix_loads_neither_the_cluster_layer_nor_ruamel_when_nothing_changes() -> None:
    code = ("import sys; from kubectl_podsec.cli.main import cli\n"
            "try:\n    cli.main(['fix', '-f', 'examples/restricted-deployment.yaml', '--level', 'restricted'])\n"
            "except SystemExit as e:\n    assert e.code == 0, e.code\n"
            "bad = [m for m in sys.modules if m.startswith(('ruamel', 'kubernetes', 'kubectl_podsec.kube'))]\n"
            "assert not bad, bad\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_server_without_a_reachable_cluster_exits_3(tmp_path: pathlib.Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}))
    (tmp_path / "pod.yaml").write_text(BARE_POD)
    code, _, err = run("-f", str(tmp_path / "pod.yaml"), "--level", "restricted", "--server",
                       "--kubeconfig", str(config), "--request-timeout", "2s")
    assert code == 3, err
    assert err.startswith("error: ")
    code, _, err = run("-f", str(tmp_path / "pod.yaml"), "--level", "restricted", "--kubeconfig", str(config))
    assert code == 2 and "connection flags are for --server" in err


def test_a_document_the_round_trip_refuses_is_left_alone_and_reported(tmp_path: pathlib.Path) -> None:
    (tmp_path / "dup.yaml").write_text(BARE_POD + "metadata:\n  name: again\n---\n" + BARE_POD)
    code, out, err = run("-f", str(tmp_path / "dup.yaml"), "--level", "restricted")
    assert code == 2
    assert f"error: {tmp_path / 'dup.yaml'}: document 0 (line 1): cannot rewrite this document keeping its layout: " \
           'found duplicate key "metadata"' in err
    first, second = out.split("---\n")
    assert first == BARE_POD + "metadata:\n  name: again\n" and "runAsNonRoot: true" in second
    assert err.splitlines()[-1] == "fix: 1 changed, 0 already passing, 0 not fixable, 1 unreadable"


def test_namespace_labels_given_twice_are_merged_as_check_merges_them(tmp_path: pathlib.Path) -> None:
    (tmp_path / "pod.yaml").write_text(BARE_POD)
    code, _, err = run("-f", str(tmp_path / "pod.yaml"), "--namespace-labels", "pod-security.kubernetes.io/enforce=restricted",
                       "--namespace-labels", "pod-security.kubernetes.io/enforce=baseline")
    assert code == 2 and 'is given twice, as "restricted" and as "baseline"' in err
    code, _, err = run("-f", str(tmp_path / "pod.yaml"), "--namespace-labels", "team=web",
                       "--namespace-labels", "pod-security.kubernetes.io/enforce=restricted")
    assert code == 0 and err.splitlines()[-1] == "fix: 1 changed, 0 already passing, 0 not fixable"

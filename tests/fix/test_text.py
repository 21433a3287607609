"""The file is kept: comments, key order, quoting, indentation and document
separators survive, only changed lines change, and objects needing no change
stay byte-identical. JSON stays JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from kubectl_podsec.fix.candidates import ALSO
from kubectl_podsec.fix.document import apply_patch
from kubectl_podsec.fix.files import Fixer, segments
from kubectl_podsec.fix.plan import Target
from kubectl_podsec.pss import Evaluator, LevelVersion

from tests.conftest import ROOT

from .workloads import workloads

RESTRICTED = Target(LevelVersion.parse("restricted"), Evaluator())


def _fix(text: str, name: str = "in.yaml", also: tuple[str, ...] = ()) -> str:
    return Fixer(lambda ns: RESTRICTED, also, "default").fix_text(name, name, text).fixed


COMMENTED = """\
# The web tier.   (a comment before the document)
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # trailing comment
  annotations:
    note: 'single quoted'
    other: "double quoted"
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: "nginx:1.27"   # pinned
          args: [--port, "8080"]
          # about the next container
        - name: sidecar
          image: busybox
          securityContext: {}
      # volumes follow
      volumes:
        - name: cache
          emptyDir: {}
"""

FIXED = """\
# The web tier.   (a comment before the document)
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # trailing comment
  annotations:
    note: 'single quoted'
    other: "double quoted"
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: "nginx:1.27"   # pinned
          args: [--port, "8080"]
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop:
                - ALL
          # about the next container
        - name: sidecar
          image: busybox
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop:
                - ALL
      # volumes follow
      volumes:
        - name: cache
          emptyDir: {}
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
"""


def test_comments_quoting_order_and_indentation_are_kept() -> None:
    assert _fix(COMMENTED) == FIXED


def test_unchanged_documents_and_separators_are_byte_identical() -> None:
    passing = (ROOT / "examples" / "restricted-deployment.yaml").read_text()
    text = f"--- # first\n{passing}\n...\n---\n{COMMENTED}---\n\n# only a comment\n"
    fixed = _fix(text)
    assert fixed.startswith(f"--- # first\n{passing}\n...\n---\n")
    assert fixed.endswith("---\n\n# only a comment\n")
    assert fixed == f"--- # first\n{passing}\n...\n---\n{FIXED}---\n\n# only a comment\n"


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "examples").glob("*.yaml")))
def test_fixing_twice_changes_nothing_more(name: str) -> None:
    text = (ROOT / "examples" / name).read_text()
    once = _fix(text, name)
    assert _fix(once, name) == once


def test_segments_rebuild_the_text_exactly() -> None:
    text = "a: 1\n---\nb: 2\n--- |\n  literal\n...\nc: 3"
    parts = list(segments(text))
    assert "".join(t for _, _, t in parts) == text
    assert [(d, line) for d, line, _ in parts] == [(True, 1), (False, 2), (True, 3), (True, 4), (False, 6), (True, 7)]


def test_a_list_item_is_patched_in_place() -> None:
    text = (ROOT / "examples" / "pods-list.yaml").read_text()
    fixed = _fix(text)
    before, after = text.splitlines(), fixed.splitlines()
    assert [line for line in before if line not in after] == []  # only additions
    assert "    securityContext:\n      runAsNonRoot: true" in fixed


def test_json_stays_json_in_its_own_indentation() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "a", "image": "x"}]}}
    for indent in (2, 4, "\t"):
        text = json.dumps(pod, indent=indent) + "\n"
        fixed = _fix(text, "pod.json")
        value = json.loads(fixed)
        assert value["spec"]["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
        assert fixed == json.dumps(value, indent=indent) + "\n"


def test_json_lines_that_do_not_change_are_kept_as_written() -> None:
    pods = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": n, "labels": {"app": n}},
             "spec": {"containers": [{"name": "a", "image": "x", "securityContext": {"privileged": True}}],
                      "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}}}
            for n in ("p", "q")]
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": pods}, indent=4)  # kubectl get -o json
    fixed = _fix(text, "pods.json", also=("privileged",))
    removed = [line for line in text.splitlines() if line not in fixed.splitlines()]
    assert [line.strip() for line in removed] == ['"privileged": true'] * 2  # one per Pod
    assert json.loads(fixed)["items"][1]["spec"]["containers"][0]["securityContext"] == {
        "privileged": False, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def test_json_in_any_other_layout_is_rewritten_whole_in_its_indentation_and_order() -> None:
    text = ('{\n  "apiVersion": "v1", "kind": "Pod",\n  "metadata": {"name": "p"},\n'
            '  "spec": {"containers": [{"name": "a", "image": "x"}]}\n}\n')
    fixed = _fix(text, "pod.json")
    value = json.loads(fixed)
    assert list(value) == ["apiVersion", "kind", "metadata", "spec"]
    assert fixed == json.dumps(value, indent=2) + "\n"


def test_replacing_a_volume_keeps_its_name_line_and_comments() -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: a
    image: x
  volumes:
  - name: logs  # node logs
    hostPath:
      path: /var/log
  # end of volumes
"""
    fixed = Fixer(lambda ns: Target(LevelVersion.parse("baseline"), Evaluator()), ("hostPath",), "default") \
        .fix_text("p.yaml", "p.yaml", text).fixed
    assert fixed == text.replace("    hostPath:\n      path: /var/log\n", "    emptyDir: {}\n")


def test_windows_line_ends_are_kept() -> None:
    text = COMMENTED.replace("\n", "\r\n")
    assert _fix(text) == FIXED.replace("\n", "\r\n")
    pod = '{\r\n  "apiVersion": "v1",\r\n  "kind": "Pod",\r\n  "metadata": {\r\n    "name": "p"\r\n  },\r\n' \
          '  "spec": {\r\n    "containers": [{"name": "a", "image": "x"}]\r\n  }\r\n}\r\n'
    fixed = _fix(pod, "p.json")
    assert "\n" not in fixed.replace("\r\n", "")
    assert json.loads(fixed)["spec"]["securityContext"]["runAsNonRoot"] is True


def _dumped(obj: Any, style: str) -> str:
    """The object as YAML in one of the layouts people write."""
    import io

    from ruamel.yaml import YAML

    if style == "pyyaml":
        return str(yaml.safe_dump(obj, sort_keys=False))
    writer = YAML()
    mapping, offset = {"indent2-offset2": (2, 2), "indent4": (4, 2)}[style]
    writer.indent(mapping=mapping, sequence=mapping + offset if style != "indent4" else 4, offset=offset)
    out = io.StringIO()
    writer.dump(obj, out)
    return "# generated\n" + out.getvalue()


@pytest.mark.parametrize("style", ["pyyaml", "indent2-offset2", "indent4"])
@pytest.mark.parametrize("also", [(), tuple(ALSO)], ids=["default", "also-all"])
def test_the_text_written_is_exactly_the_planned_object(style: str, also: tuple[str, ...]) -> None:
    """Whatever the layout, the file as written parses to the object with its
    JSON Patch applied (and other documents stay as they were)."""
    objs = workloads(60, seed=7)
    text = "---\n".join(_dumped(o, style) for o in objs)
    fix = Fixer(lambda ns: RESTRICTED, also, "default").fix_text("w.yaml", "w.yaml", text)
    written = [d for d in yaml.safe_load_all(fix.fixed)]
    assert len(fix.objects) == len(objs) == len(written)
    for obj, result, out in zip(objs, fix.objects, written):
        assert out == apply_patch(obj, result.plan.operations)
    changed = sum(bool(r.plan.operations) for r in fix.objects)
    assert changed > 15
    unchanged_docs = [t for t, r in zip(text.split("---\n"), fix.objects) if not r.plan.operations]
    assert all(d in fix.fixed for d in unchanged_docs)

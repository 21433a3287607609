"""Large inputs are checked by worker processes: the report must be the same,
byte for byte and exit code for exit code, as the serial path's."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from kubectl_podsec.check import fanout
from kubectl_podsec.cli.main import cli
from kubectl_podsec.errors import InputError
from kubectl_podsec.manifests import Source
from tests.conftest import ROOT


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


PSP = ["--psp-file", str(ROOT / "examples" / "psp" / "policies.yaml"), "--psp-allow", "restricted"]
PSP_SEEN = {
    "table": ["restricted +mutates", "denied", "psp: pods ", "Note: Pod Security evaluated each pod a "],
    "wide": ["restricted +mutates", "denied", "psp: restricted sets "],
    "json": ['"psp": {"chosen": "restricted", "allowed": true, "mutations": [{', '"psp": {"chosen": null',
             '"pspMutated": true'],
    "yaml": ["  psp:\n    chosen: restricted\n    allowed: true\n", "    chosen: null\n", "  pspMutated: true\n"],
    "sarif": ['"ruleId": "PodSecurityPolicy"', '"ruleId": "PodSecurityPolicyMutation"'],
}


@pytest.mark.parametrize("psp", [[], PSP], ids=["pss", "psp"])
@pytest.mark.parametrize("fmt", ["table", "wide", "json", "yaml", "sarif"])
def test_workers_give_the_serial_report(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path,
                                        fmt: str, psp: list[str]) -> None:
    bundle = tmp_path / "bundle.yaml"
    bundle.write_text("".join(
        (ROOT / "examples" / name).read_text() + "\n---\n"
        for name in ("chart-output.yaml", "pods-list.yaml", "privileged-daemonset.yaml")) * 40
        + "kind: [\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: late}\nspec: {containers: [{name: c}]}\n")
    args = ("check", "-f", str(bundle), "--level", "baseline", "-o", fmt, *psp)
    monkeypatch.setattr(fanout, "MIN_BYTES", 1 << 60)
    assert not fanout.worthwhile(fanout_inputs(bundle))
    serial = run(*args)
    monkeypatch.setattr(fanout, "MIN_BYTES", 1)
    monkeypatch.setattr(fanout, "BATCH", 7)
    assert fanout.worthwhile(fanout_inputs(bundle))
    parallel = run(*args)
    assert serial[0] == 2  # the malformed document
    assert parallel == serial
    for needle in PSP_SEEN[fmt] if psp else ():  # mutated and denied pods came back from the workers
        assert needle in parallel[1]


MIXED = """apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {pod-security.kubernetes.io/enforce: restricted}}
---
apiVersion: v1
kind: Pod
metadata: {name: bare-%(i)d, namespace: shop}
spec: {containers: [{name: app, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: twice-%(i)d, namespace: shop}
spec: {containers: [{name: app, image: nginx}, {name: app, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: elsewhere-%(i)d, namespace: unlabelled}
spec: {containers: [{name: app, image: "caf\u00e9", securityContext: {privileged: true}}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings-%(i)d, namespace: shop}
---
"""


@pytest.mark.parametrize("fmt", ["json", "yaml", "sarif", "table", "wide"])
def test_workers_render_what_the_writer_would(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path,
                                              fmt: str) -> None:
    """Namespace policies, unknown modes, an invalid object, a skipped kind and a
    bad document: the results come back rendered in the workers (as text, or
    as the table's rows), and the report is the serial one's, byte for byte."""
    bundle = tmp_path / "mixed.yaml"
    bundle.write_text("".join(MIXED % {"i": i} for i in range(12)) + "kind: [\n")
    args = ("check", "-f", str(bundle), "-o", fmt)
    monkeypatch.setattr(fanout, "MIN_BYTES", 1 << 60)
    serial = run(*args)
    monkeypatch.setattr(fanout, "MIN_BYTES", 1)
    monkeypatch.setattr(fanout, "BATCH", 5)
    sent: list[str] = []
    outcomes = fanout.outcomes

    def spied(*given: Any) -> Iterator[fanout.Outcome]:
        for outcome in outcomes(*given):
            sent.append(type(outcome).__name__)
            yield outcome

    monkeypatch.setattr(fanout, "outcomes", spied)
    assert run(*args) == serial
    assert serial[0] == 2  # the bad document
    checked = "Checked"
    assert sorted(set(sent)) == sorted({checked, "Skipped", "Unreadable"})
    assert sent.count(checked) == 36 and sent.count("Skipped") == 24  # the Namespaces and ConfigMaps
    if fmt == "sarif":  # the rules only some results use are listed
        assert all(f'"id": "{rule}"' in serial[1] for rule in ("PodSecurityUnknown", "InvalidObject"))


def fanout_inputs(path: pathlib.Path) -> list:
    from kubectl_podsec.manifests import expand

    return expand([str(path)], False)


def test_stdin_stays_serial(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kubectl_podsec.manifests import Input

    monkeypatch.setattr(fanout, "MIN_BYTES", 1)
    doc = tmp_path / "a.json"
    doc.write_text('{"apiVersion": "v1", "kind": "Pod"}')
    assert fanout.worthwhile([Input(str(doc), str(doc))])
    assert not fanout.worthwhile([Input("-", "-")])
    assert not fanout.worthwhile([Input("-", "-", b"{}")])


def _json_inputs() -> dict[str, str]:
    import json

    import yaml

    pods = [d for name in ("chart-output.yaml", "pods-list.yaml", "privileged-daemonset.yaml")
            for d in yaml.safe_load_all((ROOT / "examples" / name).read_text()) if d] * 20
    items = [json.dumps(p) for p in pods]
    return {
        "List": json.dumps({"apiVersion": "v1", "kind": "List", "items": pods}),
        "kubectl dump": '{"apiVersion": "v1", "items": [\n%s\n], "kind": "List", "metadata": {}}' % ",\n".join(items),
        "stream, then broken": "\n".join(items) + '\n{"kind": [\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: late}\n',
        "List with a bad item": json.dumps({"apiVersion": "v1", "kind": "List", "items": pods + [3, {"kind": "Pod"}]}),
        # Malformed near its end, after most items were sent to the workers: one error, no result.
        "List broken at its end": json.dumps({"apiVersion": "v1", "kind": "List", "items": pods})[:-20] + " x]}",
        "not a List": json.dumps({"apiVersion": "v1", "items": pods, "kind": "PodSet"}),
        "pods around a List": "\n".join([items[0], json.dumps({"apiVersion": "v1", "items": pods, "kind": "List"}),
                                         items[1]]),
    }


@pytest.mark.parametrize("early", [fanout.EARLY_TEXT, 3000, 0], ids=["all early", "some early", "none early"])
@pytest.mark.parametrize("shape", list(_json_inputs()))
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_workers_give_the_serial_report_for_json(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path,
                                                 fmt: str, shape: str, early: int) -> None:
    from kubectl_podsec.decoding import text

    monkeypatch.setattr(text, "BLOCK", 256)  # Lists are read item by item
    monkeypatch.setattr(fanout, "EARLY_TEXT", early)  # items sent while the List is read
    path = tmp_path / "in.json"
    path.write_text(_json_inputs()[shape])
    args = ("check", "-f", str(path), "--level", "baseline", "-o", fmt)
    monkeypatch.setattr(fanout, "MIN_BYTES", 1 << 60)
    serial = run(*args)
    monkeypatch.setattr(fanout, "MIN_BYTES", 1)
    monkeypatch.setattr(fanout, "BATCH", 7)
    assert fanout.worthwhile(fanout_inputs(path))
    assert run(*args) == serial
    if shape == "List broken at its end":
        assert serial[0] == 2 and "malformed JSON" in serial[2] and "DENIED" not in serial[1]
        return
    if shape == "not a List":  # one object of a kind without pods: skipped, its items unread
        assert serial[0] == 0 and "DENIED" not in serial[1] and '"allowed": false' not in serial[1]
        return
    assert serial[0] in (1, 2) and ("DENIED" in serial[1] or '"allowed": false' in serial[1])


@pytest.mark.parametrize("shape", ["List", "stream, then broken"])
def test_tasks_are_bounded_by_count_and_text(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path,
                                             shape: str) -> None:
    from kubectl_podsec.manifests import input_pieces

    path = tmp_path / "in.json"
    path.write_text(_json_inputs()[shape])
    inputs = fanout_inputs(path)
    pieces = list(input_pieces(inputs[0]))
    monkeypatch.setattr(fanout, "EARLY_TEXT", 0)  # no items sent early: every piece is in a task
    for count, text in ((5, 1 << 30), (1000, 3000)):
        monkeypatch.setattr(fanout, "BATCH", count)
        monkeypatch.setattr(fanout, "BATCH_TEXT", text)
        tasks = [t for t in fanout._tasks(inputs, None) if not isinstance(t, fanout._Sent)]
        assert [repr(p) for task in tasks for p in task] == [repr(p) for p in pieces]  # each once, in order
        for task in tasks:
            sizes = [fanout._text_size(p) for p in task]
            assert len(task) <= count and sum(sizes[:-1]) < text  # the last one may cross the bound
        assert len(tasks) > 1



class _Handed:
    """A pool that runs nothing: each task it is given is its pieces."""

    def submit(self, task: list[Any]) -> list[Any]:
        return task


@pytest.mark.parametrize("early", [0, 1, 600, 1 << 30])
def test_items_sent_early_stand_only_for_a_whole_list(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path,
                                                      early: int) -> None:
    """Items a List's first pass sends to the workers, then the pieces after
    them, are the input's documents, in order, for any JSON (well formed or
    not): what was sent for a List that turns out broken or no List is dropped."""
    from tests.unit.test_json_streaming import ALL, read

    from kubectl_podsec.decoding import text as text_module
    from kubectl_podsec.manifests import piece_documents

    monkeypatch.setattr(fanout, "EARLY_TEXT", early)
    monkeypatch.setattr(fanout, "BATCH", 2)
    sent_in_all = 0
    for name, data in ALL.items():
        whole = read(data, 1 << 30, monkeypatch)
        path = tmp_path / "f.json"
        path.write_bytes(data)
        for block in (16, 256):
            monkeypatch.setattr(text_module, "BLOCK", block)
            pieces = []
            for step in fanout._tasks([fanout_inputs(path)[0]._replace(display="f.json")], _Handed()):
                sent = isinstance(step, fanout._Sent)
                sent_in_all += sent
                pieces += [p for task in step.tasks for p in task] if sent else step
            got = [(tuple(d.source), d.obj, str(d.error) if d.error else None) for p in pieces
                   for d in piece_documents(p)]
            assert got == whole, (name, block)
    assert (sent_in_all > 0) == (early > 0)  # the cases have whole Lists: items were sent


@pytest.mark.parametrize("shape", ["List", "kubectl dump", "stream, then broken", "List with a bad item", "YAML"])
def test_tasks_and_outcomes_travel_as_they_were(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path,
                                                shape: str) -> None:
    """Packed for the pipe (plain values where it can) and unpacked, a task is
    the same pieces, of the same types; the plain forms are used where they fit."""
    import pickle

    from kubectl_podsec.check.report import Rendered, Verdict
    from kubectl_podsec.manifests import input_pieces

    monkeypatch.setattr("kubectl_podsec.decoding.text.BLOCK", 256)  # Lists are read item by item
    path = tmp_path / ("in.yaml" if shape == "YAML" else "in.json")
    path.write_text((ROOT / "examples" / "chart-output.yaml").read_text() * 3 if shape == "YAML"
                    else _json_inputs()[shape])
    pieces = list(input_pieces(fanout_inputs(path)[0]))
    forms = set()
    tasks = [pieces[start:start + size] for size in (1, 2, 5, 7) for start in range(0, len(pieces), size)]
    for task in tasks + [pieces[::2][:5], pieces[1::3][:4], pieces[:2] + pieces[:1]]:  # gaps, repeats
        packed = fanout._packed(task)
        forms.add(packed[0])
        assert repr(fanout._unpacked(pickle.loads(pickle.dumps(packed)))) == repr(task)
    assert forms >= ({fanout._YAML} if shape == "YAML" else {fanout._ITEMS} if "List" in shape
                     or shape == "kubectl dump" else {fanout._ANY})
    checked = [fanout.Checked(v, Rendered(f"text {v}")) for v in Verdict]
    for outcomes, form in ((checked, fanout._CHECKED),
                           (checked + [fanout.Checked(Verdict.DENIED, Rendered("t", frozenset({"m"})))], fanout._ANY),
                           (checked + [fanout.Unreadable(InputError("f", "bad"), Source("f", 1, 2))], fanout._ANY)):
        packed = fanout._packed_outcomes(outcomes)
        assert packed[0] == form
        got = fanout._unpacked_outcomes(pickle.loads(pickle.dumps(packed)))
        if form == fanout._CHECKED:  # written together
            (many,) = got
            got = [fanout.Checked(fanout._VERDICT[letter], Rendered(text))
                   for letter, text in zip(many.letters, many.texts)]
        assert repr(got) == repr(outcomes)
    many = fanout._unpacked_outcomes(fanout._packed_outcomes(checked * 3 + checked[1:2]))[0]
    assert isinstance(many, fanout.CheckedMany)
    assert many.tally() == [(v, 4 if v == checked[1].verdict else 3) for v in Verdict]

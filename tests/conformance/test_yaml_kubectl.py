"""YAML read as kubectl reads it: the same documents through kubectl and through podsec.

kubectl's own decoding is the judge: `kubectl create --dry-run=client --validate=false -o json`
prints each object as kubectl would send it, offline (a kubeconfig pointing nowhere and a
discovery cache that knows Pods). Every case is its own file, so one kubectl process reads all
and an error costs only its own case (kubectl stops a stream at its first bad document). For
each case, podsec's decoded value must be the object kubectl printed; where kubectl fails to
convert YAML to JSON podsec must report the document; where kubectl's client refuses metadata
of the wrong type (cli-runtime resource/metadata_decoder.go), podsec must say what kubectl says. A case titled "random: ..." is one where kubectl's result
depends on Go's map order: podsec must refuse it.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kubectl_podsec.manifests import documents

DATA = Path(__file__).resolve().parents[1] / "data" / "yaml-kubectl"
KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

_POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: default
  annotations: {{note: {v}}}
  labels: {{k: {v}}}
spec:
  hostNetwork: {v}
  containers: [{{name: c, image: i, ports: [{{containerPort: {v}}}]}}]
  volumes: [{{name: v, nfs: {{server: {v}, path: /x}}}}]
"""
_LABEL_KEY = """apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, labels: {{{v}: x}}}}
spec: {{x: [{v}], y: {{{v}: {v}}}}}
"""


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    text: str


def cases() -> list[Case]:
    found = []
    scalars = [line for line in (DATA / "scalars.txt").read_text().splitlines()
               if line and not line.startswith("# ")]
    for i, scalar in enumerate(scalars):
        found.append(Case(f"scalar-{i}", f"{scalar} in fields", _POD.format(name=f"scalar-{i}", v=scalar)))
        found.append(Case(f"key-{i}", f"{scalar} as a key", _LABEL_KEY.format(name=f"key-{i}", v=scalar)))
    for links, merged in [(n, "*a{p}") for n in (120, 250, 251, 252, 253, 300)] + [
            (n, "[*a{p}, *a{q}]") for n in (12, 13, 14, 15)]:
        name = f"merge-chain-{links}-{len(merged)}"
        found.append(Case(name, f"{links} maps, each merging {merged}", _merge_chain(name, links, merged)))
    for i, block in enumerate((DATA / "documents.txt").read_text().split("#### ")[1:]):
        title, body = block.split("\n", 1)
        name = f"doc-{i}"
        found.append(Case(name, title, "apiVersion: v1\nkind: Pod\n" + body.replace("NAME", name)))
    return found


def _merge_chain(name: str, links: int, merged: str) -> str:
    """Maps that each merge the one (or two) before: go-yaml decodes the chain again at each
    link and counts it towards its alias budget ("excessive aliasing" from 252 single links here,
    14 double ones)."""
    lines = ["apiVersion: v1", "kind: Pod", f"metadata: {{name: {name}, namespace: default}}", "spec:",
             "  x:", "    a0: &a0 {k0: v}", "    a1: &a1 {<<: *a0, k1: v}"]
    lines += [f"    a{i}: &a{i} {{<<: {merged.format(p=i - 1, q=i - 2)}, k{i}: v}}" for i in range(2, links)]
    return "\n".join(lines) + "\n"


def _kubectl(tmp: Path, files: list[Path]) -> tuple[dict[str, Any], str]:
    """The objects kubectl printed, by name, and its stderr."""
    discovery = tmp / "cache" / "discovery" / "127.0.0.1_1"
    (discovery / "v1").mkdir(parents=True)
    (discovery / "servergroups.json").write_text(json.dumps({
        "kind": "APIGroupList", "apiVersion": "v1", "groups": [{
            "name": "", "versions": [{"groupVersion": "v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "v1", "version": "v1"}}]}))
    (discovery / "v1" / "serverresources.json").write_text(json.dumps({
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": [{
            "name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod",
            "verbs": ["create", "get", "list"]}]}))
    config = tmp / "kubeconfig"
    config.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u", "namespace": "default"}}],
        "users": [{"name": "u", "user": {"token": "none"}}]}))
    args = [str(KUBECTL), "--kubeconfig", str(config), "--cache-dir", str(tmp / "cache"), "create",
            "--dry-run=client", "--validate=false", "-o", "json"]
    for path in files:
        args += ["-f", str(path)]
    run = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    printed: dict[str, Any] = {}
    decoder, pos = json.JSONDecoder(), _skip(run.stdout, 0)
    while pos < len(run.stdout):
        obj, pos = decoder.raw_decode(run.stdout, pos)
        printed[obj["metadata"]["name"]] = obj
        pos = _skip(run.stdout, pos)
    return printed, run.stderr


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _podsec(text: str) -> tuple[Any, str | None]:
    found = list(documents("case", io.BytesIO(text.encode())))
    assert len(found) == 1, found
    return found[0].obj, found[0].error.message if found[0].error else None


def _exact(value: Any) -> str:
    """JSON text that tells 1 from 1.0 and True (== alone does not)."""
    return json.dumps(value, sort_keys=True)


def test_podsec_reads_every_document_as_kubectl_does(tmp_path: Path) -> None:
    corpus = cases()
    files = []
    for case in corpus:
        path = tmp_path / f"{case.name}.yaml"
        path.write_text(case.text)
        files.append(path)
    printed, stderr = _kubectl(tmp_path, files)
    assert printed, f"kubectl printed nothing: {stderr}"
    failures = []
    for case, path in zip(corpus, files):
        value, problem = _podsec(case.text)
        refused = re.search(rf"^(?:error: )?(error parsing|unable to decode) \"?{re.escape(str(path))}\b.*$",
                            stderr, re.M)
        if case.title.startswith("random:"):  # kubectl's answer depends on Go's map order
            if case.name not in printed or problem is None or "map order" not in problem:
                failures.append(f"{case.name} ({case.title}): podsec {problem or _exact(value)}")
        elif case.name in printed:
            if problem is not None or _exact(value) != _exact(printed[case.name]):
                failures.append(f"{case.name} ({case.title}): kubectl {_exact(printed[case.name])}\n"
                                f"  podsec {problem or _exact(value)}")
        elif refused is None:
            failures.append(f"{case.name} ({case.title}): kubectl printed nothing and said nothing of it")
        elif refused[1] == "error parsing" and problem is None:
            failures.append(f"{case.name} ({case.title}): kubectl: {refused[0]}\n  podsec {_exact(value)}")
        elif refused[1] == "unable to decode" and problem != "unable to decode: " + refused[0].split(": ", 1)[1]:
            failures.append(f"{case.name} ({case.title}): kubectl: {refused[0]}\n  podsec {problem or _exact(value)}")
    assert not failures, f"{len(failures)} of {len(corpus)} cases differ:\n" + "\n".join(failures)

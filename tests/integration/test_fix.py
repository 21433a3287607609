"""`fix` proven by the real API server: every object it reports as fixed is
admitted at the target level (dry-run creates in a namespace that enforces
it; for a workload, also the Pod its controller would create), and every
operation of a fix is needed (without it, the server refuses the pod).

Over the shipped examples and a seeded generator of failing workloads. The
counts are printed (pytest -s) for the record.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kubectl_podsec.admission.workloads import pod_template
from kubectl_podsec.fix.candidates import ALSO
from kubectl_podsec.fix.document import apply_patch
from kubectl_podsec.fix.server import with_claims

from tests.fix.workloads import workloads

from .control_plane import Cluster
from .podsec import podsec

REPO = Path(__file__).resolve().parents[2]
GENERATED = 160
_PATHS = {"Pod": "api/v1/{}/pods", "PodTemplate": "api/v1/{}/podtemplates",
          "ReplicationController": "api/v1/{}/replicationcontrollers", "ReplicaSet": "apis/apps/v1/{}/replicasets",
          "Deployment": "apis/apps/v1/{}/deployments", "StatefulSet": "apis/apps/v1/{}/statefulsets",
          "DaemonSet": "apis/apps/v1/{}/daemonsets", "Job": "apis/batch/v1/{}/jobs",
          "CronJob": "apis/batch/v1/{}/cronjobs"}


def _create(cluster: Cluster, namespace: str, obj: dict[str, Any]) -> tuple[int, str]:
    obj = {**obj, "metadata": {**obj.get("metadata", {}), "namespace": namespace}}
    path = "/" + _PATHS[obj["kind"]].format(f"namespaces/{namespace}") + "?dryRun=All"
    response = cluster.api("POST", path, obj)
    body = response.body if isinstance(response.body, dict) else {}
    return response.status, str(body.get("message", ""))


def _pod(obj: dict[str, Any]) -> dict[str, Any]:
    """The object itself for a Pod, else the Pod its controller would create."""
    if obj["kind"] == "Pod":
        return obj
    template = pod_template(obj)
    assert template is not None
    meta = {"generateName": obj["metadata"]["name"] + "-", **{k: dict(v) for k, v in template.metadata.items()
                                                             if k in ("labels", "annotations")}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": with_claims(obj, template.spec)}


def _judge(cluster: Cluster, namespace: str, obj: dict[str, Any]) -> list[str]:
    """The server's refusals of the object and of its pod (none when admitted)."""
    refusals = []
    for what in ([obj, _pod(obj)] if obj["kind"] != "Pod" else [obj]):
        status, message = _create(cluster, namespace, what)
        if status >= 300:
            refusals.append(f"{what['kind']} {status}: {message}")
    return refusals


def _objects(tmp_path: Path) -> tuple[Path, list[Path]]:
    generated = tmp_path / "generated.json"
    generated.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": workloads(GENERATED)}, indent=2))
    return generated, sorted((REPO / "examples").glob("*.yaml"))


# Baseline forbids only values someone set, so without --also there is nothing to fix at baseline.
@pytest.mark.parametrize(("level", "version", "also"), [
    ("restricted", "latest", ""), ("restricted", "latest", ",".join(ALSO)), ("baseline", "latest", ",".join(ALSO)),
    ("restricted", "v1.23", ""), ("baseline", "v1.18", ",".join(ALSO))],
    ids=["restricted", "restricted-also-all", "baseline-also-all", "restricted-v1.23", "baseline-v1.18-also-all"])
def test_every_object_fix_reports_fixed_is_admitted_and_every_operation_is_needed(
        cluster: Cluster, tmp_path: Path, level: str, version: str, also: str) -> None:
    namespace = cluster.create_namespace(f"fix-{level}", {"pod-security.kubernetes.io/enforce": level,
                                                          "pod-security.kubernetes.io/enforce-version": version})
    generated, examples = _objects(tmp_path)
    args = ["-f", str(generated), *(a for e in examples for a in ("-f", str(e))), "--level", level,
            "--version", version, "-o", "json"]
    ran = podsec(None, "fix", *args, *(["--also", also] if also else []))
    assert ran.code in (0, 1), ran.err
    report = ran.json
    fixed = [r for r in report["results"] if r["after"]["allowed"] and r["patch"]]
    objects = _read_objects(report, generated)
    still_refused, not_needed, checked_ops, refusal_statuses = [], [], 0, Counter[int]()
    for result in fixed:
        obj = objects[(result["source"]["file"], result["source"]["document"], result["source"].get("item"))]
        patched = apply_patch(obj, _ops(result["patch"]))
        refusals = _judge(cluster, namespace, patched)
        if refusals:
            still_refused.append((result["object"], refusals))
            continue
        for i in range(len(result["patch"])):
            checked_ops += 1
            without = apply_patch(obj, _ops(result["patch"][:i] + result["patch"][i + 1:]))
            status, _ = _create(cluster, namespace, _pod(without))
            if status < 300:
                not_needed.append((result["object"], result["patch"][i]))
            refusal_statuses[status] += 1
    before = [_judge(cluster, namespace, objects[(r["source"]["file"], r["source"]["document"],
                                                  r["source"].get("item"))]) for r in fixed]
    before_refused = sum(bool(refusals) for refusals in before)
    # Refused by Pod Security alone: the generator makes objects the server finds valid.
    assert [r for refusals in before for r in refusals if " 403: " not in r] == []
    print(f"\nfix --level {level} --version {version} {'--also all' if also else ''}: {len(report['results'])} objects, "
          f"{len(fixed)} fixed ({before_refused} refused before the fix), {len(still_refused)} still refused, "
          f"{checked_ops} operations, {len(not_needed)} not needed (without one, the pod got HTTP "
          f"{dict(refusal_statuses)}); summary {report['summary']}")
    # What is changed in part stays valid: refused by Pod Security (403), never as invalid (422).
    partly = [r for r in report["results"] if not r["after"]["allowed"] and r["patch"]]
    partial_statuses: Counter[int] = Counter()
    for r in partly:
        obj = objects[(r["source"]["file"], r["source"]["document"], r["source"].get("item"))]
        status, message = _create(cluster, namespace, _pod(apply_patch(obj, _ops(r["patch"]))))
        partial_statuses[status] += 1
        # and for a Pod, what fix says is left is what the server says, word for word (a workload's
        # template is judged as check judges it, without the AppArmor sync its pods get)
        left = ", ".join(f"{v['reason']} ({v['detail']})" for v in r["after"]["violations"])
        if obj["kind"] == "Pod":
            assert message.endswith(f'violates PodSecurity "{r["after"]["level"]}": {left}'), (message, left)
    print(f"  changed in part, still failing: {len(partly)}, the server answered {dict(partial_statuses)}")
    assert set(partial_statuses) <= {403}
    assert still_refused == []
    assert not_needed == []
    assert before_refused == len(fixed)
    assert len(fixed) > 40


def _ops(patch: list[dict[str, Any]]) -> list[Any]:
    from kubectl_podsec.fix.edits import Operation

    return [Operation(p["op"], p["path"], (), p.get("value")) for p in patch]


def _read_objects(report: dict[str, Any], generated: Path) -> dict[tuple[str, int, int | None], dict[str, Any]]:
    """(file, document, item) -> the object as read, for every result."""
    import io

    from kubectl_podsec.manifests import documents

    out = {}
    for name in {r["source"]["file"] for r in report["results"]}:
        for doc in documents(name, io.BytesIO(Path(name).read_bytes())):
            if doc.obj is not None:
                out[(name, doc.source.document, doc.source.item)] = doc.obj
    return out


def test_fix_server_reports_the_servers_words_for_objects_it_still_refuses(cluster: Cluster, tmp_path: Path) -> None:
    strict = cluster.create_namespace("fix-server", {"pod-security.kubernetes.io/enforce": "restricted"})
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare"},
           "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}]}}
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
                  "metadata": {"labels": {"app": "web"}}, "spec": pod["spec"]}}}
    (tmp_path / "objs.yaml").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [pod, deploy]}))

    ok = podsec(cluster, "fix", "-f", str(tmp_path / "objs.yaml"), "--level", "restricted", "--server",
                "-n", strict, "-o", "json")
    assert ok.code == 0, ok.err
    assert [r["server"]["rejected"] for r in ok.json["results"]] == [False, False]
    assert ok.json["results"][1]["server"]["pods"]["outcome"] == "accepted"

    weak = podsec(cluster, "fix", "-f", str(tmp_path / "objs.yaml"), "--level", "baseline", "--server",
                  "-n", strict)
    assert weak.code == 1
    assert f'rejected: Pod {strict}/bare' in weak.err
    assert 'pods "bare" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false' \
        in weak.err
    assert f"rejected: Deployment {strict}/web" in weak.err and "its pods: pods " in weak.err
    assert "2 still rejected by the server" in weak.err


def test_fix_server_without_level_takes_the_live_namespaces_enforce_level(cluster: Cluster, tmp_path: Path) -> None:
    strict = cluster.create_namespace("fix-live", {"pod-security.kubernetes.io/enforce": "restricted",
                                                   "pod-security.kubernetes.io/enforce-version": "v1.30"})
    lax = cluster.create_namespace("fix-lax")
    pods = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "namespace": ns},
             "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}]}} for ns in (strict, lax)]
    (tmp_path / "pods.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": pods}, indent=2))

    ran = podsec(cluster, "fix", "-f", str(tmp_path / "pods.json"), "--server", "-o", "json")

    assert ran.code == 0, ran.err
    strict_result, lax_result = ran.json["results"]
    assert strict_result["before"]["level"] == "restricted:v1.30" and strict_result["patch"]
    assert strict_result["server"]["object"]["outcome"] == "accepted"
    assert lax_result["before"]["level"] == "privileged:latest" and lax_result["patch"] == []

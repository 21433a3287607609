"""The API server's decoding of wrong JSON types, against the real Go code.

tests/gotypes (scripts/build-gotypes) decodes each object with apimachinery's JSON serializer
(sigs.k8s.io/json into the k8s.io/api types, as a create with fieldValidation=Strict) and
wraps the error as k8s.io/apiserver transformDecodeError does. Realistic pods and workloads
get one or two values replaced by values of wrong JSON types at random paths (nested and
inlined fields, integer overflow, floats into integers, intstr and quantity fields, null) or
a key renamed to one no field has;
where the model names the error it must be Go's byte for byte, and where it decodes the
object Go must too. Keys are written sorted, as kubectl sends them.
"""

from __future__ import annotations

import copy
import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
from podgen import generate_pods

from kubectl_podsec.validation.decode import decode

COUNT = 300
WRONG = (True, False, "x", "80", 1.5, -2.25, 1e21, 99999999999, 300000000000, 2**31, -1, 0, 7,
         {}, {"a": 1}, [], [1], ["a"], [{"b": True}], None)


def _go_errors(binary: Path, objects: list[dict[str, Any]]) -> list[str]:
    payload = "".join(json.dumps(o, sort_keys=True) + "\n" for o in objects)
    proc = subprocess.run([str(binary), "decode"], input=payload.encode(), capture_output=True,
                          check=False, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"{binary} exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
    answers = [json.loads(line) for line in proc.stdout.decode().split("\n") if line]
    assert len(answers) == len(objects)
    return answers


def _extras(rng: random.Random) -> dict[str, Any]:
    """Fields podgen leaves out whose Go types are of interest here."""
    return {
        "volumes": [{"name": "n", "nfs": {"server": "s", "path": "/", "readOnly": True}},
                    {"name": "e", "emptyDir": {"sizeLimit": "1Gi"}},
                    {"name": "p", "projected": {"sources": [{"configMap": {"name": "c", "items": [
                        {"key": "k", "path": "p", "mode": 420}]}}], "defaultMode": 420}}],
        "tolerations": [{"key": "k", "operator": "Exists", "tolerationSeconds": 30}],
        "terminationGracePeriodSeconds": 30, "priority": 0,
        "affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "preference": {"matchExpressions": [{"key": "a", "operator": "In", "values": ["b"]}]}}]}},
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}],
        "dnsConfig": {"options": [{"name": "ndots", "value": "2"}]},
    } if rng.random() < 0.7 else {}


def _container_extras(ctr: dict[str, Any]) -> None:
    ctr.setdefault("resources", {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": 1}})
    ctr.setdefault("readinessProbe", {"httpGet": {"port": 8080, "path": "/"}, "periodSeconds": 5})
    ctr.setdefault("env", [{"name": "A", "value": "b"},
                           {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}])


def _workload(pod: dict[str, Any], kind: str) -> dict[str, Any]:
    template = {"metadata": {"labels": {"app": "a"}}, "spec": pod["spec"]}
    selector = {"matchLabels": {"app": "a"}}
    specs: dict[str, tuple[str, dict[str, Any]]] = {
        "Pod": ("v1", pod["spec"]),
        "ReplicationController": ("v1", {"replicas": 2, "selector": {"app": "a"}, "template": template}),
        "ReplicaSet": ("apps/v1", {"replicas": 2, "selector": selector, "template": template}),
        "Deployment": ("apps/v1", {"replicas": 2, "selector": selector, "template": template, "strategy": {
            "type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}}}),
        "StatefulSet": ("apps/v1", {"serviceName": "s", "selector": selector, "template": template,
                                    "updateStrategy": {"rollingUpdate": {"partition": 0}}}),
        "DaemonSet": ("apps/v1", {"selector": selector, "template": template}),
        "Job": ("batch/v1", {"backoffLimit": 3, "template": template}),
        "CronJob": ("batch/v1", {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}),
    }
    meta = {"name": "w", "labels": {"app": "a"}, "annotations": {"a": "b"}}
    if kind == "PodTemplate":
        return {"apiVersion": "v1", "kind": kind, "metadata": meta, "template": template}
    api_version, spec = specs[kind]
    return {"apiVersion": api_version, "kind": kind, "metadata": meta, "spec": spec}


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            if path or key not in ("apiVersion", "kind"):
                out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*path, i))
    return out


def _mutate(obj: dict[str, Any], rng: random.Random) -> None:
    """One or two values of wrong types; or, now and then, a key no field has."""
    for _ in range(rng.choice((1, 1, 2))):
        path = rng.choice(_paths(obj))
        parent = obj
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and rng.random() < 0.1:
            parent[rng.choice(("extra", "Name", "zz"))] = parent.pop(path[-1])
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(WRONG))


def _objects() -> list[dict[str, Any]]:
    rng = random.Random(37)
    kinds = ("Pod", "Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet",
             "ReplicationController", "PodTemplate")
    objects = []
    for index, pod in enumerate(generate_pods(COUNT, seed=5)):
        pod["spec"].update(_extras(rng))
        for ctr in pod["spec"].get("containers") or []:
            if isinstance(ctr, dict):
                _container_extras(ctr)
        obj = _workload(json.loads(json.dumps(pod)), kinds[index % len(kinds)])
        _mutate(obj, rng)
        objects.append(obj)
    return objects


def test_decode_errors_match_the_go_decoder(gotypes_binary: Path) -> None:
    objects = _objects()
    answers = _go_errors(gotypes_binary, objects)
    compared = doubted = strict = failing = 0
    mismatches = []
    for obj, go in zip(objects, answers):
        ours = decode(obj, obj["apiVersion"], obj["kind"])
        strict += "strict decoding error" in go
        if ours.doubt is not None:
            doubted += 1
            assert ours.fails <= bool(go), (ours, go)
            continue
        compared += 1
        failing += bool(go)
        if (ours.error or "") != go:
            mismatches.append((json.dumps(obj, sort_keys=True)[:300], ours.error, go))
    print(f"\ngo decoding: {compared} compared ({failing} failing, {strict} of them with unknown fields), {doubted} doubted")
    assert not mismatches, mismatches[:3]
    assert compared >= COUNT * 3 // 4 and failing >= COUNT // 2

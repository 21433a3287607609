"""The fast answer of validation (validation/plain.py: "nothing to report") held to the
exact rules: validate() and validate_exactly() give the same result (verdict, message,
errors in order, doubts) on thousands of objects, valid and broken.

The objects are a rich Pod and the same spec in every pod-bearing kind, each changed at
random places by a seeded generator (a value set to one of many valid and invalid ones,
a key removed, a known field added, a list item duplicated), and the objects of
tests/validation_generator.py. The test also checks that both answers of the fast path
are seen many times, so that it tests something.
"""

from __future__ import annotations

import copy
import itertools
import random
from typing import Any

import pytest

from kubectl_podsec.validation import Validation, plain, plain_workloads, validate, validate_exactly
from kubectl_podsec.validation.decode import decode
from tests.validation_generator import generate

Obj = dict[str, Any]

PROBE = {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"}, "initialDelaySeconds": 5,
         "periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 3}


def rich_spec() -> Obj:
    return {
        "serviceAccountName": "runner", "hostname": "web-0", "subdomain": "web", "nodeName": "node-1.example",
        "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "terminationGracePeriodSeconds": 20,
        "activeDeadlineSeconds": 600, "automountServiceAccountToken": False, "enableServiceLinks": False,
        "schedulerName": "default-scheduler", "hostPID": False, "hostIPC": False, "os": {"name": "linux"},
        "nodeSelector": {"kubernetes.io/os": "linux", "disk": "ssd"},
        "imagePullSecrets": [{"name": "regcred"}],
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"}],
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}]}}},
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                       "labelSelector": {"matchLabels": {"app": "web"}}}],
        "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 3000, "fsGroup": 2000,
                            "supplementalGroups": [4000], "fsGroupChangePolicy": "OnRootMismatch",
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "volumes": [{"name": "config", "configMap": {"name": "cfg", "defaultMode": 0o644}},
                    {"name": "creds", "secret": {"secretName": "creds", "optional": True}},
                    {"name": "cache", "emptyDir": {}},
                    {"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
                    {"name": "logs", "hostPath": {"path": "/var/log", "type": "Directory"}}],
        "initContainers": [
            {"name": "migrate", "image": "registry.example.com/migrate:1", "command": ["/migrate"],
             "volumeMounts": [{"name": "config", "mountPath": "/etc/config", "readOnly": True}]},
            {"name": "proxy", "image": "registry.example.com/proxy:2", "restartPolicy": "Always",
             "readinessProbe": {"tcpSocket": {"port": 15000}}}],
        "containers": [
            {"name": "app", "image": "registry.example.com/app:1.2.3", "imagePullPolicy": "IfNotPresent",
             "args": ["--port=8080"], "workingDir": "/srv", "terminationMessagePolicy": "File",
             "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}, {"containerPort": 9090}],
             "env": [{"name": "MODE", "value": "prod"},
                     {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                     {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}],
             "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}},
             "volumeMounts": [{"name": "config", "mountPath": "/etc/config", "readOnly": True},
                              {"name": "cache", "mountPath": "/cache", "subPath": "app"},
                              {"name": "data", "mountPath": "/data"}],
             "livenessProbe": copy.deepcopy(PROBE), "readinessProbe": copy.deepcopy(PROBE),
             "startupProbe": {"exec": {"command": ["cat", "/ready"]}, "failureThreshold": 30},
             "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
             "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                 "privileged": False, "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
                                 "seccompProfile": {"type": "RuntimeDefault"},
                                 "appArmorProfile": {"type": "RuntimeDefault"}}},
            {"name": "sidecar", "image": "registry.example.com/sidecar:3", "ports": [{"containerPort": 9091}],
             "resources": {"requests": {"cpu": 1, "ephemeral-storage": "1Gi"}},
             "volumeMounts": [{"name": "logs", "mountPath": "/logs"}, {"name": "creds", "mountPath": "/creds"}]}],
    }


def wrapped(kind: str, spec: Obj) -> Obj:
    labels = {"app": "web", "tier": "front"}
    meta = {"name": "web", "namespace": "team-a", "labels": dict(labels),
            "annotations": {"example.com/owner": "team-a", "description": "the web tier"}}
    template = {"metadata": {"labels": dict(labels), "annotations": {"example.com/rev": "7"}}, "spec": spec}
    selector = {"matchLabels": dict(labels)}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
    if kind == "PodTemplate":
        return {"apiVersion": "v1", "kind": kind, "metadata": meta, "template": template}
    if kind == "ReplicationController":
        spec.pop("activeDeadlineSeconds", None)
        return {"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": {"replicas": 2, "template": template}}
    if kind in ("Job", "CronJob"):
        spec["restartPolicy"] = "OnFailure"
        job = {"backoffLimit": 2, "template": template}
        if kind == "Job":
            return {"apiVersion": "batch/v1", "kind": kind, "metadata": meta, "spec": job}
        return {"apiVersion": "batch/v1", "kind": kind, "metadata": meta,
                "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": job}}}
    spec.pop("activeDeadlineSeconds", None)  # forbidden where the restart policy is Always
    apps: Obj = {"selector": selector, "template": template}
    if kind == "StatefulSet":
        apps["serviceName"] = "web"
    if kind == "Deployment":
        apps.update(replicas=3, minReadySeconds=5, progressDeadlineSeconds=120, revisionHistoryLimit=4, paused=False,
                    strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}})
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": apps}


KINDS = ("Pod", "Pod", "Pod", "Deployment", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
         "CronJob", "PodTemplate", "ReplicationController")

# Values a change may put anywhere: valid ones, invalid ones, the wrong type, and values
# near the limits of the rules (names, ports, IDs, modes, paths, whitespace, non-ASCII).
VALUES: tuple[Any, ...] = (
    None, True, False, 0, 1, -1, 2, 80, 100, 101, 511, 512, 4095, 65535, 65536, 2**31 - 1, 2**31, -(2**31),
    2**62, 1.5,
    "", " ", "a", "web", "Web", "Bad_Name", "a.b", "-a", "a-", "x" * 63, "x" * 64, "y" * 254, "0", "1", "-1",
    "ü", "caf\u00e9", " img", "img ", "img\n", "a=b", "=", "..", "../x", "/abs", "a/../b", "sub/dir",
    "ALL", "CAP_SYS_ADMIN", "NET_ADMIN", "RuntimeDefault", "Unconfined", "Localhost", "Bogus", "Always", "Never",
    "OnFailure", "IfNotPresent", "None", "Default", "ClusterFirst", "TCP", "tcp", "UDP", "SCTP", "HTTP", "HTTPS",
    "File", "FallbackToLogsOnError", "Merge", "Strict", "OnRootMismatch", "Recursive", "Memory", "Directory",
    "linux", "windows", "100m", "1Gi", "2", "1e3", "-1", "10Mi", "0.5", "http", "metadata.name", "status.podIP",
    "example.com/key", "a/b/c", "kubernetes.io/config.mirror", "http-alt-very-long",
    [], {}, ["a"], ["a", "a"], [None], [1], {"a": "b"}, {"a": None}, {"type": "RuntimeDefault"},
    {"type": "Localhost", "localhostProfile": "prof"}, {"type": "Localhost"},
    {"type": "RuntimeDefault", "localhostProfile": "x"}, {"name": "linux"}, {"name": "windows"},
)

# Fields a change may add where they are not: each carries rules of its own.
EXTRA: tuple[tuple[str, Any], ...] = (
    ("hostPort", 8080), ("hostPort", 0), ("hostIP", "127.0.0.1"), ("hostNetwork", True), ("hostUsers", False),
    ("hostUsers", True), ("shareProcessNamespace", True), ("hostPID", True), ("procMount", "Unmasked"),
    ("sysctls", [{"name": "net.core.somaxconn", "value": "1"}]), ("windowsOptions", {"hostProcess": True}),
    ("seLinuxOptions", {"level": "s0"}), ("ephemeralContainers", [{"name": "dbg", "image": "busybox"}]),
    ("generateName", "web-"), ("envFrom", [{"configMapRef": {"name": "c"}}]), ("restartPolicy", "Always"),
    ("restartPolicy", "Never"), ("subPathExpr", "$(POD_NAME)"), ("dnsConfig", {"nameservers": ["1.1.1.1"]}),
    ("sizeLimit", "1Gi"), ("items", [{"key": "a", "path": "a"}]), ("ephemeral", {"volumeClaimTemplate": {}}),
    ("mountPropagation", "None"), ("priorityClassName", "high"), ("volumeDevices", [{"name": "d", "devicePath": "/d"}]),
    ("sleep", {"seconds": 40}), ("grpc", {"port": 9000}), ("localhostProfile", "prof"), ("status", {}),
    ("seccomp.security.alpha.kubernetes.io/pod", "runtime/default"),
    ("container.apparmor.security.beta.kubernetes.io/app", "unconfined"),
    ("container.seccomp.security.alpha.kubernetes.io/app", "localhost/x"), ("creationTimestamp", None),
)


def places(obj: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) of the object, depth first."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            out.append((obj, key))
            places(value, out)
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            out.append((obj, i))
            places(value, out)
    return out


def change(obj: Obj, rng: random.Random) -> None:
    """One random change somewhere in the object."""
    holder, key = rng.choice(places(obj, []))
    roll = rng.random()
    if roll < 0.45:
        # mostly a value of the same JSON type: one that decodes, for the rules to judge
        alike = [v for v in VALUES if type(v) is type(holder[key])]
        holder[key] = copy.deepcopy(rng.choice(alike or VALUES))
    elif roll < 0.55:
        holder[key] = copy.deepcopy(rng.choice(VALUES))
    elif roll < 0.7:
        del holder[key]
    elif roll < 0.85:
        target = holder[key] if isinstance(holder[key], dict) else holder
        if isinstance(target, dict):
            name, value = rng.choice(EXTRA)
            target[name] = copy.deepcopy(value)
    else:
        target = holder[key] if isinstance(holder[key], list) else holder
        if isinstance(target, list) and target:
            target.append(copy.deepcopy(rng.choice(target)))


def mutated(count: int, seed: int, kinds: tuple[str, ...] = KINDS) -> list[Obj]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        obj = wrapped(rng.choice(kinds), rich_spec())
        for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
            change(obj, rng)
        out.append(obj)
    return out


def same(obj: Obj) -> tuple[Validation, Validation]:
    before = copy.deepcopy(obj)
    fast, exact = validate(obj), validate_exactly(obj)
    assert obj == before, "validation changed its input"
    return fast, exact


@pytest.mark.parametrize("seed", range(4))
def test_fast_path_gives_the_exact_answer_on_mutated_objects(seed: int) -> None:
    for obj in mutated(1500, seed):
        fast, exact = same(obj)
        assert fast == exact, obj


@pytest.mark.parametrize("kind", ("Pod", "Deployment"))
def test_fast_path_gives_the_exact_answer_on_every_single_change(kind: str) -> None:
    """Each place of the rich object, one at a time: removed, or set to each value of its type
    (a third of the strings, a different third at each place)."""
    obj = wrapped(kind, rich_spec())
    for index, (holder, key) in enumerate(places(obj, [])):
        original = holder[key]
        kept = list(holder.items()) if isinstance(holder, dict) else None
        values = [v for v in VALUES if type(v) is type(original)]
        if isinstance(original, str):
            values = values[index % 3::3]
        for value in values + [_REMOVED]:
            if value is _REMOVED:
                del holder[key]
            else:
                holder[key] = copy.deepcopy(value)
            assert validate(obj) == validate_exactly(obj), obj
            if kept is None:
                holder.insert(key, original) if value is _REMOVED else holder.__setitem__(key, original)
            else:  # in the same order: the order of keys can matter to a message
                holder.clear()
                holder.update(kept)
    assert obj == wrapped(kind, rich_spec())


_REMOVED = object()


HOST_PORTS = (None, 0, 8080, 8081, 70000)


@pytest.mark.parametrize("kind", ("Pod", "Deployment"))
@pytest.mark.parametrize("network", (None, False, True))
def test_fast_path_gives_the_exact_answer_on_host_ports(kind: str, network: bool | None) -> None:
    """Host ports set, unset, equal to the container port or not, shared by containers or
    init containers, on the host network or not (a Pod's are then defaulted)."""
    for first, second, init_port, address, protocol in itertools.product(
            HOST_PORTS, HOST_PORTS, (None, 8080), (None, "", "10.0.0.1", "caf\u00e9"), (None, "UDP")):
        spec: Obj = {"containers": [{"name": "a", "image": "i", "ports": [{"containerPort": 8080, "hostPort": first}]},
                               {"name": "b", "image": "i", "ports": [{"containerPort": 8080, "hostPort": second,
                                                                      "hostIP": address, "protocol": protocol}]}]}
        if network is not None:
            spec["hostNetwork"] = network
        if init_port is not None:
            spec["initContainers"] = [{"name": "c", "image": "i", "ports": [
                {"containerPort": init_port}, {"containerPort": init_port, "hostPort": first, "protocol": protocol}]}]
        obj = wrapped(kind, spec)
        fast, exact = same(obj)
        assert fast == exact, obj


FLAGS = ("hostNetwork", "hostPID", "hostIPC", "hostUsers", "shareProcessNamespace")


@pytest.mark.parametrize("kind", ("Pod", "Deployment"))
def test_fast_path_gives_the_exact_answer_on_the_pod_flags(kind: str) -> None:
    """Every combination of the host namespace flags (rules tie them to each other)."""
    for values in itertools.product((None, True, False), repeat=len(FLAGS)):
        spec = rich_spec()
        spec.update((key, value) for key, value in zip(FLAGS, values) if value is not None)
        fast, exact = same(wrapped(kind, spec))
        assert fast == exact, values


def test_fast_path_gives_the_exact_answer_on_generated_objects() -> None:
    for seed in (11, 12):
        for obj in generate(1500, seed):
            fast, exact = same(obj)
            assert fast == exact, obj


ANSWERS = {"Pod": plain.pod_plainly, "Deployment": plain_workloads.deployment_plainly}


def test_the_rich_objects_take_the_fast_path_and_are_valid() -> None:
    for kind in sorted(set(KINDS)):
        obj = wrapped(kind, rich_spec())
        result = validate_exactly(obj)
        assert result == Validation(True, None, (), ()), (kind, result)
        if kind in ANSWERS:
            assert ANSWERS[kind](obj), kind
        if kind != "Pod":
            template = obj.get("template") or obj["spec"].get("template") or \
                obj["spec"]["jobTemplate"]["spec"]["template"]
            assert plain.template_plainly(template), kind


@pytest.mark.parametrize("volume", [
    {"name": "v", "configMap": {"name": "c"}}, {"secret": {"secretName": "s"}, "name": "v"},
    {"name": "v", "emptyDir": {}}, {"persistentVolumeClaim": {"claimName": "c", "readOnly": True}, "name": "v"},
])
def test_a_common_volume_source_is_read_at_once_whichever_key_comes_first(volume: Obj) -> None:
    assert plain._plain_source(volume)
    assert plain.volumes([volume]) == frozenset({"v"})


@pytest.mark.parametrize("kind,api", (("Pod", "v1"), ("Deployment", "apps/v1")))
def test_both_answers_of_the_fast_path_are_exercised(kind: str, api: str) -> None:
    """The mutated objects reach both answers often, among valid and invalid objects alike."""
    tally = {(True, True): 0, (False, True): 0, (False, False): 0, (False, None): 0}
    for obj in mutated(1500, 99, kinds=(kind,)):
        if (obj.get("apiVersion"), obj.get("kind")) != (api, kind):
            continue
        decoded = decode(dict(obj), api, kind)
        if decoded.fails or decoded.doubt is not None:
            continue  # the fast path is asked only about objects that decode
        result = validate_exactly(obj)
        key = (ANSWERS[kind](obj), result.valid)
        tally[key] = tally.get(key, 0) + 1
    assert tally[(True, True)] > 300 and tally[(False, False)] > 100 and tally[(False, None)] > 20, tally
    assert tally[(False, True)] > 0, tally  # a valid object the fast path leaves to the rules
    assert tally.get((True, False), 0) == 0 and tally.get((True, None), 0) == 0, tally

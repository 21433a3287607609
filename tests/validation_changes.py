"""The changes the differential test's generator applies: each edits one part of an object
(valid or not) in a category real objects get rejected for; see validation_generator."""

from __future__ import annotations

import copy
import random
from typing import Any

Obj = dict[str, Any]
WORKLOADS = ("ReplicaSet", "Deployment", "StatefulSet", "DaemonSet")
NAMES = ("app", "sidecar", "init", "debug", "web", "Bad_Name", "a.b", "x" * 64, "")


class Shape:
    """Handles on the parts of an object the changes edit, whatever its kind."""

    def __init__(self, obj: Obj) -> None:
        self.obj = obj
        kind = obj["kind"]
        if kind == "Pod":
            self.template: Obj = obj
        elif kind == "PodTemplate":
            self.template = obj["template"]
        elif kind == "CronJob":
            self.template = obj["spec"]["jobTemplate"]["spec"]["template"]
        else:
            self.template = obj["spec"]["template"]
        self.meta: Obj = self.template.setdefault("metadata", {})
        self.spec: Obj = self.template["spec"]

    @property
    def is_pod(self) -> bool:
        return bool(self.obj["kind"] == "Pod")

    def annotations(self) -> Obj:
        return self.meta.setdefault("annotations", {})

    def containers(self, rng: random.Random) -> list[Obj]:
        key = rng.choice(("containers", "containers", "initContainers"))
        return self.spec.setdefault(key, []) or self.spec["containers"]

    def any_container(self, rng: random.Random) -> Obj:
        pool = self.spec["containers"] + self.spec.get("initContainers", [])
        return rng.choice(pool)


def _profile(rng: random.Random, types: tuple[str, ...]) -> Obj:
    kind = rng.choice(types)
    out: Obj = {"type": kind}
    if kind == "Localhost" and rng.random() < 0.8:
        out["localhostProfile"] = rng.choice(("prof", "a/b", "/abs", "../up", " pad"))
    elif kind != "Localhost" and rng.random() < 0.15:
        out["localhostProfile"] = "stray"
    return out


def c_duplicate_names(s: Shape, rng: random.Random) -> None:
    existing = rng.choice(s.spec["containers"])["name"]
    target = rng.choice(("containers", "initContainers", "ephemeralContainers"))
    s.spec.setdefault(target, []).append({"name": existing, "image": "busybox"})


def c_apparmor(s: Shape, rng: random.Random) -> None:
    types = ("RuntimeDefault", "Unconfined", "Localhost", "Localhost", "", "Bogus")
    if rng.random() < 0.5:
        holder = s.spec if rng.random() < 0.4 else s.any_container(rng)
        holder.setdefault("securityContext", {})["appArmorProfile"] = _profile(rng, types)
    if rng.random() < 0.7:
        name = rng.choice((s.any_container(rng)["name"], "ghost"))
        value = rng.choice(("runtime/default", "unconfined", "localhost/prof", "localhost/other", "foo", ""))
        s.annotations()[f"container.apparmor.security.beta.kubernetes.io/{name}"] = value


def c_seccomp(s: Shape, rng: random.Random) -> None:
    types = ("RuntimeDefault", "Unconfined", "Localhost", "Localhost", "", "Bogus")
    if rng.random() < 0.6:
        holder = s.spec if rng.random() < 0.5 else s.any_container(rng)
        holder.setdefault("securityContext", {})["seccompProfile"] = _profile(rng, types)
    values = ("runtime/default", "docker/default", "unconfined", "localhost/prof", "localhost//abs", "foo")
    if rng.random() < 0.5:
        s.annotations()["seccomp.security.alpha.kubernetes.io/pod"] = rng.choice(values)
    if rng.random() < 0.5:
        name = s.any_container(rng)["name"]
        s.annotations()[f"container.seccomp.security.alpha.kubernetes.io/{name}"] = rng.choice(values)


def c_proc_mount(s: Shape, rng: random.Random) -> None:
    s.any_container(rng).setdefault("securityContext", {})["procMount"] = rng.choice(("Default", "Unmasked",
                                                                                         "Unmasked", "Masked"))
    if rng.random() < 0.5:
        s.spec["hostUsers"] = rng.choice((True, False, False))


def c_host_process(s: Shape, rng: random.Random) -> None:
    if rng.random() < 0.6:
        s.spec.setdefault("securityContext", {})["windowsOptions"] = {"hostProcess": rng.choice((True, False))}
    for ctr in s.spec["containers"] + s.spec.get("initContainers", []):
        if rng.random() < 0.6:
            ctr.setdefault("securityContext", {})["windowsOptions"] = {"hostProcess": rng.choice((True, False))}
    if rng.random() < 0.5:
        s.spec["hostNetwork"] = True
    if rng.random() < 0.5:
        s.spec["os"] = {"name": rng.choice(("windows", "linux"))}


def c_windows_fields(s: Shape, rng: random.Random) -> None:
    s.spec["os"] = {"name": rng.choice(("windows", "windows", "linux", "Windows", ""))}
    context = s.spec.setdefault("securityContext", {})
    for key, value in (("runAsUser", 1000), ("fsGroup", 2000), ("sysctls", [{"name": "kernel.shm_rmid_forced",
                                                                             "value": "0"}]),
                       ("supplementalGroups", [1]), ("seccompProfile", {"type": "RuntimeDefault"})):
        if rng.random() < 0.3:
            context[key] = value
    ctx = s.any_container(rng).setdefault("securityContext", {})
    for key, value in (("privileged", False), ("runAsGroup", 3), ("readOnlyRootFilesystem", True),
                       ("capabilities", {"drop": ["ALL"]}), ("allowPrivilegeEscalation", False)):
        if rng.random() < 0.3:
            ctx[key] = value
    for key in ("hostPID", "hostIPC", "shareProcessNamespace", "hostUsers"):
        if rng.random() < 0.15:
            s.spec[key] = rng.choice((True, False))


def c_escalation(s: Shape, rng: random.Random) -> None:
    ctx = s.any_container(rng).setdefault("securityContext", {})
    ctx["allowPrivilegeEscalation"] = rng.choice((False, False, True))
    if rng.random() < 0.5:
        ctx["privileged"] = rng.choice((True, False))
    if rng.random() < 0.5:
        ctx["capabilities"] = {"add": rng.sample(["CAP_SYS_ADMIN", "NET_ADMIN", "SYS_ADMIN"], rng.randint(1, 2))}
    if rng.random() < 0.3:
        ctx["runAsUser"] = rng.choice((0, 1000, -1))


def c_ephemeral(s: Shape, rng: random.Random) -> None:
    item: Obj = {"name": rng.choice(("debugger", "app")), "image": rng.choice(("busybox", "", " busybox"))}
    if rng.random() < 0.5:
        item["targetContainerName"] = rng.choice(("app", "nope"))
    if rng.random() < 0.3:
        item["ports"] = [{"containerPort": 80}]
    s.spec.setdefault("ephemeralContainers", []).append(item)


def c_claim_template(s: Shape, rng: random.Random) -> None:
    spec: Obj = {"resources": {"requests": {"storage": "1Gi"}}}
    if rng.random() < 0.4:
        spec["accessModes"] = rng.choice((["ReadWriteOnce"], ["ReadWriteOncePod", "ReadOnlyMany"], ["Sometimes"]))
    if rng.random() < 0.2:
        spec["volumeMode"] = "Weird"
    s.spec.setdefault("volumes", []).append({"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": spec}}})
    if rng.random() < 0.6:
        s.spec["containers"][0].setdefault("volumeMounts", []).append({"name": "scratch", "mountPath": "/scratch"})


def c_init_probes(s: Shape, rng: random.Random) -> None:
    init: Obj = {"name": "init", "image": "busybox"}
    if rng.random() < 0.5:
        init["restartPolicy"] = rng.choice(("Always", "Always", "Never", "Sometimes"))
    probe: Obj = rng.choice(({"exec": {"command": ["true"]}}, {"httpGet": {"port": 8080}}, {"tcpSocket": {"port": "http"}},
                             {"grpc": {"port": 0}}, {}, {"exec": {"command": ["x"]}, "httpGet": {"port": 1}}))
    if rng.random() < 0.3:
        probe = {**probe, "successThreshold": rng.choice((2, -1)), "periodSeconds": rng.choice((-5, 3))}
    init[rng.choice(("livenessProbe", "readinessProbe", "startupProbe"))] = probe
    if rng.random() < 0.2:
        init["lifecycle"] = {"preStop": {"exec": {"command": ["x"]}}}
    s.spec.setdefault("initContainers", []).append(init)


def c_ports(s: Shape, rng: random.Random) -> None:
    ctr = s.any_container(rng)
    port: Obj = {"containerPort": rng.choice((80, 8080, 0, 70000))}
    if rng.random() < 0.5:
        port["hostPort"] = rng.choice((80, 8080, 9090))
    if rng.random() < 0.4:
        port["protocol"] = rng.choice(("TCP", "UDP", "tcp", "HTTP"))
    if rng.random() < 0.3:
        port["name"] = rng.choice(("http", "HTTP", "1234", "a--b", "very-long-port-name"))
    ctr.setdefault("ports", []).append(port)
    if rng.random() < 0.4:
        other = rng.choice(s.spec["containers"])
        other.setdefault("ports", []).append(dict(port))
    if rng.random() < 0.25:
        s.spec["hostNetwork"] = True


def c_sysctls(s: Shape, rng: random.Random) -> None:
    names = ("net.core.somaxconn", "kernel.shm_rmid_forced", "kernel.msgmax", "net/ipv4/ip_forward", "Bad_Name", "")
    s.spec.setdefault("securityContext", {})["sysctls"] = [
        {"name": rng.choice(names), "value": "1"} for _ in range(rng.randint(1, 2))]
    for key in ("hostNetwork", "hostIPC"):
        if rng.random() < 0.5:
            s.spec[key] = True


def c_container_name(s: Shape, rng: random.Random) -> None:
    s.any_container(rng)["name"] = rng.choice(NAMES)


def c_image(s: Shape, rng: random.Random) -> None:
    ctr = s.any_container(rng)
    choice = rng.random()
    if choice < 0.5:
        ctr.pop("image", None)
    else:
        ctr["image"] = rng.choice(("", " nginx", "nginx:latest", "nginx "))


def c_volumes(s: Shape, rng: random.Random) -> None:
    volumes = s.spec.setdefault("volumes", [])
    volumes.append(rng.choice(({"name": "data", "emptyDir": {}}, {"name": "data", "hostPath": {"path": ""}},
                               {"name": "Data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "c"}},
                               {"name": "sec", "secret": {}}, {"name": "pvc", "persistentVolumeClaim": {}},
                               {"name": "both", "emptyDir": {}, "secret": {"secretName": "s"}},
                               {"name": "hp", "hostPath": {"path": "/x/../y", "type": "Dir"}})))
    if rng.random() < 0.3:
        volumes.append(dict(volumes[0]))
    ctr = s.any_container(rng)
    mount = {"name": rng.choice((volumes[0]["name"], "missing")), "mountPath": rng.choice(("/data", "/data", ""))}
    if rng.random() < 0.2:
        mount["subPath"] = rng.choice(("../x", "/abs", "ok"))
    ctr.setdefault("volumeMounts", []).append(mount)
    if rng.random() < 0.2:
        ctr["volumeMounts"].append(dict(mount))


def c_policies(s: Shape, rng: random.Random) -> None:
    ctr = s.any_container(rng)
    key, values = rng.choice((("imagePullPolicy", ("Always", "always", "Sometimes")),
                              ("terminationMessagePolicy", ("File", "Logs")),))
    ctr[key] = rng.choice(values)
    if rng.random() < 0.3:
        s.spec["restartPolicy"] = rng.choice(("Always", "Never", "OnFailure", "Sometimes"))
    if rng.random() < 0.2:
        s.spec["dnsPolicy"] = rng.choice(("ClusterFirst", "Default", "Custom"))


def c_ids(s: Shape, rng: random.Random) -> None:
    holder = s.spec if rng.random() < 0.5 else s.any_container(rng)
    key = rng.choice(("runAsUser", "runAsGroup") + (("fsGroup",) if holder is s.spec else ()))
    holder.setdefault("securityContext", {})[key] = rng.choice((0, 1000, -1, 2**31))


def c_labels(s: Shape, rng: random.Random) -> None:
    where = s.meta if rng.random() < 0.6 else s.obj["metadata"]
    key, value = rng.choice((("app", "{{ .Values.name }}"), ("tier", "x" * 64), ("bad key", "v"),
                             ("example.com/ok", "fine"), ("-lead", "v"), ("app", "")))
    where.setdefault("labels", {})[key] = value
    if rng.random() < 0.3:
        where.setdefault("annotations", {})[rng.choice(("ok/key", "bad key", "a/b/c"))] = "v"


def c_selector(s: Shape, rng: random.Random) -> None:
    if s.obj["kind"] not in WORKLOADS:
        return
    choice = rng.random()
    if choice < 0.35:
        s.obj["spec"].pop("selector", None)
    elif choice < 0.7:
        s.obj["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    elif choice < 0.85:
        s.obj["spec"]["selector"] = {}
    else:
        s.obj["spec"]["selector"] = {"matchExpressions": [{"key": "app", "operator": rng.choice(("In", "Exists")),
                                                           "values": [s.meta["labels"].get("app", "x")]}]}


def c_object_name(s: Shape, rng: random.Random) -> None:
    if rng.random() < 0.4:
        del s.obj["metadata"]["name"]
        s.obj["metadata"]["generateName"] = rng.choice(("web-", "Web-", "x" * 70, "ok.name-", "-"))
    else:
        s.obj["metadata"]["name"] = rng.choice(("Upper-Case", "dots.are.ok", "under_score", "x" * 60))


def c_extras(s: Shape, rng: random.Random) -> None:
    """Fields real manifests carry, some of them outside what the offline model covers."""
    ctr = s.any_container(rng)
    extras: tuple[tuple[Obj, str, Any], ...] = (
        (ctr, "resources", rng.choice(({"limits": {"cpu": "500m", "memory": "128Mi"}},
                                       {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}},
                                       {"requests": {"memory": "-1"}}, {}))),
        (ctr, "env", rng.choice(([{"name": "A", "value": "1"}], [{"name": "B=C", "value": "1"}], [{"name": ""}],
                                 [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]))),
        (ctr, "lifecycle", {"preStop": {"exec": {"command": ["sleep", "5"]}}}),
        (ctr, "command", ["sh", "-c", "true"]),
        (ctr, "readinessProbe", rng.choice(({"httpGet": {"path": "/healthz", "port": "http"}},
                                            {"tcpSocket": {"port": 99999}}, {"exec": {"command": []}},
                                            {"httpGet": {"port": 8080}, "terminationGracePeriodSeconds": 5}))),
        (s.spec, "nodeSelector", rng.choice(({"kubernetes.io/os": "linux"}, {"bad key": "v"}))),
        (s.spec, "tolerations", [{"key": "k", "operator": "Exists"}]),
        (s.spec, "serviceAccountName", rng.choice(("builder", "Bad_SA"))),
        (s.spec, "imagePullSecrets", [{"name": "regcred"}]),
        (s.spec, "terminationGracePeriodSeconds", rng.choice((0, 30, -1))),
        (s.spec, "hostname", rng.choice(("web-0", "Web"))),
        (s.spec, "activeDeadlineSeconds", rng.choice((0, 60))),
        (s.spec, "affinity", rng.choice((
            {"nodeAffinity": {}},
            {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]}]}}},
            {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": rng.choice((1, 0, 101)), "preference": {"matchExpressions": [
                    {"key": "zone", "operator": rng.choice(("Exists", "In")), "values": []}]}}]}},
            {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "x"}},
                 "topologyKey": rng.choice(("kubernetes.io/hostname", "", "bad key"))}]}}))),
        (s.spec, "topologySpreadConstraints", [
            {"maxSkew": rng.choice((1, 1, 0)), "topologyKey": rng.choice(("zone", "zone", "")),
             "whenUnsatisfiable": rng.choice(("DoNotSchedule", "ScheduleAnyway", "Maybe")),
             "labelSelector": {"matchLabels": {"app": rng.choice(("x", "{{x}}"))}}} for _ in range(rng.randint(1, 2))]),
        (s.spec, "dnsPolicy", "None"),
        (s.spec, "shareProcessNamespace", True),
        (s.spec, "hostPID", True),
    )
    for holder, key, value in rng.sample(extras, rng.randint(1, 3)):
        holder[key] = copy.deepcopy(value)


def c_workload_fields(s: Shape, rng: random.Random) -> None:
    spec = s.obj.get("spec")
    if not isinstance(spec, dict):
        return
    kind = s.obj["kind"]
    options: list[tuple[str, Any]] = []
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController"):
        options.append(("minReadySeconds", rng.choice((0, 10, -1))))
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"):
        options.append(("replicas", rng.choice((0, 3, -2))))
    if kind == "Deployment":
        options += [("strategy", rng.choice(({"type": "Recreate"}, {"type": "RollingUpdate"}, {"type": "Blue"},
                                             {"type": "Recreate", "rollingUpdate": {}},
                                             {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}},
                                             {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": "150%"}}))),
                    ("revisionHistoryLimit", rng.choice((0, -1))), ("progressDeadlineSeconds", rng.choice((5, -1)))]
    if kind == "DaemonSet":
        options.append(("updateStrategy", rng.choice(({"type": "OnDelete"}, {"rollingUpdate": {"maxSurge": 1}},
                                                      {"rollingUpdate": {"maxUnavailable": 0}}))))
    if kind == "StatefulSet":
        options += [("updateStrategy", rng.choice(({"type": "OnDelete"}, {"rollingUpdate": {"partition": -1}},
                                                   {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}))),("podManagementPolicy", rng.choice(("Parallel", "Random"))),
                    ("serviceName", rng.choice(("svc", "Bad.Svc"))),
                    ("volumeClaimTemplates", [{"metadata": {"name": "data"},
                                               "spec": rng.choice(({"accessModes": ["ReadWriteOnce"],
                                                                    "resources": {"requests": {"storage": "1Gi"}}},
                                                                   {"resources": {}}))}])]
    if kind == "Job":
        options += [("backoffLimit", rng.choice((0, -1))), ("parallelism", rng.choice((2, -1))),
                    ("completions", rng.choice((3, -3)))]
    if kind == "CronJob":
        options += [("schedule", rng.choice(("@hourly", "61 * * * *", "0 0 * * *", "*/0 * * * *"))),
                    ("concurrencyPolicy", rng.choice(("Forbid", "Sometimes"))),
                    ("successfulJobsHistoryLimit", rng.choice((1, -1)))]
    if not options:
        return
    for key, value in rng.sample(options, rng.randint(1, min(2, len(options)))):
        spec[key] = value


_FUZZ_VALUES: tuple[Any, ...] = ("", " ", "x", "A", "-", "a-b", "a.b", "a/b", "ünï", "<&>", "tab\t", "0", "None",
                                  0, -1, 1, 65536, 2**31, True, False, None, [], {}, ["x"], {"a": "b"})
_FUZZ_KEYS = {
    "container": ("name", "image", "imagePullPolicy", "terminationMessagePolicy", "workingDir", "stdin", "tty",
                  "restartPolicy", "command", "args"),
    "securityContext": ("privileged", "runAsUser", "runAsNonRoot", "procMount", "allowPrivilegeEscalation",
                        "readOnlyRootFilesystem", "capabilities", "seccompProfile", "appArmorProfile"),
    "spec": ("restartPolicy", "dnsPolicy", "hostNetwork", "hostPID", "hostIPC", "hostUsers", "serviceAccountName",
             "nodeName", "hostname", "subdomain", "schedulerName", "activeDeadlineSeconds",
             "terminationGracePeriodSeconds", "shareProcessNamespace", "enableServiceLinks", "os"),
}


def c_fuzz(s: Shape, rng: random.Random) -> None:
    """Odd values, some of the wrong JSON type, in fields the model reads."""
    for _ in range(rng.randint(1, 3)):
        where = rng.choice(tuple(_FUZZ_KEYS))
        if where == "spec":
            holder = s.spec
        else:
            holder = s.any_container(rng)
            if where == "securityContext":
                holder = holder.setdefault("securityContext", {})
        holder[rng.choice(_FUZZ_KEYS[where])] = copy.deepcopy(rng.choice(_FUZZ_VALUES))

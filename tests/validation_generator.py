"""A seeded generator of pod-bearing objects, valid and broken, for the differential test of
kubectl_podsec.validation against a real API server.

Each object starts from a valid one of a random kind and takes 0 to 3 changes drawn from the
categories that real manifests and edge-case pods get rejected for (duplicate names, AppArmor
and seccomp fields and annotations, procMount, Windows options, privilege escalation,
sysctls, ports, probes, volumes, selectors, labels ...). Many changes are valid variants of
the same fields, so that the test also sees what the server accepts.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable

from .validation_changes import (
    Obj, Shape, c_apparmor, c_claim_template, c_container_name, c_duplicate_names, c_ephemeral, c_escalation,
    c_extras, c_fuzz, c_host_process, c_ids, c_image, c_init_probes, c_labels, c_object_name, c_policies, c_ports,
    c_proc_mount, c_seccomp, c_selector, c_sysctls, c_volumes, c_windows_fields, c_workload_fields,
)

KIND_WEIGHTS = (("Pod", 10), ("PodTemplate", 1), ("ReplicationController", 1), ("ReplicaSet", 1),
                ("Deployment", 3), ("StatefulSet", 2), ("DaemonSet", 2), ("Job", 2), ("CronJob", 2))
API_VERSIONS = {"Pod": "v1", "PodTemplate": "v1", "ReplicationController": "v1", "Job": "batch/v1",
                "CronJob": "batch/v1"}


def base(kind: str, index: int, rng: random.Random) -> Obj:
    labels = {"app": f"a{index % 7}"}
    template: Obj = {"metadata": {"labels": dict(labels)},
                     "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}]}}
    name = f"{kind.lower()}-{index}"
    api = API_VERSIONS.get(kind, "apps/v1")
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
                "spec": template["spec"]}
    if kind == "PodTemplate":
        return {"apiVersion": api, "kind": kind, "metadata": {"name": name}, "template": template}
    if kind == "ReplicationController":
        return {"apiVersion": api, "kind": kind, "metadata": {"name": name}, "spec": {"template": template}}
    if kind == "Job":
        template["spec"]["restartPolicy"] = rng.choice(("Never", "OnFailure"))
        return {"apiVersion": api, "kind": kind, "metadata": {"name": name}, "spec": {"template": template}}
    if kind == "CronJob":
        template["spec"]["restartPolicy"] = "OnFailure"
        return {"apiVersion": api, "kind": kind, "metadata": {"name": name},
                "spec": {"schedule": rng.choice(("*/5 * * * *", "0 3 * * 1", "15 */2 * * *")),
                         "jobTemplate": {"spec": {"template": template}}}}
    spec: Obj = {"selector": {"matchLabels": dict(labels)}, "template": template}
    if kind == "StatefulSet":
        spec["serviceName"] = "svc"
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name}, "spec": spec}


CHANGES: tuple[tuple[Callable[[Shape, random.Random], None], int], ...] = (
    (c_duplicate_names, 6), (c_apparmor, 5), (c_seccomp, 5), (c_proc_mount, 4), (c_host_process, 4),
    (c_windows_fields, 3), (c_escalation, 3), (c_ephemeral, 2), (c_claim_template, 2), (c_init_probes, 3),
    (c_ports, 3), (c_sysctls, 2), (c_container_name, 2), (c_image, 2), (c_volumes, 3), (c_policies, 2),
    (c_ids, 2), (c_labels, 2), (c_selector, 3), (c_object_name, 1), (c_extras, 4), (c_workload_fields, 3),
    (c_fuzz, 3),
)


def generate(count: int, seed: int) -> list[Obj]:
    rng = random.Random(seed)
    kinds = [k for k, w in KIND_WEIGHTS for _ in range(w)]
    changes = [c for c, w in CHANGES for _ in range(w)]
    out = []
    for index in range(count):
        obj = base(rng.choice(kinds), index, rng)
        shape = Shape(obj)
        for change in rng.sample(changes, rng.choice((0, 1, 1, 1, 2, 2, 3))):
            change(shape, rng)
        out.append(copy.deepcopy(obj))
    return out

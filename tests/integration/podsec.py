"""Running `kubectl podsec` against the test control plane: in-process (fast, as
users see it through click) or as a real process (for faults that need one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from kubectl_podsec.cli.main import cli

from .control_plane import REPO, Cluster, eventually


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    def errors(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error: ")]


def connection(cluster: Cluster, context: str | None) -> list[str]:
    return ["--kubeconfig", str(cluster.kubeconfig)] + (["--context", context] if context else [])


def podsec(cluster: Cluster | None, command: str, *args: str, context: str | None = "admin",
           input: str | None = None, env: Mapping[str, str | None] | None = None) -> Ran:
    """`kubectl podsec COMMAND --kubeconfig ... --context CONTEXT ARGS`, in-process."""
    argv = [*command.split(), *(connection(cluster, context) if cluster else []), *args]
    result = CliRunner().invoke(cli, argv, input=input, env=dict(env or {}), catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def podsec_process(cluster: Cluster | None, command: str, *args: str, context: str | None = "admin",
                   env: Mapping[str, str] | None = None, **popen: Any) -> subprocess.Popen[str]:
    """The same as a real process (python -m kubectl_podsec); the caller waits for it."""
    argv = [sys.executable, "-m", "kubectl_podsec", *command.split(),
            *(connection(cluster, context) if cluster else []), *args]
    return subprocess.Popen(argv, text=True, cwd=REPO, env={**os.environ, **(env or {})}, **popen)


def apply(cluster: Cluster, namespace: str, objects: Sequence[Mapping[str, Any]]) -> None:
    cluster.kubectl("apply", "-n", namespace, "-f", "-",
                    input=json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)}))


def manifest(path: Path, *objects: Mapping[str, Any]) -> str:
    path.write_text("".join("---\n" + json.dumps(o) + "\n" for o in objects))
    return str(path)


def label(cluster: Cluster, namespace: str, **labels: str) -> None:
    cluster.kubectl("label", "--overwrite", "ns", namespace,
                    *(f"pod-security.kubernetes.io/{k.replace('_', '-')}={v}" for k, v in labels.items()))


# --- objects ---------------------------------------------------------------------------

PRIVILEGED = {"name": "app", "image": "registry.k8s.io/pause:3.10", "securityContext": {"privileged": True}}
PLAIN = {"name": "app", "image": "registry.k8s.io/pause:3.10"}
RESTRICTED = {"name": "app", "image": "registry.k8s.io/pause:3.10", "securityContext": {
    "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
    "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}}}


def meta(name: str, **labels: str) -> dict[str, Any]:
    return {"name": name, "labels": dict(labels)} if labels else {"name": name}


def pod(name: str, container: Mapping[str, Any], **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta(name, **labels),
            "spec": {"containers": [dict(container)]}}


def template(container: Mapping[str, Any], app: str) -> dict[str, Any]:
    return {"metadata": {"labels": {"app": app}}, "spec": {"containers": [dict(container)]}}


def deployment(name: str, container: Mapping[str, Any], replicas: int = 0, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, **labels),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": template(container, name)}}


def workloads(container: Mapping[str, Any], **labels: str) -> list[dict[str, Any]]:
    """One object of every kind with a pod spec, none of them making pods: scaled to zero,
    suspended, or (the DaemonSet) for nodes that do not exist."""
    job_template = {**template(container, "job"), "spec": {"containers": [dict(container)],
                                                           "restartPolicy": "Never"}}
    ds_template = template(container, "ds")
    ds_template["spec"]["nodeSelector"] = {"podsec.kubectl.io/no-such-node": "true"}
    return [
        pod("pod", container, **labels),
        {"apiVersion": "v1", "kind": "PodTemplate", "metadata": meta("tmpl", **labels),
         "template": template(container, "tmpl")},
        {"apiVersion": "v1", "kind": "ReplicationController", "metadata": meta("rc", **labels),
         "spec": {"replicas": 0, "selector": {"app": "rc"}, "template": template(container, "rc")}},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta("rs", **labels),
         "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "rs"}}, "template": template(container, "rs")}},
        deployment("deploy", container, **labels),
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta("sts", **labels),
         "spec": {"replicas": 0, "serviceName": "sts", "selector": {"matchLabels": {"app": "sts"}},
                  "template": template(container, "sts")}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta("ds", **labels),
         "spec": {"selector": {"matchLabels": {"app": "ds"}}, "template": ds_template}},
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("job", **labels),
         "spec": {"suspend": True, "template": job_template}},
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta("cron", **labels),
         "spec": {"schedule": "0 0 1 1 *", "suspend": True, "jobTemplate": {"spec": {"template": job_template}}}},
    ]


def may(cluster: Cluster, namespace: str, who: str, verb: str, resource: str, group: str = "",
        name: str = "") -> bool:
    """RBAC's answer for another user, from a SubjectAccessReview (kubectl auth can-i
    drops the namespace of a resource the server does not serve)."""
    attributes = {"verb": verb, "group": group, "namespace": namespace, "resource": resource, "name": name}
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
              "spec": {"user": who, "resourceAttributes": attributes}}
    answer = cluster.api("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", review)
    assert answer.status == 201, answer.body
    return bool(answer.body["status"].get("allowed"))


def grant_robot(cluster: Cluster, namespace: str) -> str:
    """A service account `robot` that may get, list and create pods and Deployments
    in the namespace, and nothing else; returns its user name once RBAC answers."""
    cluster.kubectl("create", "serviceaccount", "robot", "-n", namespace)
    cluster.kubectl("create", "role", "deployer", "--verb=get,list,create", "--resource=pods,deployments.apps",
                    "-n", namespace)
    cluster.kubectl("create", "rolebinding", "robot-deploys", "--role=deployer",
                    f"--serviceaccount={namespace}:robot", "-n", namespace)
    robot = f"system:serviceaccount:{namespace}:robot"
    eventually(lambda: may(cluster, namespace, robot, "create", "deployments", "apps"), what="RBAC")
    return robot

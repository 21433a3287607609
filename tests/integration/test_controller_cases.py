"""The cases where a workload's pods differ from its template, against the real controllers:

A. what only Pods get: hostNetwork turns container ports into host ports, AppArmor annotations
   become fields; the pods' denial names what the template's evaluation cannot;
B. a StatefulSet's claim templates replace the template's volumes of the same name;
C. the controllers create the pods, so an exemption of the user who applied the workload does
   not reach them.

Each compares with what the controller got, word for word: `kubectl podsec check` itself
(against the cluster, its pods' enforce verdict), the prediction of controller_pods judged
offline as a Pod, and where it differs, what judging the template alone would say. And
`check --server` on a StatefulSet with claim templates: its trial pod carries the claim volumes,
so the server admits it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from kubectl_podsec.admission.config import PodSecurityConfig, pod_security_config, pod_security_plugin
from kubectl_podsec.admission.controller_pods import controller_pod
from kubectl_podsec.admission.labels import Mode
from kubectl_podsec.admission.verdicts import ModeEvaluation
from kubectl_podsec.pss import Evaluator, Level, LevelVersion, Version
from kubectl_podsec.admission.policy import PolicyResolver
from kubectl_podsec.check.checker import Checker
from kubectl_podsec.check.report import Result

from .control_plane import Cluster, eventually
from .controller_truth import Outcome, apply, await_outcomes, manual_job_name
from .podsec import manifest, podsec

BASELINE = {"pod-security.kubernetes.io/enforce": "baseline"}
NODE = "podsec-node"


def judge(obj: Mapping[str, Any], namespace: str, labels: Mapping[str, str], username: str | None = None,
          config: PodSecurityConfig | None = None) -> tuple[bool, str | None, str | None]:
    """(allowed, denial, exemption) of enforce for `obj` judged offline."""
    resolver = PolicyResolver(config or PodSecurityConfig(), namespace_labels={namespace: labels})
    resolver.server_minor = 37
    result = Checker(Evaluator(), resolver, namespace, username=username).check(obj, None)
    assert isinstance(result, Result)
    enforce = next(e for e in result.admission.evaluations if e.mode == "enforce")
    return enforce.allowed, enforce.message, result.admission.exempt


def predicted(obj: Mapping[str, Any], namespace: str, labels: Mapping[str, str],
              config: PodSecurityConfig | None = None) -> tuple[bool, str | None]:
    made = controller_pod(obj, namespace, node=NODE)
    assert made is not None
    allowed, message, _ = judge(made.pod, namespace, labels, made.username, config)
    return allowed, message


def checked(cluster: Cluster, namespace: str, obj: Mapping[str, Any], tmp_path: Path, *args: str) -> Any:
    """`kubectl podsec check -f` the object against the cluster: its one JSON result."""
    path = manifest(tmp_path / f"{obj['metadata']['name']}.json", obj)
    ran = podsec(cluster, "check", "-f", path, "-n", namespace, "-o", "json", *args)
    assert ran.code in (0, 1), ran.err
    (result,) = ran.json["results"]
    return result


def enforce_of(result: Mapping[str, Any]) -> tuple[bool, str | None]:
    """(podsAllowed, the pods' enforce denial) of a check result."""
    enforce = next(e for e in result["evaluations"] if e["mode"] == "enforce")
    return result["podsAllowed"], enforce["message"]


def template_alone(obj: Mapping[str, Any]) -> str | None:
    """The enforce text of the workload's template judged as it stands (baseline:latest), as
    the workload's own warnings judge it: without what only Pods get."""
    template = obj["spec"]["template"]
    evaluation = Evaluator().evaluate(LevelVersion(Level.BASELINE, Version(None)), template.get("metadata"),
                                      template["spec"])
    return ModeEvaluation(Mode.ENFORCE, evaluation, False).message


def outcome(cluster: Cluster, namespace: str, obj: Mapping[str, Any]) -> Outcome:
    key = (namespace, str(obj["kind"]), str(obj["metadata"]["name"]))
    got = await_outcomes(cluster, {key}, timeout=60)
    assert key in got, f"no pod and no FailedCreate for {key} within 60 s"
    return got[key]


def deployment(name: str, spec: dict[str, Any], annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"labels": {"app": name}}
    if annotations:
        meta["annotations"] = dict(annotations)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": meta, "spec": spec}}}


def test_a_host_network_makes_container_ports_host_ports(cluster: Cluster, tmp_path: Path) -> None:
    namespace = cluster.create_namespace("case-a-ports", BASELINE)
    obj = deployment("typha", {"hostNetwork": True,
                               "containers": [{"name": "a", "image": "x", "ports": [{"containerPort": 5473}]}]})
    assert apply(cluster, namespace, [obj]) == []
    denial = ('violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), '
              'hostPort (container "a" uses hostPort 5473)')
    assert outcome(cluster, namespace, obj).denial == denial
    assert enforce_of(checked(cluster, namespace, obj, tmp_path)) == (False, denial)
    assert predicted(obj, namespace, BASELINE) == (False, denial)
    assert judge(obj, namespace, BASELINE)[:2] == (False, denial)
    # The template as it stands lacks the host port.
    assert template_alone(obj) == (
        'violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)')


def test_a_apparmor_annotations_become_fields_of_the_pods(cluster: Cluster, tmp_path: Path) -> None:
    namespace = cluster.create_namespace("case-a-apparmor", BASELINE)
    annotation = {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}
    obj = deployment("aa", {"containers": [{"name": "a", "image": "x"}]}, annotation)
    assert apply(cluster, namespace, [obj]) == []
    got = outcome(cluster, namespace, obj)
    assert got.denial is not None
    assert enforce_of(checked(cluster, namespace, obj, tmp_path)) == (False, got.denial)
    assert predicted(obj, namespace, BASELINE) == (False, got.denial)
    assert got.denial == ('violates PodSecurity "baseline:latest": forbidden AppArmor profiles (container "a" '
                          'and annotation must not set AppArmor profile type to "Unconfined", '
                          '"container.apparmor.security.beta.kubernetes.io/a="unconfined"")')
    # The template as it stands has the annotation only.
    assert template_alone(obj) == (
        'violates PodSecurity "baseline:latest": forbidden AppArmor profile '
        '(annotation must not set AppArmor profile type to '
        '"container.apparmor.security.beta.kubernetes.io/a="unconfined"")')


def test_b_statefulset_claims_replace_template_volumes(cluster: Cluster, tmp_path: Path) -> None:
    """The template's hostPath `www` never reaches the pod: the claim `www` replaces it."""
    namespace = cluster.create_namespace("case-b-claims", BASELINE)
    template = {"metadata": {"labels": {"app": "db"}}, "spec": {
        "containers": [{"name": "a", "image": "x", "volumeMounts": [{"name": "www", "mountPath": "/w"}]}],
        "volumes": [{"name": "www", "hostPath": {"path": "/srv"}}]}}
    obj = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
           "spec": {"serviceName": "db", "replicas": 1, "selector": {"matchLabels": {"app": "db"}},
                    "template": template,
                    "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {
                        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}
    assert apply(cluster, namespace, [obj]) == []
    got = outcome(cluster, namespace, obj)
    assert got.pod is not None and got.denial is None
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-db-0"}} in got.pod["spec"]["volumes"]
    assert enforce_of(checked(cluster, namespace, obj, tmp_path)) == (True, None)
    assert predicted(obj, namespace, BASELINE) == (True, None)
    assert template_alone(obj) == (
        'violates PodSecurity "baseline:latest": hostPath volumes (volume "www")')


def test_b_check_server_tries_a_statefulsets_pod_with_its_claim_volumes(cluster: Cluster, tmp_path: Path) -> None:
    """The trial pod carries the claim volume its mounts name: the server admits it (it used to
    reject it as invalid, `volumeMounts[0].name: Not found`, and podsec said PODS DENIED)."""
    namespace = cluster.create_namespace("case-b-server", BASELINE)
    obj = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
           "spec": {"serviceName": "web", "replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                        {"name": "nginx", "image": "nginx", "volumeMounts": [{"name": "www", "mountPath": "/w"}]}]}},
                    "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {
                        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}
    path = manifest(tmp_path / "web.json", obj)
    ran = podsec(cluster, "check", "-f", path, "-n", namespace, "--server", "-o", "json")
    assert ran.code == 0, ran.out + ran.err
    (result,) = ran.json["results"]
    assert result["verdict"] == "allowed" and result["podsAllowed"] is True
    server = result["server"]
    assert server["pods"]["said"] == "admitted" and server["object"]["said"] == "admitted"
    assert (server["denied"], server["agrees"], server["disagreements"]) == (False, True, [])
    table = podsec(cluster, "check", "-f", path, "-n", namespace, "--server")
    assert table.code == 0 and "PODS DENIED" not in table.out


def test_c_a_user_exemption_does_not_reach_controller_pods(restricted_cluster: Cluster, tmp_path: Path) -> None:
    """On the restricted profile exempt-user applies a Deployment and a CronJob (and makes the
    CronJob's Job with kubectl): all accepted, and every pod denied, as predicted."""
    cluster = restricted_cluster
    namespace = cluster.create_namespace("case-c")
    cluster.kubectl("create", "rolebinding", "edit", "--clusterrole=edit", "--user=exempt-user", "-n", namespace)
    eventually(lambda: cluster.kubectl("auth", "can-i", "create", "deployments", "-n", namespace,
                                       "--as=exempt-user", check=False).returncode == 0, 30, "exempt-user may edit")
    spec = {"containers": [{"name": "a", "image": "x", "securityContext": {"privileged": True}}]}
    web = deployment("web", spec)
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"}, "spec": {
        "schedule": "0 0 1 1 *", "suspend": True, "jobTemplate": {"spec": {"template": {
            "spec": {**spec, "restartPolicy": "Never"}}}}}}
    for obj in (web, cron):
        cluster.kubectl("create", "-n", namespace, "-f", "-", "--as=exempt-user", input=json.dumps(obj))
    cluster.kubectl("create", "job", manual_job_name("nightly"), "--from=cronjob/nightly", "-n", namespace,
                    "--as=exempt-user")
    plugin = pod_security_plugin(yaml.safe_load(cluster.admission_config.read_text()))
    config = pod_security_config(plugin)
    for obj in (web, cron):
        got = outcome(cluster, namespace, obj)
        assert got.pod is None and got.denial is not None and got.denial.startswith(
            'violates PodSecurity "restricted:latest": privileged '
            '(container "a" must not set securityContext.privileged=true), ')
        assert predicted(obj, namespace, {}, config) == (False, got.denial)
        # check as the user who applied it: the object is exempt, its pods are not.
        assert judge(obj, namespace, {}, "exempt-user", config) == (False, got.denial, None)
        result = checked(cluster, namespace, obj, tmp_path, "--as", "exempt-user",
                         "--admission-config", str(cluster.admission_config), "--server")
        assert enforce_of(result) == (False, got.denial)
        assert result["verdict"] == "denied" and result["objectExempt"] == "user" and "exempt" not in result
        # --server tries the pods as their controller: the server denies them, word for word.
        server = result["server"]
        assert server["object"]["said"] == "admitted" and server["pods"]["said"] == "deniedByPodSecurity"
        assert server["pods"]["message"].endswith(f" is forbidden: {got.denial}")
        assert (server["agrees"], server["disagreements"]) == (True, [])


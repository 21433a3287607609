"""The exported ValidatingAdmissionPolicy against Pod Security Admission on the real server.

Twin namespaces: one bound to the policy with no Pod Security labels, one labelled with the same
level and version. The same generated pods are dry-run created in both; the decisions must be
identical, the policy's message must be PSA's first reason and detail, and with checks skipped the
policy must agree with the engine (and `check --policy`) with those checks removed.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import pytest

from kubectl_podsec.admission.verdicts import default_pod
from kubectl_podsec.pss import DEFAULT_EVALUATOR, Level, LevelVersion, NEWEST_MINOR
from kubectl_podsec.vap.policy import Export, export
from kubectl_podsec.vap.reader import find_policy

from .control_plane import Cluster
from .podsec import podsec
from .vap_pods import valid_pods
from .vap_twins import VAP_API, Decision, Twins, concurrently

PODS = 1200
COMBOS_PER_POD = 2
# Every version where a check changes, and latest.
VERSIONS = ("v1.0", "v1.8", "v1.19", "v1.22", "v1.23", "v1.25", "v1.27", "v1.29", "v1.31", "v1.32",
            "v1.34", "v1.35", "v1.37", "latest")
SKIPS = (  # never all of privileged, hostNamespaces, runAsUser: the activation probe needs one
    ("restricted", "latest", {"runAsNonRoot", "seccompProfile_restricted"}),
    ("restricted", "v1.22", {"capabilities_restricted", "restrictedVolumes", "hostPorts"}),
    ("restricted", "v1.35", {"procMount_restricted", "allowPrivilegeEscalation", "appArmorProfile"}),
    ("baseline", "v1.37", {"hostPorts", "sysctls", "hostProbesAndHostLifecycle"}),
    ("baseline", "v1.10", {"seccompProfile_baseline", "seLinuxOptions", "hostPathVolumes"}),
)


def engine(pod: dict[str, Any], lv: LevelVersion, evaluator: Any = DEFAULT_EVALUATOR) -> Any:
    """The engine's verdict on the pod as the API server leaves it before admission."""
    defaulted = default_pod(pod)
    return evaluator.evaluate(lv, defaulted.get("metadata"), defaulted.get("spec"))


@pytest.fixture(scope="module")
def pods() -> list[dict[str, Any]]:
    return valid_pods(PODS)


def test_the_server_accepts_the_policy_of_every_level_and_version(cluster: Cluster) -> None:
    """CEL that does not compile, or that the server refuses, fails here (dry-run creates)."""
    requests = [Export(LevelVersion.parse(level, f"v1.{minor}" if minor <= NEWEST_MINOR else "latest"),
                       templates=templates, name=f"accept-{level}-{minor}-{templates}".lower())
                for level in ("baseline", "restricted") for minor in range(NEWEST_MINOR + 2)
                for templates in (False, True)]

    def create(request: Export) -> int:
        policy = export(request)[0]
        return cluster.api("POST", f"{VAP_API}/validatingadmissionpolicies?dryRun=All", policy).status

    statuses = concurrently(create, requests)

    assert statuses == [201] * len(requests) == [201] * 2 * 2 * (NEWEST_MINOR + 2)


def _compare(twins: Twins, pod: dict[str, Any]) -> dict[str, Any]:
    """Deny (first reason only) against PSA; Warn (one warning per failing check) against the engine."""
    vap, psa = twins.both("pods", pod)
    assert twins.warn is not None
    warned = twins.submit("pods", pod, twins.warn)
    lv = twins.level_version
    expected = engine(pod, lv)
    described = [v.describe() for v in expected.violations]
    first = described[0] if described else ""
    return {"pod": pod["metadata"]["name"], "lv": str(lv), "vap": vap, "psa": psa, "engine": expected.allowed,
            "warned": warned.verdict == "allowed" and list(warned.warnings) == described,
            # Past 4096 runes in all, the API server cuts every warning to 256 runes.
            "cut": any(len(w) < len(d) for w, d in zip(warned.warnings, described)),
            "message_same": vap.verdict != "denied" or (vap.message == first and psa.message.startswith(first))}


def test_no_checks_skipped_decisions_match_pod_security_admission(cluster: Cluster, pods: list[dict[str, Any]]) -> None:
    combos = [LevelVersion.parse(level, version) for level in ("baseline", "restricted") for version in VERSIONS]
    twins = concurrently(lambda lv: Twins.set_up(cluster, lv, warn=True), combos)
    try:
        waits = concurrently(Twins.wait_active, twins)
        rng = random.Random(7)
        work = [(t, pod) for pod in pods for t in rng.sample(twins, COMBOS_PER_POD)]
        started = time.monotonic()
        rows = concurrently(lambda item: _compare(*item), work)
        elapsed = time.monotonic() - started
    finally:
        for t in twins:
            t.delete()

    verdicts = [(r["vap"].verdict, r["psa"].verdict) for r in rows]
    mismatches = [r for r in rows if r["vap"].verdict != r["psa"].verdict]
    wrong_messages = [r for r in rows if not r["message_same"]]
    wrong_warnings = [r for r in rows if not r["warned"] and not r["cut"] and r["psa"].verdict != "invalid"]
    engine_disagrees = [r for r in rows if r["psa"].verdict in ("allowed", "denied")
                        and (r["psa"].verdict == "allowed") != r["engine"]]
    print(f"\n{len(rows)} pod evaluations ({len(pods)} pods x {COMBOS_PER_POD} of {len(combos)} level:versions) "
          f"in {elapsed:.1f} s; policy active after {max(waits):.1f} s at most; "
          f"allowed {verdicts.count(('allowed', 'allowed'))}, denied {verdicts.count(('denied', 'denied'))}, "
          f"invalid {verdicts.count(('invalid', 'invalid'))}; decision mismatches {len(mismatches)}; "
          f"message differences {len(wrong_messages)}; engine disagreements {len(engine_disagrees)}; "
          f"warnings (Warn binding) differing from the engine's violations {len(wrong_warnings)}, "
          f"not comparable (cut by the server) {sum(r['cut'] for r in rows)}")
    assert not mismatches, mismatches[:5]
    assert not wrong_warnings, wrong_warnings[:3]
    assert not wrong_messages, wrong_messages[:5]
    assert not engine_disagrees, engine_disagrees[:5]
    assert verdicts.count(("allowed", "allowed")) > len(rows) // 10
    assert verdicts.count(("denied", "denied")) > len(rows) // 10
    assert verdicts.count(("invalid", "invalid")) < len(rows) // 20


def test_skipped_checks_match_the_engine_and_check_policy(cluster: Cluster, pods: list[dict[str, Any]],
                                                          tmp_path: Path) -> None:
    twins = concurrently(lambda row: Twins.set_up(cluster, LevelVersion.parse(row[0], row[1]), frozenset(row[2])),
                         SKIPS)
    try:
        concurrently(Twins.wait_active, twins)
        work = [(twins[i % len(twins)], pod) for i, pod in enumerate(pods)]
        decisions = concurrently(lambda item: item[0].submit("pods", item[1], item[0].vap), work)
    finally:
        for t in twins:
            t.delete()

    mismatches, messages, cli_mismatches = [], [], []
    for index, t in enumerate(twins):
        exported = find_policy([(doc, "export") for doc in t.docs])
        mine = [(pod, d) for (tw, pod), d in zip(work, decisions) if tw is t and d.verdict != "invalid"]
        for pod, decision in mine:
            expected = engine(pod, exported.level_version, exported.evaluator())
            if (decision.verdict == "allowed") != expected.allowed:
                mismatches.append((str(t.level_version), sorted(t.skipped), pod["metadata"]["name"], decision))
            elif expected.violations and decision.message != expected.violations[0].describe():
                messages.append((decision.message, expected.violations[0].describe()))
        policy_file, pods_file = tmp_path / f"policy-{index}.json", tmp_path / f"pods-{index}.json"
        policy_file.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": list(t.docs)}))
        pods_file.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [p for p, _ in mine]}))
        ran = podsec(None, "check", "--policy", str(policy_file), "-f", str(pods_file), "-o", "json")
        assert ran.code in (0, 1), ran.err
        offline = {r["object"]["name"]: r["evaluations"][0]["allowed"] for r in ran.json["results"]}
        cli_mismatches += [(pod["metadata"]["name"], d.verdict) for pod, d in mine
                           if offline[pod["metadata"]["name"]] != (d.verdict == "allowed")]
    checked = sum(d.verdict != "invalid" for d in decisions)
    print(f"\n{checked} pods under {len(twins)} policies with skipped checks: engine mismatches {len(mismatches)}, "
          f"check --policy mismatches {len(cli_mismatches)}, message differences {len(messages)}")
    assert not mismatches, mismatches[:5]
    assert not cli_mismatches, cli_mismatches[:5]
    assert not messages, messages[:5]


def workload(kind: str, pod: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(resource, object): a workload of `kind` whose template is the pod."""
    name = pod["metadata"]["name"]
    labels = {"app": name}
    template: dict[str, Any] = {"metadata": {**pod["metadata"], "labels": labels}, "spec": dict(pod["spec"])}
    del template["metadata"]["name"]
    if kind == "PodTemplate":
        return "podtemplates", {"apiVersion": "v1", "kind": kind, "metadata": {"name": name}, "template": template}
    if kind == "CronJob":
        template["spec"]["restartPolicy"] = "Never"
        return "cronjobs", {"apiVersion": "batch/v1", "kind": kind, "metadata": {"name": name}, "spec": {
            "schedule": "0 0 * * *", "jobTemplate": {"spec": {"template": template}}}}
    return "deployments", {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name},
                           "spec": {"selector": {"matchLabels": labels}, "template": template}}


def test_workload_templates_are_warned_about_as_pod_security_admission_does(
        cluster: Cluster, pods: list[dict[str, Any]]) -> None:
    twins = [Twins.set_up(cluster, LevelVersion.parse(level, version), templates=True, warn_label=True)
             for level, version in (("restricted", "latest"), ("baseline", "v1.0"), ("restricted", "v1.24"))]
    kinds = ("Deployment", "CronJob", "PodTemplate")
    try:
        concurrently(Twins.wait_active, twins)
        work = [(twins[i % 3], *workload(kinds[i % 3], pod)) for i, pod in enumerate(pods[:300])]
        answers = concurrently(lambda item: item[0].both(item[1], item[2]), work)
    finally:
        for t in twins:
            t.delete()

    differences = [(resource, obj["metadata"]["name"], vap, psa) for (_, resource, obj), (vap, psa) in zip(work, answers)
                   if (vap.status, psa.status) != (201, 201) or ", ".join(vap.warnings) != "".join(psa.warnings)]
    warned = sum(bool(psa.warnings) for _, psa in answers)
    print(f"\n{len(answers)} workloads ({', '.join(kinds)}): {warned} warned about; differences {len(differences)}")
    assert not differences, differences[:3]
    assert 0 < warned < len(answers)


def _pod(name: str, security_context: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [
        {"name": "app", "image": "registry.k8s.io/pause:3.10", "securityContext": security_context}]}}


HARDENED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
            "seccompProfile": {"type": "RuntimeDefault"}}


def test_pod_updates_are_judged_as_pod_security_admission_judges_them(cluster: Cluster) -> None:
    """A pod that predates the policy may still change labels, not its image; an ephemeral
    container is judged when added."""
    vap_ns, psa_ns = (cluster.create_namespace(f"update-{side}") for side in ("vap", "psa"))
    for ns in (vap_ns, psa_ns):
        for pod in (_pod("old", {"privileged": True}), _pod("good", HARDENED)):
            assert cluster.api("POST", f"/api/v1/namespaces/{ns}/pods", pod).status == 201
    twins = Twins(cluster, LevelVersion.parse("restricted", "latest"), frozenset(), vap_ns, psa_ns, tuple(export(
        Export(LevelVersion.parse("restricted", "latest"), name=f"update-{vap_ns}",
               namespace_selector={"matchLabels": {"kubernetes.io/metadata.name": vap_ns}}))), None)
    cluster.kubectl("label", "namespace", psa_ns, "pod-security.kubernetes.io/enforce=restricted")
    twins.apply()
    try:
        twins.wait_active()
        outcomes = {}
        for change, path, edit in (
            ("label", "old", lambda p: p["metadata"].setdefault("labels", {}).update(x="y")),
            ("image", "old", lambda p: p["spec"]["containers"][0].update(image="registry.k8s.io/pause:3.9")),
            ("privileged ephemeral", "good/ephemeralcontainers", lambda p: p["spec"].update(ephemeralContainers=[
                {"name": "debug", "image": "busybox", "securityContext": {"privileged": True}}])),
            ("hardened ephemeral", "good/ephemeralcontainers", lambda p: p["spec"].update(ephemeralContainers=[
                {"name": "debug", "image": "busybox", "securityContext": HARDENED}])),
        ):
            answers = []
            for ns in (vap_ns, psa_ns):
                pod = cluster.api("GET", f"/api/v1/namespaces/{ns}/pods/{path.split('/')[0]}").body
                edit(pod)
                answers.append(Decision.of(cluster.api("PUT", f"/api/v1/namespaces/{ns}/pods/{path}?dryRun=All", pod)))
            outcomes[change] = tuple(a.verdict for a in answers)
    finally:
        twins.delete()

    assert outcomes == {"label": ("allowed", "allowed"), "image": ("denied", "denied"),
                        "privileged ephemeral": ("denied", "denied"),
                        "hardened ephemeral": ("allowed", "allowed")}


def _large_pod(containers: int, violating: bool) -> dict[str, Any]:
    """Every container sets every field the checks read; violating ones fail several checks each."""
    sc: dict[str, Any] = {"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}, "runAsNonRoot": True,
                          "seccompProfile": {"type": "RuntimeDefault"}, "seLinuxOptions": {"type": "container_t"},
                          "appArmorProfile": {"type": "RuntimeDefault"}, "allowPrivilegeEscalation": False}
    if violating:
        sc = {**sc, "capabilities": {"add": ["SYS_ADMIN"]}, "allowPrivilegeEscalation": True}
    probe = {"httpGet": {"path": "/", "port": 80, **({"host": "example.com"} if violating else {})}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "large", "annotations": {f"container.apparmor.security.beta.kubernetes.io/c{i}": "runtime/default"
                                         for i in range(containers)}},
        "spec": {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                 "containers": [{"name": f"c{i}", "image": "registry.k8s.io/pause:3.10", "securityContext": sc,
                                 "ports": [{"containerPort": 1000 + i}], "livenessProbe": probe}
                                for i in range(containers)],
                 "volumes": [{"name": f"v{i}", "emptyDir": {}} for i in range(containers)]}}


def test_large_pods_stay_within_the_runtime_cost_budget(cluster: Cluster) -> None:
    """The API server stops a policy that spends more than its CEL budget (10M per binding):
    a 250-container pod, every container violating several checks, is still judged in full."""
    twins = Twins.set_up(cluster, LevelVersion.parse("restricted", "latest"))
    try:
        twins.wait_active()
        allowed = twins.both("pods", _large_pod(250, violating=False))
        violating = _large_pod(250, violating=True)
        denied = twins.both("pods", violating)
    finally:
        twins.delete()

    assert [d.verdict for d in allowed] == ["allowed", "allowed"]
    assert [d.verdict for d in denied] == ["denied", "denied"]
    first = engine(violating, twins.level_version).violations[0].describe()
    assert denied[0].message == first and denied[1].message.startswith(first)

"""`rollout` against a scripted API server whose namespaces behave like the real
ones (merge patches, resourceVersion preconditions, dry runs): what a real server
cannot be made to do on cue, such as losing an answer, failing with 503, or
being changed by someone else between planning and writing."""

from __future__ import annotations

import copy
import json
import pathlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from kubectl_podsec.rollout import write
from kubectl_podsec.cli.main import cli
from kubectl_podsec.kube.resources import WORKLOAD_RESOURCES
from kubectl_podsec.rollout.stages import HISTORY_ANNOTATION, read_history
from tests.conftest import compare_golden
from tests.unit.fake_apiserver import FakeApiServer, Reply, Seen, running, status

P = "pod-security.kubernetes.io/"
SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
PRIVILEGED = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "priv"},
              "spec": {"containers": [{"name": "app", "image": "x", "securityContext": {"privileged": True}}]}}
CRONJOB = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"}, "spec": {
    "schedule": "0 0 * * *", "jobTemplate": {"spec": {"template": {"spec": {
        "hostNetwork": True, "restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}}}}}


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = dict(target)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict):
            out[key] = _merge(out.get(key) or {}, value)
        else:
            out[key] = value
    return out


class Cluster:
    """Namespaces with labels, annotations and resourceVersions, and their objects."""

    def __init__(self, fake: FakeApiServer) -> None:
        self.fake = fake
        self.namespaces: dict[str, dict[str, Any]] = {}
        self.objects: dict[str, list[dict[str, Any]]] = {}
        self.version = 100
        self.allowed = True
        self.on_patch: Callable[[Seen], Reply | None] | None = None  # a scripted answer, or None
        fake.httpd.RequestHandlerClass.do_PATCH = fake.httpd.RequestHandlerClass._handle  # type: ignore[attr-defined]
        fake.on("GET", "/version", Reply(200, {"gitVersion": "v1.37.2", "major": "1", "minor": "37"}))
        fake.on("POST", SSAR, lambda seen: Reply(201, {**seen.body, "status": {"allowed": self.allowed}}))
        fake.on("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                Reply(201, {"status": {"userInfo": {"username": "alice", "groups": ["devs"]}}}))
        fake.on("GET", "/api/v1/namespaces", lambda seen: Reply(200, {
            "metadata": {}, "items": [copy.deepcopy(n) for n in self.namespaces.values()]}))
        for resource in WORKLOAD_RESOURCES:
            fake.on("GET", resource.collection_path(None), self._list(resource.kind, None))

    def add(self, name: str, labels: dict[str, str] | None = None, *objects: dict[str, Any]) -> None:
        self.version += 1
        self.namespaces[name] = {"apiVersion": "v1", "kind": "Namespace", "metadata": {
            "name": name, "resourceVersion": str(self.version), "labels": {"team": "x", **(labels or {})}}}
        self.objects[name] = [_in(o, name) for o in objects]
        path = f"/api/v1/namespaces/{name}"
        self.fake.on("GET", path, lambda seen: Reply(200, copy.deepcopy(self.namespaces[name])))
        self.fake.on("PATCH", path, lambda seen: self._patch(name, seen))
        for resource in WORKLOAD_RESOURCES:
            self.fake.on("GET", resource.collection_path(name), self._list(resource.kind, name))

    def _list(self, kind: str, namespace: str | None) -> Callable[[Seen], Reply]:
        def reply(seen: Seen) -> Reply:
            names = [namespace] if namespace else list(self.objects)
            items = [o for n in names for o in self.objects.get(n, []) if o["kind"] == kind]
            return Reply(200, {"metadata": {}, "items": items})
        return reply

    def relabel(self, name: str, **labels: str | None) -> None:
        """Someone else changes the namespace (as `kubectl label` would)."""
        meta = self.namespaces[name]["metadata"]
        meta["labels"] = _merge(meta["labels"], labels)
        self.version += 1
        meta["resourceVersion"] = str(self.version)

    def _patch(self, name: str, seen: Seen) -> Reply:
        if self.on_patch is not None:
            scripted = self.on_patch(seen)
            if scripted is not None:
                return scripted
        return self.apply(name, seen)

    def apply(self, name: str, seen: Seen) -> Reply:
        current = self.namespaces[name]
        wanted = seen.body["metadata"].get("resourceVersion")
        if wanted and wanted != current["metadata"]["resourceVersion"]:
            return status(409, "Conflict", f'Operation cannot be fulfilled on namespaces "{name}": the object '
                                           "has been modified; please apply your changes to the latest version")
        patch = copy.deepcopy(seen.body)
        patch["metadata"].pop("resourceVersion", None)
        updated = _merge(current, patch)
        if seen.query.get("dryRun") != "All":
            self.version += 1
            updated["metadata"]["resourceVersion"] = str(self.version)
            self.namespaces[name] = updated
        return Reply(200, updated)

    def labels(self, name: str) -> dict[str, str]:
        return dict(self.namespaces[name]["metadata"]["labels"])

    def writes(self) -> list[Seen]:
        return [s for s in self.fake.seen if s.method == "PATCH" and s.query.get("dryRun") != "All"]

    def dry_runs(self) -> list[Seen]:
        return [s for s in self.fake.seen if s.method == "PATCH" and s.query.get("dryRun") == "All"]


def _in(obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    out["metadata"]["namespace"] = namespace
    return out


@pytest.fixture
def cluster(tmp_path: pathlib.Path) -> Iterator[tuple[Cluster, str]]:
    with running() as fake:
        yield Cluster(fake), fake.kubeconfig(tmp_path)


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[str], None]], None]:
    def install(fn: Callable[[str], None]) -> None:
        monkeypatch.setattr(write, "before_write", fn)
    return install


def run(config: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["rollout", *args, "--kubeconfig", config], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


WARN = {P + "warn": "restricted", P + "warn-version": "v1.37"}
AUDIT = {**WARN, P + "audit": "restricted", P + "audit-version": "v1.37"}


def test_a_step_is_written_with_its_history(cluster: tuple[Cluster, str]) -> None:
    fake, config = cluster
    fake.add("web", None, PRIVILEGED)

    code, out, err = run(config, "ns", "web", "--level", "restricted", "--yes", "-o", "json")

    assert code == 0, err
    assert fake.labels("web") == {"team": "x", **WARN}
    (write,) = fake.writes()
    assert write.header("Content-Type") == ["application/merge-patch+json"]
    assert write.body["metadata"]["resourceVersion"] == "101"
    history = read_history(fake.namespaces["web"]["metadata"]["annotations"])
    assert [(e.identity, e.stage, e.level, e.version, e.previous) for e in history] == [
        ("alice", "warn", "restricted", "v1.37", {})]
    assert len(fake.dry_runs()) == 1
    assert json.loads(out)["namespaces"][0]["result"] == "applied"
    assert err == 'namespace "web": none -> warn (restricted:v1.37): applied\n'


def test_a_concurrent_change_is_detected_and_not_overwritten(cluster: tuple[Cluster, str], hook: Any) -> None:
    fake, config = cluster
    fake.add("web", None, PRIVILEGED)
    hook(lambda name: fake.relabel(name, **{P + "warn": "baseline"}))

    code, out, err = run(config, "ns", "web", "--level", "restricted", "--yes", "-o", "json")

    assert code == 1
    assert fake.labels("web") == {"team": "x", P + "warn": "baseline"}  # theirs, untouched
    assert HISTORY_ANNOTATION not in (fake.namespaces["web"]["metadata"].get("annotations") or {})
    assert len(fake.writes()) == 1  # refused by its precondition, never sent again
    item = json.loads(out)["namespaces"][0]
    assert item["result"] == "conflict"
    assert item["message"] == ("changed by someone else since it was planned (resourceVersion 101 -> 102): "
                               "not overwritten; run again to apply the re-planned step")
    assert item["replanned"]["from"]["labels"] == {P + "warn": "baseline"}
    assert item["replanned"]["to"]["labels"] == WARN
    assert "not overwritten" in err


def test_an_unrelated_change_is_replanned_and_written(cluster: tuple[Cluster, str], hook: Any) -> None:
    fake, config = cluster
    fake.add("web", None, PRIVILEGED)
    changed: list[str] = []

    def relabel_once(name: str) -> None:
        if not changed:
            changed.append(name)
            fake.relabel(name, owner="y")
    hook(relabel_once)

    code, _, err = run(config, "ns", "web", "--level", "restricted", "--yes")

    assert code == 0, err
    assert fake.labels("web") == {"team": "x", "owner": "y", **WARN}
    assert [w.body["metadata"]["resourceVersion"] for w in fake.writes()] == ["101", "102"]


def test_a_lost_answer_is_read_back_not_written_twice(cluster: tuple[Cluster, str]) -> None:
    fake, config = cluster
    fake.add("web", None, PRIVILEGED)

    def applied_then_lost(seen: Seen) -> Reply | None:
        if seen.query.get("dryRun") == "All":
            return None
        reply = fake.apply("web", seen)
        reply.delay = 3.0  # longer than --request-timeout: the answer never arrives
        return reply
    fake.on_patch = applied_then_lost

    code, out, err = run(config, "ns", "web", "--level", "restricted", "--yes", "--request-timeout", "1s",
                         "-o", "json")

    assert code == 0, err
    assert len(fake.writes()) == 1
    assert fake.labels("web") == {"team": "x", **WARN}
    assert json.loads(out)["namespaces"][0]["result"] == "applied"


def test_a_refused_write_is_retried_once_the_namespace_is_read_back(cluster: tuple[Cluster, str]) -> None:
    fake, config = cluster
    fake.add("web")
    answers = [status(503, "ServiceUnavailable", "etcd is busy")]
    fake.on_patch = lambda seen: answers.pop() if answers and seen.query.get("dryRun") != "All" else None

    code, _, err = run(config, "ns", "web", "--level", "restricted", "--yes")

    assert code == 0, err
    assert len(fake.writes()) == 2
    assert fake.labels("web") == {"team": "x", **WARN}


def test_ctrl_c_leaves_each_namespace_wholly_at_its_old_or_new_stage(cluster: tuple[Cluster, str],
                                                                      hook: Any) -> None:
    fake, config = cluster
    for name in ("a", "b", "c"):
        fake.add(name)

    def interrupt(name: str) -> None:
        if name == "b":
            raise KeyboardInterrupt
    hook(interrupt)

    code, out, _ = run(config, "ns", "a", "b", "c", "--level", "restricted", "--yes", "-o", "json")

    assert code == 130
    results = {n["namespace"]: (n["result"], n["message"]) for n in json.loads(out)["namespaces"]}
    assert results == {"a": ("applied", None), "b": ("not-written", "interrupted before it was written"),
                       "c": ("not-started", "at its old stage: the run stopped before it")}
    assert [fake.labels(n) for n in ("a", "b", "c")] == [{"team": "x", **WARN}, {"team": "x"}, {"team": "x"}]

    hook(lambda name: None)
    code, out, _ = run(config, "ns", "a", "b", "c", "--level", "restricted", "--yes", "-o", "json")

    assert code == 0  # the same run again completes it, and goes no further
    assert [n["result"] for n in json.loads(out)["namespaces"]] == ["unchanged", "applied", "applied"]
    assert all(fake.labels(n) == {"team": "x", **WARN} for n in ("a", "b", "c"))


def test_without_a_terminal_and_without_yes_nothing_is_written(cluster: tuple[Cluster, str]) -> None:
    fake, config = cluster
    fake.add("web")

    code, out, err = run(config, "ns", "web", "--level", "restricted")

    assert code == 2
    assert fake.writes() == [] and fake.labels("web") == {"team": "x"}
    assert err.endswith("error: not a terminal, so no confirmation: nothing was written "
                        "(pass --yes to write, --dry-run to preview)\n")
    assert "not-confirmed" in out


def test_dry_run_writes_nothing_and_shows_the_servers_warnings(cluster: tuple[Cluster, str]) -> None:
    fake, config = cluster
    fake.add("web", AUDIT, PRIVILEGED)
    warning = 'existing pods in namespace "web" violate the new PodSecurity enforce level "restricted:v1.37"'

    def warned(seen: Seen) -> Reply:
        reply = fake.apply("web", seen)
        escaped = warning.replace('"', '\\"')
        reply.headers = [("Warning", f'299 - "{escaped}"')]
        return reply
    fake.on_patch = warned

    code, out, _ = run(config, "ns", "web", "--level", "restricted", "--force", "--dry-run")

    assert code == 0
    assert fake.writes() == [] and len(fake.dry_runs()) == 1
    assert f"  server: {warning}\n" in out
    assert "  --force: 1 object(s) violate restricted:v1.37; enforcing rejects their pods\n" in out
    assert "   would-apply\n" in out


def test_an_identity_that_may_not_patch_is_refused_before_anything(cluster: tuple[Cluster, str]) -> None:
    fake, config = cluster
    fake.add("web")
    fake.allowed = False

    code, out, err = run(config, "ns", "web", "--level", "restricted", "--yes")

    assert (code, out) == (3, "")
    assert err == "error: forbidden: alice may not patch namespace web; nothing was changed\n"
    assert [s for s in fake.fake.seen if s.method == "PATCH"] == []


def test_enforce_is_refused_while_anything_violates(cluster: tuple[Cluster, str]) -> None:
    fake, config = cluster
    fake.add("web", AUDIT, PRIVILEGED, CRONJOB)
    fake.add("api", AUDIT)

    code, out, _ = run(config, "ns", "web", "api", "--level", "restricted", "--yes")

    assert code == 1
    assert [s for s in fake.fake.seen if s.method == "PATCH"] == []
    assert "web: refused\n  2 object(s) violate restricted:v1.37" in out
    assert "    Pod/priv: privileged, allowPrivilegeEscalation" in out
    assert "    CronJob/nightly: hostNamespaces, allowPrivilegeEscalation" in out
    assert "api: not-written\n  nothing is written while a step is refused\n" in out


def test_undo_restores_the_labels_before_the_last_step(cluster: tuple[Cluster, str]) -> None:
    fake, config = cluster
    fake.add("web", {P + "enforce": "baseline"})
    assert run(config, "ns", "web", "--level", "restricted", "--to", "audit", "--yes")[0] == 0
    fake.relabel("web", owner="y")  # other labels are not the rollout's

    code, out, _ = run(config, "undo", "web", "--yes", "-o", "json")

    assert code == 0
    assert fake.labels("web") == {"team": "x", "owner": "y", P + "enforce": "baseline"}
    assert json.loads(out)["namespaces"][0]["changes"] == {
        P + "audit": None, P + "audit-version": None, P + "warn": None, P + "warn-version": None}
    code, out, _ = run(config, "undo", "web", "--yes")
    assert code == 1 and "no recorded rollout step to undo" in out


def test_plan_all_namespaces_lists_each_kind_once_and_skips_what_it_must(
        cluster: tuple[Cluster, str], tmp_path: pathlib.Path) -> None:
    fake, config = cluster
    fake.add("kube-system", None, PRIVILEGED)
    fake.add("web", None, PRIVILEGED, CRONJOB)
    fake.add("legacy", {"security.openshift.io/scc.podSecurityLabelSync": "true"})
    fake.add("tools")
    admission = tmp_path / "admission.yaml"
    admission.write_text("apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\n"
                         "exemptions: {namespaces: [tools]}\n")

    code, out, _ = run(config, "plan", "-A", "--level", "restricted", "--admission-config", str(admission),
                       "-o", "json")

    assert code == 1
    plans = {p["namespace"]: p for p in json.loads(out)["namespaces"]}
    assert {n: p["skipped"] for n, p in plans.items()} == {
        "kube-system": "system namespace (name it to include it)",
        "legacy": "labels managed by OpenShift (security.openshift.io/scc.podSecurityLabelSync=true)",
        "tools": "exempt by the cluster's PodSecurity configuration", "web": None}
    assert [b["object"] for b in plans["web"]["blockers"]] == ["Pod/priv", "CronJob/nightly"]
    lists = [s.path for s in fake.fake.seen if s.method == "GET" and s.path != "/version"]
    assert sorted(lists) == sorted(["/api/v1/namespaces"] + [r.collection_path(None) for r in WORKLOAD_RESOURCES])

    code, out, _ = run(config, "plan", "kube-system", "-o", "json")
    assert json.loads(out)["namespaces"][0]["skipped"] is None  # named: included


@pytest.mark.parametrize("name,args", [
    ("rollout-plan.table", ["plan", "-A", "--level", "restricted"]),
    ("rollout-plan.wide", ["plan", "-A", "--level", "restricted", "-o", "wide"]),
    ("rollout-ns-dry-run.table", ["ns", "web", "api", "--level", "baseline", "--dry-run"]),
    ("rollout-ns-refused.table", ["ns", "web", "--level", "restricted", "--to", "enforce", "--dry-run"]),
])
def test_golden_tables(cluster: tuple[Cluster, str], name: str, args: list[str]) -> None:
    fake, config = cluster
    fake.add("web", None, PRIVILEGED, CRONJOB)
    fake.add("api", WARN)
    fake.add("kube-system", None, PRIVILEGED)

    _, out, _ = run(config, *args)

    compare_golden(name, out)


def test_without_level_the_rollout_under_way_goes_on(cluster: tuple[Cluster, str]) -> None:
    fake, config = cluster
    fake.add("web", WARN, PRIVILEGED)

    code, out, err = run(config, "ns", "web", "--to", "audit", "--yes", "-o", "json")

    assert code == 0, err
    assert fake.labels("web") == {"team": "x", **AUDIT}
    assert err == 'namespace "web": warn -> audit (restricted:v1.37): applied\n'


def test_without_level_a_namespace_with_no_rollout_under_way_is_a_usage_error(
        cluster: tuple[Cluster, str]) -> None:
    fake, config = cluster
    fake.add("web", WARN, PRIVILEGED)
    fake.add("api")

    code, out, err = run(config, "ns", "web", "api", "--to", "enforce", "--yes")

    assert code == 2 and out == "" and fake.writes() == []
    assert err == "error: no rollout under way in api: pass --level\n"


def test_declining_the_prompt_writes_nothing_and_is_no_error(cluster: tuple[Cluster, str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from kubectl_podsec.rollout import session

    fake, config = cluster
    fake.add("web")
    monkeypatch.setattr(session, "can_prompt", lambda: True)

    result = CliRunner().invoke(cli, ["rollout", "ns", "web", "--level", "restricted", "--kubeconfig", config],
                                input="n\n", catch_exceptions=False)

    assert result.exit_code == 0
    assert fake.writes() == [] and fake.labels("web") == {"team": "x"}
    assert "Write these changes to 1 namespace(s)? [y/N]" in result.stderr
    assert result.stderr.endswith("not confirmed: nothing was written\n") and "error" not in result.stderr
    assert "not-confirmed" in result.stdout

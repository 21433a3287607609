"""The planner's promises, over generated workloads: a fixed object passes the
level; every operation is needed; nothing already set is weakened; the JSON
Patch is the change the planner judged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from kubectl_podsec.cli.main import cli
from kubectl_podsec.fix.candidates import ALSO
from kubectl_podsec.fix.document import apply_patch
from kubectl_podsec.fix.plan import Plan, Target, plan
from kubectl_podsec.pss import Evaluator, LevelVersion

from .workloads import workloads

COUNT = 300
TARGETS = [("restricted", "latest"), ("baseline", "latest"), ("restricted", "v1.21"), ("baseline", "v1.18"),
           ("restricted", "v1.34")]
ALL = tuple(ALSO)


def _target(level: str, version: str) -> Target:
    return Target(LevelVersion.parse(level, version), Evaluator())


def _plans(level: str, version: str, also: tuple[str, ...]) -> list[tuple[dict[str, Any], Plan]]:
    target = _target(level, version)
    out = []
    for obj in workloads(COUNT):
        result = plan(obj, target, also)
        assert result is not None
        out.append((obj, result))
    return out


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    if isinstance(value, dict) and value:
        return {k: v for key, child in value.items() for k, v in _leaves(child, path + (key,)).items()}
    if isinstance(value, list) and value:
        return {k: v for i, child in enumerate(value) for k, v in _leaves(child, path + (i,)).items()}
    return {path: value}


@pytest.mark.parametrize(("level", "version"), TARGETS)
@pytest.mark.parametrize("also", [(), ALL], ids=["default", "also-all"])
def test_fixed_objects_pass_and_every_operation_is_needed(level: str, version: str, also: tuple[str, ...]) -> None:
    target = _target(level, version)
    fixed = changed = 0
    for obj, result in _plans(level, version, also):
        patched = apply_patch(obj, result.operations)
        after = target.evaluate(patched)
        assert after is not None and after.violations == result.after.violations
        if not result.passes:
            continue
        fixed += 1
        changed += bool(result.operations)
        needed = {p for op in result.operations for e in op.edits for p in e.needs}
        for i, op in enumerate(result.operations):
            if any(e.path in needed for e in op.edits):
                continue  # without it, the object is invalid (the cluster test shows the server refuses it)
            without = apply_patch(obj, result.operations[:i] + result.operations[i + 1:])
            evaluation = target.evaluate(without)
            assert evaluation is not None and not evaluation.allowed, (obj, op)
    if level == "restricted" or also:  # baseline forbids only values someone set: nothing by default
        assert changed > COUNT // 10
    if also:
        assert fixed == COUNT  # with every --also, every generated object can be fixed


@pytest.mark.parametrize(("level", "version"), TARGETS[:2])
def test_by_default_nothing_set_is_changed_or_removed(level: str, version: str) -> None:
    for obj, result in _plans(level, version, ()):
        assert {op.op for op in result.operations} <= {"add", "replace"}
        before, after = _leaves(obj), _leaves(apply_patch(obj, result.operations))
        for path, value in before.items():
            if value is not None and value != {} and value != []:
                assert after.get(path) == value, (path, obj)


def test_pod_level_settings_are_preferred_unless_a_container_overrides_them() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "x",
                                    "securityContext": {"runAsNonRoot": False}}]}}
    target = _target("restricted", "latest")
    default = plan(pod, target)
    assert default is not None
    paths = {op.path: op.value for op in default.operations}
    assert paths["/spec/securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert [u.violation.check for u in default.unfixed] == ["runAsNonRoot"]
    assert default.unfixed[0].also == ("runAsNonRoot",)
    forced = plan(pod, target, ("runAsNonRoot",))
    assert forced is not None and forced.passes
    assert {"/spec/containers/1/securityContext/runAsNonRoot"} <= {op.path for op in forced.operations}


def test_each_operation_names_the_checks_it_satisfies_and_its_risks() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "a", "image": "x", "securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}]}}
    result = plan(pod, _target("restricted", "latest"))
    assert result is not None and result.passes
    ops = {op.path: op for op in result.operations}
    assert ops["/spec/containers/0/securityContext/capabilities/drop/-"].value == "ALL"
    assert ops["/spec/containers/0/securityContext/capabilities/drop/-"].checks == ("capabilities_restricted",)
    assert "loses every capability" in ops["/spec/containers/0/securityContext/capabilities/drop/-"].notes[0]
    assert ops["/spec/securityContext"].checks == ("runAsNonRoot", "seccompProfile_restricted")
    assert "runs as root" in ops["/spec/securityContext"].notes[0]


def test_a_known_non_root_user_is_not_flagged() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"securityContext": {"runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{"name": "a", "image": "x", "securityContext": {
                        "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}]}}
    result = plan(pod, _target("restricted", "latest"))
    assert result is not None
    assert [(op.op, op.path, op.value, op.notes) for op in result.operations] == [
        ("add", "/spec/securityContext/runAsNonRoot", True, ())]


def test_privileged_keeps_allow_privilege_escalation_unset_since_the_server_refuses_both() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "a", "image": "x", "securityContext": {"privileged": True}}]}}
    target = _target("restricted", "latest")
    default = plan(pod, target)
    assert default is not None
    assert not any("allowPrivilegeEscalation" in op.path for op in default.operations)
    assert {u.violation.check: u.also for u in default.unfixed}["allowPrivilegeEscalation"] == ("privileged",)
    forced = plan(pod, target, ("privileged",))
    assert forced is not None and forced.passes


def test_every_fixed_object_passes_check_offline(tmp_path: Any) -> None:
    """Through `check --level`, the command users run."""
    for level in ("baseline", "restricted"):
        target = _target(level, "latest")
        items = []
        for obj in workloads(COUNT):
            result = plan(obj, target, ALL if level == "baseline" else ())
            assert result is not None
            if result.passes:
                items.append(apply_patch(obj, result.operations))
        path = tmp_path / f"{level}.json"
        path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
        run = CliRunner().invoke(cli, ["check", "-f", str(path), "--level", level, "-o", "json"])
        assert run.exit_code == 0, run.output
        report = json.loads(run.stdout)
        assert report["summary"]["objects"] == len(items) > 100
        assert report["summary"]["denied"] == 0


def _pod(spec: dict[str, Any], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "p", **({"annotations": annotations} if annotations else {})}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


_C = {"name": "a", "image": "x"}
_APPARMOR = "container.apparmor.security.beta.kubernetes.io/a"


@pytest.mark.parametrize(("obj", "level", "also", "expected"), [
    (_pod({"containers": [{**_C, "securityContext": {"windowsOptions": {"hostProcess": True}}}],
           "hostNetwork": True, "os": {"name": "windows"}}), "baseline", ("hostProcess", "hostNetwork"),
     [("replace", "/spec/hostNetwork", False),
      ("replace", "/spec/containers/0/securityContext/windowsOptions/hostProcess", False)]),
    (_pod({"hostUsers": False, "containers": [{**_C, "securityContext": {"procMount": "Unmasked"}}]}),
     "restricted", ("procMount",),
     [("add", "/spec/containers/0/securityContext/allowPrivilegeEscalation", False),
      ("add", "/spec/containers/0/securityContext/capabilities", {"drop": ["ALL"]}),
      ("replace", "/spec/containers/0/securityContext/procMount", "Default"),
      ("add", "/spec/securityContext", {"seccompProfile": {"type": "RuntimeDefault"}})]),
    (_pod({"containers": [_C]}, {_APPARMOR: "unconfined"}), "baseline", ("appArmor",),
     [("replace", "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1a", "runtime/default")]),
    (_pod({"containers": [_C]}, {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}), "baseline:v1.18",
     ("seccomp",), [("replace", "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod", "runtime/default")]),
    (_pod({"containers": [_C], "securityContext": {"sysctls": [
        {"name": "kernel.msgmax", "value": "1"}, {"name": "net.ipv4.tcp_rmem", "value": "1"},
        {"name": "kernel.sem", "value": "1"}]}}), "baseline:v1.31", ("sysctls",),
     [("remove", "/spec/securityContext/sysctls/2", None), ("remove", "/spec/securityContext/sysctls/1", None),
      ("remove", "/spec/securityContext/sysctls/0", None)]),
    (_pod({"containers": [_C], "securityContext": {"sysctls": [
        {"name": "kernel.msgmax", "value": "1"}, {"name": "net.ipv4.tcp_rmem", "value": "1"}]}}), "baseline", ("sysctls",),
     [("remove", "/spec/securityContext/sysctls/0", None)]),
    (_pod({"containers": [{**_C, "securityContext": {"runAsUser": 0, "runAsNonRoot": True,
                                                     "allowPrivilegeEscalation": False,
                                                     "capabilities": {"drop": ["ALL"]},
                                                     "seccompProfile": {"type": "RuntimeDefault"}}}]}),
     "restricted", ("runAsUser",), [("remove", "/spec/containers/0/securityContext/runAsUser", None)]),
    (_pod({"containers": [_C], "volumes": [{"name": "v", "nfs": {"server": "s", "path": "/"}},
                                           {"name": "w", "secret": {"secretName": "s"}}]}),
     "restricted:v1.0", ("volumes",),
     [("replace", "/spec/volumes/0", {"name": "v", "emptyDir": {}}),
      ("add", "/spec/securityContext", {"runAsNonRoot": True})]),
    (_pod({"containers": [{**_C, "livenessProbe": {"tcpSocket": {"host": "10.0.0.1", "port": 1}},
                           "lifecycle": {"preStop": {"httpGet": {"host": "h", "port": 1}}}}]}),
     "baseline", ("probeHosts",),
     [("remove", "/spec/containers/0/livenessProbe/tcpSocket/host", None),
      ("remove", "/spec/containers/0/lifecycle/preStop/httpGet/host", None)]),
    (_pod({"containers": [{**_C, "securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}}]}),
     "baseline:v1.30", ("seLinux",), [("remove", "/spec/containers/0/securityContext/seLinuxOptions/type", None)]),
    (_pod({"containers": [{**_C, "securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}}]}),
     "baseline:v1.31", ("seLinux",), []),
], ids=["hostProcess", "procMount", "appArmor-annotation", "seccomp-annotation-v1.18", "sysctls-v1.31",
        "sysctls-latest", "runAsUser", "nfs-v1.0", "probeHosts", "seLinux-v1.30", "seLinux-v1.31"])
def test_each_also_name_changes_exactly_its_fields(obj: dict[str, Any], level: str, also: tuple[str, ...],
                                                     expected: list[tuple[str, str, Any]]) -> None:
    name, _, version = level.partition(":")
    result = plan(obj, _target(name, version or "latest"), also)
    assert result is not None and result.passes, result
    assert [(op.op, op.path, op.value) for op in result.operations] == expected
    assert all(also_name in also for op in result.operations for also_name in op.also)


def test_a_profile_field_brings_its_disagreeing_annotation_along() -> None:
    """The API server refuses a pod whose deprecated seccomp (or AppArmor)
    annotation and field disagree, so setting the field needs the annotation
    changed too, which is someone's setting: --also seccomp."""
    pod = _pod({"containers": [{**_C, "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True,
                                                          "capabilities": {"drop": ["ALL"]}}}]},
               {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"})
    target = _target("restricted", "latest")
    default = plan(pod, target)
    assert default is not None and default.operations == ()
    assert [(u.violation.check, u.also) for u in default.unfixed] == [("seccompProfile_restricted", ("seccomp",))]
    forced = plan(pod, target, ("seccomp",))
    assert forced is not None and forced.passes
    assert [(op.op, op.path, op.value) for op in forced.operations] == [
        ("add", "/spec/securityContext", {"seccompProfile": {"type": "RuntimeDefault"}}),
        ("replace", "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod", "runtime/default")]

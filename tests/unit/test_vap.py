"""The ValidatingAdmissionPolicy generator and reader (kubectl_podsec/vap), without a server:
the rules follow the engine's registry; the server's judgement is in
tests/integration/test_policy_export.py."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_podsec.errors import InputError
from kubectl_podsec.pss import CHECKS, NEWEST_MINOR, REGISTRY, Level, LevelVersion
from kubectl_podsec.vap.policy import Action, Export, ExportError, export
from kubectl_podsec.vap.reader import find_policy
from kubectl_podsec.vap.rules import RULES, checks_in_force, rules_for
from kubectl_podsec.vap.selectors import SelectorError, parse_selector
from tests.conformance.podgen import generate_pods

LEVELS = (Level.BASELINE, Level.RESTRICTED)


def _export(level: str = "restricted", version: str = "latest", **fields: Any) -> list[dict[str, Any]]:
    return export(Export(LevelVersion.parse(level, version), **fields))


def test_every_engine_variant_has_a_cel_rule() -> None:
    variants = [(c.id, v.minimum, v.check) for c in CHECKS for v in c.variants]
    assert [(cid, minimum) for cid, minimum, fn in variants if fn not in RULES] == []
    assert len(RULES) == len({fn for _, _, fn in variants})


@pytest.mark.parametrize("level", LEVELS, ids=str)
def test_one_validation_per_check_in_the_engines_order(level: Level) -> None:
    for minor in range(NEWEST_MINOR + 1):
        ids = [entry.id for entry in REGISTRY.checks_for(level, minor)]
        policy = _export(level.value, f"v1.{minor}")[0]
        assert [r.check for r in rules_for(level, minor)] == ids
        assert policy["metadata"]["annotations"]["podsec.kubectl.io/checks"] == ",".join(ids)
        assert len(policy["spec"]["validations"]) == len(ids)
        names = [v["name"] for v in policy["spec"]["variables"]]
        assert len(names) == len(set(names))


def test_versioned_variants_change_the_cel() -> None:
    def validations(version: str) -> str:
        return str(_export("restricted", version)[0]["spec"])

    assert "seccomp.security.alpha.kubernetes.io/pod" in validations("v1.18")
    assert "seccomp.security.alpha.kubernetes.io/pod" not in validations("v1.19")
    assert "'windows'" not in validations("v1.24") and "'windows'" in validations("v1.25")
    assert "container_engine_t" not in validations("v1.30") and "container_engine_t" in validations("v1.31")
    assert "net.ipv4.tcp_notsent_lowat" not in validations("v1.36")
    assert "net.ipv4.tcp_notsent_lowat" in validations("v1.37") and "net.ipv4.tcp_notsent_lowat" in validations("latest")


def test_skipped_checks_are_left_out_and_named() -> None:
    policy = _export(skipped=frozenset({"runAsUser", "seccompProfile_restricted"}))[0]
    annotations = policy["metadata"]["annotations"]
    assert annotations["podsec.kubectl.io/skip"] == "runAsUser,seccompProfile_restricted"
    assert "runAsUser" not in annotations["podsec.kubectl.io/checks"].split(",")
    assert policy["metadata"]["name"] == "pod-security-restricted-latest-custom"
    assert not any(v["name"].startswith(("runAsUser_", "seccompProfile_")) for v in policy["spec"]["variables"])
    assert len(policy["spec"]["validations"]) == len(checks_in_force(Level.RESTRICTED, NEWEST_MINOR)) - 2


@pytest.mark.parametrize(("request_", "error"), [
    (Export(LevelVersion.parse("restricted", "v1.30"), skipped=frozenset({"hostPathVolumes"})),
     "--skip: not a check of restricted:v1.30: hostPathVolumes; valid: appArmorProfile, hostNamespaces,"),
    (Export(LevelVersion.parse("baseline", "v1.33"), skipped=frozenset({"hostProbesAndHostLifecycle", "nope"})),
     "--skip: not a check of baseline:v1.33: hostProbesAndHostLifecycle, nope; valid: appArmorProfile,"),
    (Export(LevelVersion.parse("privileged")), "the privileged level allows every pod: it needs no policy"),
    (Export(LevelVersion.parse("baseline"), actions=(Action.DENY, Action.WARN)),
     "Deny and Warn cannot be combined in one binding (the API server refuses it)"),
    (Export(LevelVersion.parse("baseline"), actions=(Action.AUDIT, Action.AUDIT)),
     "give each of Deny, Warn, Audit at most once, and at least one"),
])
def test_requests_the_server_or_engine_would_refuse(request_: Export, error: str) -> None:
    with pytest.raises(ExportError) as raised:
        export(request_)
    assert str(raised.value).startswith(error)


def test_the_binding_and_templates() -> None:
    selector = {"matchLabels": {"team": "a"}}
    policy, pods, templates = _export("baseline", "v1.30", namespace_selector=selector, templates=True,
                                      actions=(Action.DENY, Action.AUDIT))
    resources = [r["resources"] for r in policy["spec"]["matchConstraints"]["resourceRules"]]
    assert resources == [["pods", "pods/ephemeralcontainers"], ["podtemplates", "replicationcontrollers"],
                         ["replicasets", "deployments", "statefulsets", "daemonsets"], ["jobs", "cronjobs"]]
    assert pods["spec"]["validationActions"] == ["Deny", "Audit"]
    assert pods["spec"]["matchResources"]["resourceRules"] == policy["spec"]["matchConstraints"]["resourceRules"][:1]
    assert templates["metadata"]["name"] == "pod-security-baseline-v1.30-templates"
    assert templates["spec"]["validationActions"] == ["Warn", "Audit"]  # PSA never denies a template
    assert templates["spec"]["matchResources"]["namespaceSelector"] == selector
    assert len(templates["spec"]["matchResources"]["resourceRules"]) == 3
    only_pods = _export("baseline", "v1.30")
    assert len(only_pods) == 2 and "matchResources" not in only_pods[1]["spec"]
    assert only_pods[0]["spec"]["variables"][0] == {"name": "podSpec", "expression": "object.spec"}


@pytest.mark.parametrize(("text", "selector"), [
    ("team=a", {"matchLabels": {"team": "a"}}),
    ("team==a,env!=prod", {"matchLabels": {"team": "a"},
                           "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}),
    ("tier in (web, api),example.com/x notin (y)", {"matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["web", "api"]},
        {"key": "example.com/x", "operator": "NotIn", "values": ["y"]}]}),
    ("managed,!legacy", {"matchExpressions": [{"key": "managed", "operator": "Exists"},
                                              {"key": "legacy", "operator": "DoesNotExist"}]}),
    ("a=1,a=2", {"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "a", "operator": "In", "values": ["2"]}]}),
    ("", {}),
])
def test_label_selectors_in_kubectl_syntax(text: str, selector: dict[str, Any]) -> None:
    assert parse_selector(text) == selector


@pytest.mark.parametrize(("text", "error"), [
    ("a in ()", '"a in ()": a set needs at least one value'),
    ("a=b c", '"a=b c" is not a label selector requirement'),
    ("-bad=x", 'invalid label key "-bad"'),
    ("a=" + "v" * 64, f'invalid label value "{"v" * 64}"'),
])
def test_bad_label_selectors(text: str, error: str) -> None:
    with pytest.raises(SelectorError) as raised:
        parse_selector(text)
    assert str(raised.value) == error


@pytest.mark.parametrize(("level", "version"), [("baseline", "v1.0"), ("restricted", "v1.24"), ("restricted", "latest")])
def test_the_reader_recovers_what_was_exported(level: str, version: str) -> None:
    skipped = frozenset(checks_in_force(Level(level), 24)[:2])
    docs = _export(level, version, skipped=skipped, templates=True)
    found = find_policy([(doc, f"doc {i}") for i, doc in enumerate(docs)])
    assert (str(found.level_version), found.skipped, found.templates) == (f"{level}:{version}", skipped, True)
    assert found.minor == (NEWEST_MINOR if version == "latest" else int(version[3:]))


def test_the_reader_refuses_what_it_cannot_judge() -> None:
    policy = _export()[0]
    with pytest.raises(InputError, match="annotation podsec.kubectl.io/level is missing"):
        find_policy([({**policy, "metadata": {"name": "x"}}, "f.yaml: document 0")])
    with pytest.raises(InputError, match="no ValidatingAdmissionPolicy found"):
        find_policy([(_export()[1], "f.yaml")])
    other = _export("baseline")[0]
    with pytest.raises(InputError, match="a second policy .* that judges differently"):
        find_policy([(policy, "a"), (other, "b")])
    forged = {**policy, "metadata": {**policy["metadata"], "annotations": {
        **policy["metadata"]["annotations"], "podsec.kubectl.io/skip": "hostPathVolumes"}}}
    with pytest.raises(InputError, match="skips checks that restricted:v1.37 does not have: hostPathVolumes"):
        find_policy([(forged, "a")])


def test_evaluating_without_checks_removes_exactly_their_violations() -> None:
    skipped = frozenset({"runAsNonRoot", "capabilities_restricted", "restrictedVolumes"})
    found = find_policy([(doc, "x") for doc in _export(skipped=skipped)])
    lv = found.level_version
    full = REGISTRY.checks_for(Level.RESTRICTED, NEWEST_MINOR)
    assert [e.id for e in found.evaluator().registry.checks_for(Level.RESTRICTED, NEWEST_MINOR)] == \
        [e.id for e in full if e.id not in skipped]
    from kubectl_podsec.pss import DEFAULT_EVALUATOR, InvalidPodSpec

    compared = 0
    for pod in generate_pods(400):
        try:
            everything = DEFAULT_EVALUATOR.evaluate(lv, pod.get("metadata"), pod.get("spec"))
        except InvalidPodSpec:
            continue
        fewer = found.evaluator().evaluate(lv, pod.get("metadata"), pod.get("spec"))
        assert fewer.violations == tuple(v for v in everything.violations if v.check not in skipped)
        compared += 1
    assert compared > 300

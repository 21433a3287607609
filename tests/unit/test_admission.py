"""Admission semantics, pinned to k8s.io/pod-security-admission@v0.37.2 and the API server:

* `default_pod`/`default_template`: what kube-apiserver v1.37.2 does to an object before
  validating admission (pkg/apis/core/v1/defaults.go SetDefaults_Volume and SetDefaults_Pod,
  pkg/registry/core/pod/strategy.go applyAppArmorVersionSkew);
* `admit`: admission/admission_test.go TestValidatePodAndController (the cases that do not need
  an API server: exemptions, privileged short-circuit, enforce/audit/warn per mode, for a Pod
  and for the same pod as a Deployment), with the texts of admission.go EvaluatePod;
* workload extraction: TestDefaultExtractPodSpec and TestDefaultHasPodSpec;
* `admission_config`: admission/api/load/load_test.go TestLoadFromData,
  admission/api/validation/validation_test.go and v1 defaulting, and the AdmissionConfiguration
  wrapper.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from kubectl_podsec.admission.verdicts import (
    Admission,
    admit,
    check_level,
    default_pod,
    default_template,
    invalid_namespace_message,
)
from kubectl_podsec.admission.config import (
    DEFAULT_CONFIG,
    ConfigError,
    PodSecurityConfig,
    pod_security_config,
    pod_security_plugin,
)
from kubectl_podsec.admission.labels import PRIVILEGED_POLICY, Policy, policy_from_labels
from kubectl_podsec.pss import Evaluator, LevelVersion
from kubectl_podsec.pss.text import go_quote
from kubectl_podsec.admission.workloads import PodTemplate, carries_pod_spec, pod_template

APPARMOR = "container.apparmor.security.beta.kubernetes.io/"
PSA = "pod-security.kubernetes.io/"
EVALUATOR = Evaluator()

# --- default_pod: volumes -------------------------------------------------------------


def test_volume_without_source_becomes_empty_dir() -> None:
    pod = {"spec": {"volumes": [
        {"name": "bare"},
        {"name": "nulls", "hostPath": None, "secret": None},
        {"name": "cm", "configMap": {"name": "x"}},
        {"name": "host", "hostPath": {"path": "/"}},
    ]}}
    volumes = default_pod(pod)["spec"]["volumes"]
    assert volumes[0] == {"name": "bare", "emptyDir": {}}
    assert volumes[1]["emptyDir"] == {}
    assert volumes[2] == {"name": "cm", "configMap": {"name": "x"}}
    assert volumes[3] == {"name": "host", "hostPath": {"path": "/"}}
    assert pod["spec"]["volumes"][0] == {"name": "bare"}, "the input is not mutated"


def test_defaulted_volume_passes_restricted_volumes() -> None:
    # Upstream fixture restricted/*/pass/restrictedvolumes0.yaml relies on this.
    template = PodTemplate({}, {"volumes": [{"name": "volume0"}]}, "")
    spec = default_template(template, is_pod=True).spec
    result = EVALUATOR.evaluate(LevelVersion.parse("restricted", "v1.0"), {}, spec)
    assert "restrictedVolumes" not in [v.check for v in result.violations]
    raw = EVALUATOR.evaluate(LevelVersion.parse("restricted", "v1.0"), {}, template.spec)
    assert 'restricted volume types (volume "volume0" uses restricted volume type "unknown")' in raw.forbidden_detail


def test_workload_template_volumes_are_defaulted_too() -> None:
    template = PodTemplate({}, {"volumes": [{"name": "v"}]}, "spec.template")
    assert default_template(template, is_pod=False).spec["volumes"] == [{"name": "v", "emptyDir": {}}]


# --- default_pod: hostNetwork ports (SetDefaults_Pod, Pods only) --------------------------

HOST_NETWORK_SPEC = {
    "hostNetwork": True,
    "initContainers": [{"name": "i", "ports": [{"containerPort": 53}]}],
    "containers": [{"name": "c", "ports": [
        {"containerPort": 80},
        {"containerPort": 443, "hostPort": 0},
        {"containerPort": 8080, "hostPort": 9090},
    ]}],
    "ephemeralContainers": [{"name": "e", "ports": [{"containerPort": 7}]}],
}


def test_host_network_ports_default_to_container_ports() -> None:
    spec = default_pod({"spec": HOST_NETWORK_SPEC})["spec"]
    assert spec["initContainers"][0]["ports"] == [{"containerPort": 53, "hostPort": 53}]
    assert spec["containers"][0]["ports"] == [
        {"containerPort": 80, "hostPort": 80},
        {"containerPort": 443, "hostPort": 443},
        {"containerPort": 8080, "hostPort": 9090},
    ]
    # defaultHostNetworkPorts covers containers and initContainers only.
    assert spec["ephemeralContainers"][0]["ports"] == [{"containerPort": 7}]
    assert "hostPort" not in HOST_NETWORK_SPEC["containers"][0]["ports"][0], "the input is not mutated"


def test_host_network_port_defaulting_shows_in_baseline_verdict() -> None:
    template = default_template(PodTemplate({}, HOST_NETWORK_SPEC, ""), is_pod=True)
    result = EVALUATOR.evaluate(LevelVersion.parse("baseline", "latest"), template.metadata, template.spec)
    assert result.forbidden_detail == (
        "host namespaces (hostNetwork=true), "
        'hostPort (containers "i", "c" use hostPorts 443, 53, 80, 9090)'
    )


def test_no_port_defaulting_without_host_network() -> None:
    spec = {**HOST_NETWORK_SPEC, "hostNetwork": False}
    assert default_pod({"spec": spec})["spec"] == spec


def test_no_port_defaulting_for_workload_templates() -> None:
    # Pod templates are not defaulted this way since 1.28.
    template = default_template(PodTemplate({}, HOST_NETWORK_SPEC, "spec.template"), is_pod=False)
    assert template.spec["containers"][0]["ports"][0] == {"containerPort": 80}


# --- default_pod: AppArmor annotation -> field (applyAppArmorVersionSkew) ------------------


def _aa_pod(annotations: dict[str, str], pod_profile: dict[str, Any] | None = None,
            **spec: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "metadata": {"name": "p", "annotations": annotations},
        "spec": {"containers": [{"name": "app"}], **spec},
    }
    if pod_profile is not None:
        out["spec"]["securityContext"] = {"appArmorProfile": pod_profile}
    return out


def _app_profile(pod: dict[str, Any], key: str = "containers", index: int = 0) -> Any:
    sc = default_pod(pod)["spec"][key][index].get("securityContext") or {}
    return sc.get("appArmorProfile")


@pytest.mark.parametrize(
    ("annotation", "profile"),
    [
        pytest.param("unconfined", {"type": "Unconfined"}, id="unconfined"),
        pytest.param("runtime/default", {"type": "RuntimeDefault"}, id="runtime/default"),
        pytest.param("localhost/prof", {"type": "Localhost", "localhostProfile": "prof"}, id="localhost"),
        pytest.param("localhost/", None, id="localhost without profile: no field"),
        pytest.param("localhost/ prof", None, id="padded profile is invalid: no field"),
        pytest.param("localhost/" + "p" * 4096, None, id="profile over 4095 bytes is invalid: no field"),
        pytest.param("bogus", None, id="unknown value: no field"),
        pytest.param("", None, id="empty value: no field"),
    ],
)
def test_apparmor_annotation_sets_field(annotation: str, profile: dict[str, str] | None) -> None:
    assert _app_profile(_aa_pod({APPARMOR + "app": annotation})) == profile


def test_apparmor_field_kept_when_container_has_one() -> None:
    pod = _aa_pod({APPARMOR + "app": "unconfined"})
    pod["spec"]["containers"][0]["securityContext"] = {"appArmorProfile": {"type": "RuntimeDefault"}}
    assert _app_profile(pod) == {"type": "RuntimeDefault"}


@pytest.mark.parametrize(
    ("annotation", "pod_profile", "expected"),
    [
        pytest.param("runtime/default", {"type": "RuntimeDefault"}, None, id="same as pod: not copied"),
        pytest.param("localhost/a", {"type": "Localhost", "localhostProfile": "a"}, None,
                     id="same localhost as pod: not copied"),
        pytest.param("localhost/b", {"type": "Localhost", "localhostProfile": "a"},
                     {"type": "Localhost", "localhostProfile": "b"}, id="other localhost: copied"),
        pytest.param("unconfined", {"type": "RuntimeDefault"}, {"type": "Unconfined"},
                     id="differs from pod: copied"),
    ],
)
def test_apparmor_compared_with_pod_profile(
    annotation: str, pod_profile: dict[str, str], expected: dict[str, str] | None
) -> None:
    assert _app_profile(_aa_pod({APPARMOR + "app": annotation}, pod_profile)) == expected


def test_apparmor_sync_keeps_other_security_context_fields() -> None:
    pod = _aa_pod({APPARMOR + "app": "unconfined"})
    pod["spec"]["containers"][0]["securityContext"] = {"runAsUser": 5}
    sc = default_pod(pod)["spec"]["containers"][0]["securityContext"]
    assert sc == {"runAsUser": 5, "appArmorProfile": {"type": "Unconfined"}}
    assert pod["spec"]["containers"][0]["securityContext"] == {"runAsUser": 5}, "the input is not mutated"


def test_apparmor_sync_visits_init_and_ephemeral_containers() -> None:
    pod = _aa_pod(
        {APPARMOR + "init": "unconfined", APPARMOR + "debug": "unconfined", APPARMOR + "other": "unconfined"},
        initContainers=[{"name": "init"}],
        ephemeralContainers=[{"name": "debug"}],
    )
    assert _app_profile(pod, "initContainers") == {"type": "Unconfined"}
    assert _app_profile(pod, "ephemeralContainers") == {"type": "Unconfined"}
    assert _app_profile(pod) is None  # "app" has no annotation; "other" names no container


def test_apparmor_sync_skips_windows_pods() -> None:
    pod = _aa_pod({APPARMOR + "app": "unconfined"}, os={"name": "windows"})
    assert _app_profile(pod) is None
    linux = _aa_pod({APPARMOR + "app": "unconfined"}, os={"name": "linux"})
    assert _app_profile(linux) == {"type": "Unconfined"}


def test_apparmor_sync_not_applied_to_workload_templates() -> None:
    pod = _aa_pod({APPARMOR + "app": "unconfined"})
    template = default_template(PodTemplate(pod["metadata"], pod["spec"], "spec.template"), is_pod=False)
    assert "securityContext" not in template.spec["containers"][0]


def test_apparmor_sync_shows_in_the_verdict() -> None:
    pod = _aa_pod({APPARMOR + "app": "unconfined"})
    template = default_template(PodTemplate(pod["metadata"], pod["spec"], ""), is_pod=True)
    result = EVALUATOR.evaluate(LevelVersion.parse("baseline", "latest"), template.metadata, template.spec)
    assert result.forbidden_detail == (
        'forbidden AppArmor profiles (container "app" and annotation must not set AppArmor profile type to '
        '"Unconfined", "container.apparmor.security.beta.kubernetes.io/app="unconfined"")'
    )


# --- admit: TestValidatePodAndController -------------------------------------------------

EXEMPT_NS, IMPLICIT_NS, PRIVILEGED_NS = "exempt-ns", "implicit-ns", "privileged-ns"
BASELINE_NS, BASELINE_WARN_NS, BASELINE_AUDIT_NS = "baseline-ns", "baseline-warn-ns", "baseline-audit-ns"
RESTRICTED_NS, INVALID_NS = "restricted-ns", "invalid-ns"
EXEMPT_USER, EXEMPT_RUNTIME_CLASS = "exempt-user", "exempt-runtimeclass"


def _ns(enforce: str = "", warn: str = "", audit: str = "") -> dict[str, str]:
    labels = {}
    for mode, level in (("enforce", enforce), ("warn", warn), ("audit", audit)):
        if level:
            labels[PSA + mode] = level
    return labels


NAMESPACE_LABELS = {
    EXEMPT_NS: _ns("restricted", "restricted", "restricted"),
    IMPLICIT_NS: _ns(),
    PRIVILEGED_NS: _ns("privileged", "privileged", "privileged"),
    BASELINE_NS: _ns("baseline", "baseline", "baseline"),
    BASELINE_WARN_NS: _ns(warn="baseline"),
    BASELINE_AUDIT_NS: _ns(audit="baseline"),
    RESTRICTED_NS: _ns("restricted", "restricted", "restricted"),
    INVALID_NS: _ns("not-a-valid-level"),
}
CONFIG = PodSecurityConfig(
    exempt_usernames=frozenset({EXEMPT_USER}),
    exempt_namespaces=frozenset({EXEMPT_NS}),
    exempt_runtime_classes=frozenset({EXEMPT_RUNTIME_CLASS}),
)

OBJ_META = {"name": "test-pod", "labels": {"foo": "bar"}}
PAUSE = "registry.k8s.io/pause"
# test.GetMinimalValidPod(baseline, v1.23) and (restricted, v1.23)
BASELINE_POD = {
    "apiVersion": "v1", "kind": "Pod", "metadata": OBJ_META,
    "spec": {
        "initContainers": [{"name": "initcontainer1", "image": PAUSE}],
        "containers": [{"name": "container1", "image": PAUSE}],
    },
}
_RESTRICTED_SC = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
RESTRICTED_POD = {
    "apiVersion": "v1", "kind": "Pod", "metadata": OBJ_META,
    "spec": {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": [{"name": "initcontainer1", "image": PAUSE, "securityContext": _RESTRICTED_SC}],
        "containers": [{"name": "container1", "image": PAUSE, "securityContext": _RESTRICTED_SC}],
    },
}
PRIVILEGED_POD = copy.deepcopy(BASELINE_POD)
PRIVILEGED_POD["spec"]["containers"][0]["securityContext"] = {"privileged": True}
EXEMPT_RC_POD = copy.deepcopy(PRIVILEGED_POD)
EXEMPT_RC_POD["spec"]["runtimeClassName"] = EXEMPT_RUNTIME_CLASS


def as_deployment(pod: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": pod["metadata"],
        "spec": {"template": {"metadata": pod["metadata"], "spec": pod["spec"]}},
    }


def run(obj: dict[str, Any], namespace: str, username: str = "test-user",
        config: PodSecurityConfig = CONFIG, labels: dict[str, str] | None = None) -> Admission:
    if labels is None:
        labels = NAMESPACE_LABELS[namespace]
    policy, _errors = policy_from_labels(labels, config.defaults)
    template = pod_template(obj)
    assert template is not None
    is_pod = obj["kind"] == "Pod"
    template = default_template(template, is_pod=is_pod)
    return admit(template, is_pod=is_pod, namespace=namespace, policy=policy, config=config,
                 username=username, evaluator=EVALUATOR)


PRIV_DETAIL_BASELINE = 'privileged (container "container1" must not set securityContext.privileged=true)'
PRIV_DETAIL_RESTRICTED = (
    'privileged (container "container1" must not set securityContext.privileged=true), '
    'allowPrivilegeEscalation != false (containers "initcontainer1", "container1" must set '
    "securityContext.allowPrivilegeEscalation=false), "
    'unrestricted capabilities (containers "initcontainer1", "container1" must set '
    'securityContext.capabilities.drop=["ALL"]), '
    'runAsNonRoot != true (pod or containers "initcontainer1", "container1" must set '
    "securityContext.runAsNonRoot=true), "
    'seccompProfile (pod or containers "initcontainer1", "container1" must set '
    'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
)
WOULD_RESTRICTED = f'would violate PodSecurity "restricted:latest": {PRIV_DETAIL_RESTRICTED}'
WOULD_BASELINE = f'would violate PodSecurity "baseline:latest": {PRIV_DETAIL_BASELINE}'

# (desc, namespace, pod, username,
#  pod: allowed, warnings, annotations; deployment: warnings, annotations)
POD_CASES = [
    ("exempt namespace", EXEMPT_NS, PRIVILEGED_POD, "test-user",
     True, [], {PSA + "exempt": "namespace"}, [], {PSA + "exempt": "namespace"}),
    ("exempt user", RESTRICTED_NS, PRIVILEGED_POD, EXEMPT_USER,
     True, [], {PSA + "exempt": "user"}, [], {PSA + "exempt": "user"}),
    ("exempt runtimeClass", RESTRICTED_NS, EXEMPT_RC_POD, "test-user",
     True, [], {PSA + "exempt": "runtimeClass"}, [], {PSA + "exempt": "runtimeClass"}),
    ("short-circuit privileged:latest (implicit)", IMPLICIT_NS, PRIVILEGED_POD, "test-user",
     True, [], {PSA + "enforce-policy": "privileged:latest"}, [], {}),
    ("short-circuit privileged:latest (explicit)", PRIVILEGED_NS, PRIVILEGED_POD, "test-user",
     True, [], {PSA + "enforce-policy": "privileged:latest"}, [], {}),
    # Upstream also sets the `error` annotation here; label errors are not admit()'s input.
    ("invalid namespace labels", INVALID_NS, BASELINE_POD, "test-user",
     False, [], {PSA + "enforce-policy": "restricted:latest"}, [], {}),
    ("enforce deny", RESTRICTED_NS, PRIVILEGED_POD, "test-user",
     False, [], {PSA + "enforce-policy": "restricted:latest", PSA + "audit-violations": WOULD_RESTRICTED},
     [WOULD_RESTRICTED], {PSA + "audit-violations": WOULD_RESTRICTED}),
    ("enforce allow", BASELINE_NS, BASELINE_POD, "test-user",
     True, [], {PSA + "enforce-policy": "baseline:latest"}, [], {}),
    ("warn deny", BASELINE_WARN_NS, PRIVILEGED_POD, "test-user",
     True, [WOULD_BASELINE], {PSA + "enforce-policy": "privileged:latest"}, [WOULD_BASELINE], {}),
    ("audit deny", BASELINE_AUDIT_NS, PRIVILEGED_POD, "test-user",
     True, [], {PSA + "enforce-policy": "privileged:latest", PSA + "audit-violations": WOULD_BASELINE},
     [], {PSA + "audit-violations": WOULD_BASELINE}),
]


@pytest.mark.parametrize(
    ("namespace", "pod", "username", "allowed", "warnings", "annotations"),
    [pytest.param(ns, pod, user, allowed, warnings, annotations, id=f"pod:{desc}")
     for desc, ns, pod, user, allowed, warnings, annotations, _dw, _da in POD_CASES],
)
def test_validate_pod(namespace: str, pod: dict[str, Any], username: str, allowed: bool,
                      warnings: list[str], annotations: dict[str, str]) -> None:
    admission = run(pod, namespace, username)
    assert admission.is_pod
    assert admission.object_allowed is allowed
    assert admission.pods_allowed is allowed
    assert list(admission.warnings) == warnings
    assert admission.audit_annotations == annotations


@pytest.mark.parametrize(
    ("namespace", "pod", "username", "warnings", "annotations"),
    [pytest.param(ns, pod, user, warnings, annotations, id=f"deployment:{desc}")
     for desc, ns, pod, user, _allowed, _pw, _pa, warnings, annotations in POD_CASES],
)
def test_validate_pod_controller(namespace: str, pod: dict[str, Any], username: str,
                                 warnings: list[str], annotations: dict[str, str]) -> None:
    # PodController validation is always non-enforcing.
    admission = run(as_deployment(pod), namespace, username)
    assert not admission.is_pod
    assert admission.object_allowed
    assert list(admission.warnings) == warnings
    assert admission.audit_annotations == annotations


def test_enforce_texts_and_applies_to_object() -> None:
    pod = run(PRIVILEGED_POD, RESTRICTED_NS)
    enforce = next(e for e in pod.evaluations if e.mode == "enforce")
    assert enforce.applies_to_object
    assert enforce.message == f'violates PodSecurity "restricted:latest": {PRIV_DETAIL_RESTRICTED}'

    deployment = run(as_deployment(PRIVILEGED_POD), RESTRICTED_NS)
    modes = {e.mode: e for e in deployment.evaluations}
    assert modes["enforce"].applies_to_object is False
    assert modes["audit"].applies_to_object and modes["warn"].applies_to_object
    # The object is admitted, but the pods it creates would be denied.
    assert deployment.object_allowed and not deployment.pods_allowed


def test_audit_and_warn_reuse_an_equal_evaluation() -> None:
    admission = run(PRIVILEGED_POD, RESTRICTED_NS)
    enforce, audit, warn = (e.evaluation for e in admission.evaluations)
    assert audit is enforce and warn is enforce


def test_warnings_suppressed_only_when_the_pod_is_denied() -> None:
    labels = {PSA + "enforce": "baseline", PSA + "warn": "restricted"}
    policy, _ = policy_from_labels(labels, PRIVILEGED_POLICY)

    def admit_pod(pod: dict[str, Any]) -> Admission:
        template = default_template(pod_template(pod), is_pod=True)  # type: ignore[arg-type]
        return admit(template, is_pod=True, namespace="ns", policy=policy, evaluator=EVALUATOR)

    denied = admit_pod(PRIVILEGED_POD)
    assert not denied.object_allowed and denied.warnings == ()
    allowed = admit_pod(BASELINE_POD)
    assert allowed.object_allowed
    assert allowed.warnings == (
        'would violate PodSecurity "restricted:latest": '
        'allowPrivilegeEscalation != false (containers "initcontainer1", "container1" must set '
        "securityContext.allowPrivilegeEscalation=false), "
        'unrestricted capabilities (containers "initcontainer1", "container1" must set '
        'securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or containers "initcontainer1", "container1" must set '
        "securityContext.runAsNonRoot=true), "
        'seccompProfile (pod or containers "initcontainer1", "container1" must set '
        'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    )


def test_enforce_only_namespace_warns_on_deployments() -> None:
    # Warn is auto-raised to enforce's level, and enforce never applies to workloads.
    deployment = run(as_deployment(BASELINE_POD), "ns", labels={PSA + "enforce": "restricted"})
    assert deployment.object_allowed
    assert len(deployment.warnings) == 1
    assert deployment.warnings[0].startswith('would violate PodSecurity "restricted:latest": ')
    assert deployment.audit_annotations == {}


def test_nginx_example_message() -> None:
    # specs/pss.md §3.1, for a bare nginx pod at restricted:latest.
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx"},
           "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}
    policy = Policy(*(LevelVersion.parse("restricted"),) * 3)
    template = default_template(pod_template(pod), is_pod=True)  # type: ignore[arg-type]
    admission = admit(template, is_pod=True, namespace="default", policy=policy, evaluator=EVALUATOR)
    enforce = next(e for e in admission.evaluations if e.mode == "enforce")
    assert enforce.message == (
        'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "nginx" must set '
        "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"nginx\" must set "
        'securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set '
        'securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set '
        'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
    )


def test_enforce_policy_annotation_keeps_version_when_labels_have_errors() -> None:
    # admission.go only short-circuits to "privileged:latest" when there are no label
    # errors; otherwise enforce-policy is nsPolicy.Enforce.String().
    labels = {PSA + "enforce": "privileged", PSA + "enforce-version": "v1.3", PSA + "audit": "bogus"}
    policy, errors = policy_from_labels(labels, PRIVILEGED_POLICY)
    assert errors
    template = default_template(pod_template(BASELINE_POD), is_pod=True)  # type: ignore[arg-type]
    admission = admit(template, is_pod=True, namespace="ns", policy=policy, evaluator=EVALUATOR,
                      label_errors=tuple(str(e) for e in errors))
    assert admission.audit_annotations[PSA + "enforce-policy"] == "privileged:v1.3"
    assert admission.audit_annotations[PSA + "error"] == (
        'Failed to parse policy: metadata.labels[pod-security.kubernetes.io/audit]: '
        'Invalid value: "bogus": must be one of privileged, baseline, restricted')


def test_fully_privileged_short_circuit_ignores_versions() -> None:
    labels = {PSA + "enforce": "privileged", PSA + "enforce-version": "v1.0"}
    policy, errors = policy_from_labels(labels, PRIVILEGED_POLICY)
    assert errors == ()
    template = default_template(pod_template(PRIVILEGED_POD), is_pod=True)  # type: ignore[arg-type]
    admission = admit(template, is_pod=True, namespace="ns", policy=policy, evaluator=EVALUATOR)
    assert admission.audit_annotations == {PSA + "enforce-policy": "privileged:latest"}


@pytest.mark.parametrize(
    ("namespace", "username", "runtime_class", "expected"),
    [
        pytest.param(EXEMPT_NS, EXEMPT_USER, EXEMPT_RUNTIME_CLASS, "namespace", id="namespace first"),
        pytest.param(RESTRICTED_NS, EXEMPT_USER, EXEMPT_RUNTIME_CLASS, "user", id="then user"),
        pytest.param(RESTRICTED_NS, "someone", EXEMPT_RUNTIME_CLASS, "runtimeClass", id="then runtimeClass"),
        pytest.param(RESTRICTED_NS, None, None, None, id="none"),
        pytest.param(RESTRICTED_NS, "", "", None, id="empty strings never match"),
        pytest.param("Exempt-NS", "Exempt-User", "Exempt-Runtimeclass", None, id="exact match only"),
    ],
)
def test_exemption_order(namespace: str, username: str | None, runtime_class: str | None,
                         expected: str | None) -> None:
    assert CONFIG.exemption(namespace, username, runtime_class) == expected


def test_runtime_class_exemption_for_deployments() -> None:
    admission = run(as_deployment(EXEMPT_RC_POD), RESTRICTED_NS)
    assert admission.exempt == "runtimeClass"
    assert admission.warnings == ()
    assert all(e.allowed for e in admission.evaluations)


def test_empty_template_passes_restricted() -> None:
    # upstream "no pod template": an empty Deployment spec evaluates to no warnings.
    policy = Policy(*(LevelVersion.parse("restricted"),) * 3)
    admission = admit(PodTemplate({}, {}, "spec.template"), is_pod=False, namespace="ns",
                      policy=policy, evaluator=EVALUATOR)
    assert admission.warnings == () and admission.audit_annotations == {}


def test_check_level_is_a_single_enforcing_verdict() -> None:
    template = default_template(pod_template(PRIVILEGED_POD), is_pod=True)  # type: ignore[arg-type]
    admission = check_level(template, LevelVersion.parse("baseline", "v1.30"), EVALUATOR)
    assert [e.mode for e in admission.evaluations] == ["level"]
    assert not admission.pods_allowed
    assert admission.evaluations[0].message == f'violates PodSecurity "baseline:v1.30": {PRIV_DETAIL_BASELINE}'


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        pytest.param(
            ['metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "unknown": '
             "must be one of privileged, baseline, restricted"],
            'Namespace "test" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: '
            'Invalid value: "unknown": must be one of privileged, baseline, restricted',
            id="one error",
        ),
        pytest.param(["e1", "e2", "e1"], 'Namespace "test" is invalid: [e1, e2]', id="aggregate drops duplicates"),
    ],
)
def test_invalid_namespace_message(errors: list[str], expected: str) -> None:
    assert invalid_namespace_message("test", errors) == expected


@pytest.mark.parametrize(
    ("labels", "fragment"),
    [
        pytest.param({PSA + "enforce": "unknown"}, "must be one of privileged, baseline, restricted",
                     id="create malformed level"),
        pytest.param({PSA + "enforce": "privileged", PSA + "enforce-version": "unknown"},
                     'must be "latest" or "v1.x"', id="create malformed version"),
    ],
)
def test_validate_namespace_label_errors(labels: dict[str, str], fragment: str) -> None:
    _, errors = policy_from_labels(labels, PRIVILEGED_POLICY)
    message = invalid_namespace_message("test", [str(e) for e in errors])
    assert fragment in message


# --- TestDefaultExtractPodSpec / TestDefaultHasPodSpec -------------------------------

META = {"name": "foo-pod"}
SPEC = {"containers": [{"name": "foo-container"}]}
TEMPLATE = {"metadata": META, "spec": SPEC}
WORKLOADS = [
    {"apiVersion": "v1", "kind": "Pod", "metadata": META, "spec": SPEC},
    {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "foo-template"}, "template": TEMPLATE},
    {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "foo-rc"},
     "spec": {"template": TEMPLATE}},
    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "foo-rs"}, "spec": {"template": TEMPLATE}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "foo-deployment"},
     "spec": {"template": TEMPLATE}},
    {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "foo-ss"}, "spec": {"template": TEMPLATE}},
    {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "foo-ds"}, "spec": {"template": TEMPLATE}},
    {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "foo-job"}, "spec": {"template": TEMPLATE}},
    {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "foo-cronjob"},
     "spec": {"jobTemplate": {"spec": {"template": TEMPLATE}}}},
]


@pytest.mark.parametrize("obj", [pytest.param(o, id=o["kind"]) for o in WORKLOADS])
def test_default_extract_pod_spec(obj: dict[str, Any]) -> None:
    assert carries_pod_spec(obj["kind"], obj["apiVersion"])
    template = pod_template(obj)
    assert template is not None
    assert template.metadata == META
    assert template.spec == SPEC


def test_extract_pod_spec_skips() -> None:
    assert pod_template({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "foo-svc"}}) is None
    # A ReplicationController without a template is skipped.
    assert pod_template({"apiVersion": "v1", "kind": "ReplicationController", "spec": {}}) is None


@pytest.mark.parametrize(
    ("kind", "api_version", "expected"),
    [
        ("Pod", "v1", True),
        ("ReplicationController", "v1", True),
        ("PodTemplate", "v1", True),
        ("ReplicaSet", "apps/v1", True),
        ("Deployment", "apps/v1", True),
        ("StatefulSet", "apps/v1", True),
        ("DaemonSet", "apps/v1", True),
        ("Job", "batch/v1", True),
        ("CronJob", "batch/v1", True),
        ("Service", "v1", False),
        ("AdmissionReview", "admission.k8s.io/v1", False),
        ("Foobar", "apps/v1", False),
    ],
)
def test_default_has_pod_spec(kind: str, api_version: str, expected: bool) -> None:
    assert carries_pod_spec(kind, api_version) is expected


# --- admission_config: TestLoadFromData ---------------------------------------------------


def defaults_policy(enforce: str = "privileged:latest", audit: str = "privileged:latest",
                    warn: str = "privileged:latest") -> Policy:
    return Policy(*(LevelVersion.parse(*text.split(":")) for text in (enforce, audit, warn)))


def test_no_configuration_is_privileged_latest() -> None:
    assert DEFAULT_CONFIG.defaults == defaults_policy()
    assert DEFAULT_CONFIG.defaults == PRIVILEGED_POLICY
    assert not (DEFAULT_CONFIG.exempt_usernames or DEFAULT_CONFIG.exempt_namespaces
                or DEFAULT_CONFIG.exempt_runtime_classes)


@pytest.mark.parametrize("version", ["v1alpha1", "v1beta1", "v1"])
def test_load_json(version: str) -> None:
    config = pod_security_config({
        "apiVersion": f"pod-security.admission.config.k8s.io/{version}",
        "kind": "PodSecurityConfiguration",
        "defaults": {"enforce": "baseline"},
    })
    assert config.defaults == defaults_policy(enforce="baseline:latest")
    assert not (config.exempt_usernames or config.exempt_namespaces or config.exempt_runtime_classes)


@pytest.mark.parametrize("version", ["v1alpha1", "v1beta1", "v1"])
def test_load_yaml(version: str) -> None:
    doc = yaml.safe_load(f"""
apiVersion: pod-security.admission.config.k8s.io/{version}
kind: PodSecurityConfiguration
defaults:
  enforce: baseline
  enforce-version: v1.7
exemptions:
  usernames: ["alice","bob"]
  namespaces: ["kube-system"]
  runtimeClasses: ["special"]
""")
    config = pod_security_config(doc)
    assert config.defaults == defaults_policy(enforce="baseline:v1.7")
    assert config.exempt_usernames == {"alice", "bob"}
    assert config.exempt_namespaces == {"kube-system"}
    assert config.exempt_runtime_classes == {"special"}


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        pytest.param({"kind": "PodSecurityConfiguration"}, "'apiVersion' is missing", id="missing apiVersion"),
        pytest.param({"apiVersion": "pod-security.admission.config.k8s.io/v1alpha1"}, "'Kind' is missing",
                     id="missing kind"),
        pytest.param({"apiVersion": "apps/v1alpha1", "kind": "PodSecurityConfiguration"}, "apps/v1alpha1",
                     id="unknown group"),
        pytest.param({"apiVersion": "pod-security.admission.config.k8s.io/v99", "kind": "PodSecurityConfiguration"},
                     "pod-security.admission.config.k8s.io/v99", id="unknown version"),
        pytest.param({"apiVersion": "pod-security.admission.config.k8s.io/v1alpha1", "kind": "SomeConfiguration"},
                     "SomeConfiguration", id="unknown kind"),
        pytest.param({"apiVersion": "pod-security.admission.config.k8s.io/v1alpha1",
                      "kind": "PodSecurityConfiguration", "deflaults": {"enforce": "baseline"}},
                     'unknown field "deflaults"', id="unknown field"),
    ],
)
def test_load_errors(doc: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        pod_security_config(doc)
    assert fragment in str(err.value)


V1 = {"apiVersion": "pod-security.admission.config.k8s.io/v1", "kind": "PodSecurityConfiguration"}


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param({**V1, "defaults": {"enforce": "baseline", "enforce-verison": "v1.1"}}, id="defaults"),
        pytest.param({**V1, "exemptions": {"usernames": ["a"], "namespace": ["b"]}}, id="exemptions"),
    ],
)
def test_unknown_nested_fields_rejected(doc: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="unknown field"):
        pod_security_config(doc)


def test_missing_defaults_are_privileged_latest() -> None:
    config = pod_security_config({**V1, "defaults": {"warn": "restricted", "audit-version": "v1.25"}})
    assert config.defaults == defaults_policy(audit="privileged:v1.25", warn="restricted:latest")
    assert pod_security_config(dict(V1)).defaults == PRIVILEGED_POLICY


def test_empty_defaults_are_defaulted_like_missing_ones() -> None:
    # v1 SetDefaults_PodSecurityDefaults fills every empty string (omitempty fields).
    config = pod_security_config({**V1, "defaults": {
        "enforce": "", "enforce-version": "", "audit": "", "audit-version": "", "warn": "", "warn-version": "",
    }})
    assert config.defaults == PRIVILEGED_POLICY


# --- admission_config: validation_test.go -----------------------------------------------

TOO_LONG = "testtesttesttesttesttesttesttesttesttesttesttesttesttesttesttest"  # 64 characters


@pytest.mark.parametrize(
    ("exemptions", "prefix"),
    [
        pytest.param({"namespaces": [""]}, 'exemptions.namespaces[0]: Invalid value: "": ', id="namespace empty"),
        pytest.param({"namespaces": ["_&$%#"]}, 'exemptions.namespaces[0]: Invalid value: "_&$%#": ',
                     id="namespace chars"),
        pytest.param({"namespaces": ["TEST"]}, 'exemptions.namespaces[0]: Invalid value: "TEST": ',
                     id="namespace uppercase"),
        pytest.param({"namespaces": [TOO_LONG]}, f'exemptions.namespaces[0]: Invalid value: "{TOO_LONG}": ',
                     id="namespace longer than 63"),
        pytest.param({"namespaces": ["a.b"]}, 'exemptions.namespaces[0]: Invalid value: "a.b": ',
                     id="namespace with dot"),
        pytest.param({"namespaces": ["testing", "testing"]},
                     'exemptions.namespaces[1]: Duplicate value: "testing"', id="namespace duplicate"),
        pytest.param({"runtimeClasses": [""]}, 'exemptions.runtimeClasses[0]: Invalid value: "": ',
                     id="runtimeClass empty"),
        pytest.param({"runtimeClasses": ["_&$%#"]}, 'exemptions.runtimeClasses[0]: Invalid value: "_&$%#": ',
                     id="runtimeClass chars"),
        pytest.param({"runtimeClasses": ["TEST"]}, 'exemptions.runtimeClasses[0]: Invalid value: "TEST": ',
                     id="runtimeClass uppercase"),
        pytest.param({"runtimeClasses": ["a" * 254]}, f'exemptions.runtimeClasses[0]: Invalid value: "{"a" * 254}": ',
                     id="runtimeClass longer than 253"),
        pytest.param({"runtimeClasses": ["testing", "testing"]},
                     'exemptions.runtimeClasses[1]: Duplicate value: "testing"', id="runtimeClass duplicate"),
        pytest.param({"usernames": [""]},
                     'exemptions.usernames[0]: Invalid value: "": username must not be empty', id="username empty"),
        pytest.param({"usernames": ["testing", "testing"]},
                     'exemptions.usernames[1]: Duplicate value: "testing"', id="username duplicate"),
    ],
)
def test_invalid_exemptions(exemptions: dict[str, list[str]], prefix: str) -> None:
    with pytest.raises(ConfigError) as err:
        pod_security_config({**V1, "exemptions": exemptions})
    assert str(err.value).startswith(prefix)


def test_valid_exemptions() -> None:
    config = pod_security_config({**V1, "exemptions": {
        "namespaces": ["testing", "a" * 63, "kube-system"],
        "runtimeClasses": ["testing", "a.b-c", "a" * 253],
        "usernames": ["testing", "system:serviceaccount:kube-system:replicaset-controller", "ALICE"],
    }})
    assert "a" * 63 in config.exempt_namespaces
    assert "a.b-c" in config.exempt_runtime_classes
    assert "ALICE" in config.exempt_usernames


@pytest.mark.parametrize(
    ("field", "value", "detail"),
    [
        ("enforce", "baslein", "must be one of privileged, baseline, restricted"),
        ("enforce-version", "v.122", 'must be "latest" or "v1.x"'),
        ("audit", "lorum", "must be one of privileged, baseline, restricted"),
        ("audit-version", "ipsum", 'must be "latest" or "v1.x"'),
        ("warn", "Restricted", "must be one of privileged, baseline, restricted"),
        ("warn-version", "v1.05", 'must be "latest" or "v1.x"'),
        ("warn-version", 'v1."0', 'must be "latest" or "v1.x"'),
    ],
)
def test_invalid_defaults(field: str, value: str, detail: str) -> None:
    with pytest.raises(ConfigError) as err:
        pod_security_config({**V1, "defaults": {field: value}})
    assert str(err.value) == f"defaults.{field}: Invalid value: {go_quote(value)}: {detail}"


# --- AdmissionConfiguration wrapper -----------------------------------------------------

INNER = {**V1, "defaults": {"enforce": "baseline"}}


@pytest.mark.parametrize(
    "api_version", ["apiserver.config.k8s.io/v1", "apiserver.config.k8s.io/v1alpha1", "apiserver.k8s.io/v1alpha1"]
)
def test_plugin_inline_configuration(api_version: str) -> None:
    doc = {"apiVersion": api_version, "kind": "AdmissionConfiguration", "plugins": [
        {"name": "EventRateLimit", "path": "erl.yaml"},
        {"name": "PodSecurity", "configuration": INNER},
    ]}
    assert pod_security_plugin(doc) == INNER
    assert pod_security_config(pod_security_plugin(doc)).defaults == defaults_policy(enforce="baseline:latest")


def test_plugin_path_and_absence() -> None:
    base = {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration"}
    assert pod_security_plugin({**base, "plugins": [{"name": "PodSecurity", "path": "/etc/psa.yaml"}]}) == (
        "/etc/psa.yaml")
    assert pod_security_plugin({**base, "plugins": [{"name": "Other", "path": "x"}]}) is None
    assert pod_security_plugin(base) is None


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration",
                      "plugins": [{"name": "PodSecurity", "configuration": INNER, "extra": 1}]},
                     id="unknown plugin field"),
        pytest.param({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration",
                      "plugin": []}, id="unknown top-level field"),
        pytest.param({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "PodSecurityConfiguration"},
                     id="wrong kind"),
        pytest.param({"apiVersion": "v1", "kind": "AdmissionConfiguration"}, id="wrong apiVersion"),
        pytest.param({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration",
                      "plugins": [{"name": "PodSecurity"}]}, id="neither configuration nor path"),
    ],
)
def test_plugin_errors(doc: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        pod_security_plugin(doc)


def test_exempt_objects_are_not_evaluated() -> None:
    config = pod_security_config({**V1, "defaults": {"enforce": "restricted"},
                                  "exemptions": {"namespaces": ["kube-system"]}})
    template = default_template(pod_template(PRIVILEGED_POD), is_pod=True)  # type: ignore[arg-type]
    admission = admit(template, is_pod=True, namespace="kube-system", policy=config.defaults,
                      config=config, evaluator=EVALUATOR)
    assert admission.exempt == "namespace"
    assert admission.object_allowed and admission.pods_allowed
    assert admission.audit_annotations == {PSA + "exempt": "namespace"}
    other = admit(template, is_pod=True, namespace="default", policy=config.defaults,
                  config=config, evaluator=EVALUATOR)
    assert not other.object_allowed

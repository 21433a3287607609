"""A Pod Security level, minus chosen checks, as a ValidatingAdmissionPolicy and bindings.

    docs = export(Export(LevelVersion.parse("restricted", "v1.30"), skipped=frozenset({"runAsUser"})))

The policy judges what Pod Security Admission judges: Pods on CREATE and
UPDATE (updates only when PSA would look at them), and with `templates` the
pod templates of workloads, which a second binding only warns or audits
about, as PSA never enforces on templates. The API server applies its
defaulting before validating admission, so the policy sees the same object
PSA sees and needs no defaulting of its own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from ..pss import Level, LevelVersion, NEWEST_MINOR
from .cel import ANNOTATIONS, CONTAINERS, SPEC, literal
from .rule import Rule
from .rules import checks_in_force, rules_for

API_VERSION = "admissionregistration.k8s.io/v1"
PREFIX = "podsec.kubectl.io/"
LEVEL, VERSION, POLICY_VERSION, SKIP = (PREFIX + k for k in ("level", "version", "policy-version", "skip"))
CHECKS, TEMPLATES, LIMITS = (PREFIX + k for k in ("checks", "templates", "limits"))

# What PSA's plugin judges besides Pods (admission/admission.go, pss.md §5.1).
WORKLOADS = (
    ("", ("podtemplates", "replicationcontrollers")),
    ("apps", ("replicasets", "deployments", "statefulsets", "daemonsets")),
    ("batch", ("jobs", "cronjobs")),
)
# Every pod subresource PSA evaluates that can change the spec (the rest it ignores,
# and `resize` never changes an image, so PSA never evaluates it either).
POD_RESOURCES = ("pods", "pods/ephemeralcontainers")

LIMITS_TEXT = (
    "Each failing check is its own validation: a denial shows the first one only (the engine's "
    "first reason), warnings and audit show each. Annotation values in seccomp and AppArmor "
    "messages are quoted with CEL strings.quote, which differs from Go %q for control and "
    "non-printable characters. PSA exemptions (users, namespaces, runtime classes) are not "
    "modelled. Needs Kubernetes 1.35 or newer (CEL lists library v3)."
)


class Action(enum.Enum):
    DENY = "Deny"
    WARN = "Warn"
    AUDIT = "Audit"


class ExportError(ValueError):
    """A request the API server would refuse, or the engine cannot honour."""


@dataclass(frozen=True)
class Export:
    level_version: LevelVersion
    skipped: frozenset[str] = frozenset()
    namespace_selector: dict[str, Any] | None = None
    object_selector: dict[str, Any] | None = None
    actions: tuple[Action, ...] = (Action.DENY,)
    name: str | None = None
    templates: bool = False
    resolved_minor: int = field(default=NEWEST_MINOR)

    @property
    def minor(self) -> int:
        """The policy version applied: `latest` is the newest the engine knows."""
        version = self.level_version.version.minor
        return self.resolved_minor if version is None else min(version, self.resolved_minor)

    @property
    def policy_name(self) -> str:
        if self.name:
            return self.name
        lv = self.level_version
        return f"pod-security-{lv.level}-{lv.version}" + ("-custom" if self.skipped else "")


def validate(request: Export) -> None:
    """The errors an export cannot proceed with: one message each."""
    level = request.level_version.level
    if level is Level.PRIVILEGED:
        raise ExportError("the privileged level allows every pod: it needs no policy")
    in_force = checks_in_force(level, request.minor)
    unknown = sorted(request.skipped - set(in_force))
    if unknown:
        raise ExportError(
            f"--skip: not a check of {level}:v1.{request.minor}: {', '.join(unknown)}; "
            f"valid: {', '.join(in_force)}")
    actions = [a.value for a in request.actions]
    if not actions or len(set(actions)) != len(actions):
        raise ExportError("give each of Deny, Warn, Audit at most once, and at least one")
    if Action.DENY in request.actions and Action.WARN in request.actions:
        raise ExportError("Deny and Warn cannot be combined in one binding (the API server refuses it)")


def export(request: Export) -> list[dict[str, Any]]:
    """The policy, then its binding(s), as plain dicts."""
    validate(request)
    rules = rules_for(request.level_version.level, request.minor, request.skipped)
    docs = [_policy(request, rules), _binding(request, request.policy_name, request.actions, POD_RESOURCES)]
    if request.templates:
        # PSA only warns and audits about templates: Deny becomes Warn there.
        actions = tuple(dict.fromkeys(Action.WARN if a is Action.DENY else a for a in request.actions))
        docs.append(_binding(request, f"{request.policy_name}-templates", actions, None))
    return docs


def _annotations(request: Export) -> dict[str, str]:
    lv = request.level_version
    return {
        LEVEL: lv.level.value,
        VERSION: str(lv.version),
        POLICY_VERSION: f"v1.{request.minor}",
        SKIP: ",".join(sorted(request.skipped)),
        CHECKS: ",".join(c for c in checks_in_force(lv.level, request.minor) if c not in request.skipped),
        TEMPLATES: "true" if request.templates else "false",
        LIMITS: LIMITS_TEXT,
    }


def _resource_rules(pods: bool, templates: bool) -> list[dict[str, Any]]:
    rules = []
    operations = ("CREATE", "UPDATE")
    if pods:
        rules.append({"apiGroups": [""], "apiVersions": ["v1"], "operations": list(operations),
                      "resources": list(POD_RESOURCES)})
    if templates:
        rules += [{"apiGroups": [group], "apiVersions": ["v1"], "operations": list(operations),
                   "resources": list(resources)} for group, resources in WORKLOADS]
    return rules


def _policy(request: Export, rules: tuple[Rule, ...]) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": request.policy_name, "annotations": _annotations(request)},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {"resourceRules": _resource_rules(True, request.templates)},
            "matchConditions": _match_conditions(request.templates),
            "variables": _shared_variables(request.templates)
            + [{"name": n, "expression": e} for rule in rules for n, e in rule.variables],
            "validations": [
                {"expression": rule.expression, "messageExpression": rule.message_expression,
                 "message": rule.reason, "reason": "Forbidden"}
                for rule in rules
            ],
        },
    }


def _binding(request: Export, name: str, actions: tuple[Action, ...],
             resources: tuple[str, ...] | None) -> dict[str, Any]:
    match: dict[str, Any] = {}
    if request.namespace_selector is not None:
        match["namespaceSelector"] = request.namespace_selector
    if request.object_selector is not None:
        match["objectSelector"] = request.object_selector
    if request.templates:
        pods = resources is not None
        match["resourceRules"] = _resource_rules(pods, not pods)
    spec: dict[str, Any] = {"policyName": request.policy_name,
                            "validationActions": [a.value for a in actions]}
    if match:
        spec["matchResources"] = match
    return {"apiVersion": API_VERSION, "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": name}, "spec": spec}


def _by_resource(pod: str, podtemplate: str, cronjob: str, other: str) -> str:
    resource = "request.resource.resource"
    return (f"{resource} == 'pods' ? {pod} : {resource} == 'podtemplates' ? {podtemplate} : "
            f"{resource} == 'cronjobs' ? {cronjob} : {other}")


def _shared_variables(templates: bool) -> list[dict[str, str]]:
    # dyn(): each expression is type-checked against every matched kind's schema.
    if templates:
        spec = _by_resource("dyn(object).spec", "dyn(object).template.spec",
                            "dyn(object).spec.jobTemplate.spec.template.spec",
                            "dyn(object).spec.template.spec")
        meta = _by_resource("dyn(object).metadata", "dyn(object).template.?metadata.orValue({})",
                            "dyn(object).spec.jobTemplate.spec.template.?metadata.orValue({})",
                            "dyn(object).spec.template.?metadata.orValue({})")
    else:
        spec, meta = "object.spec", "object.metadata"
    lists = " + ".join(f"{SPEC}.?{key}.orValue([])" for key in ("initContainers", "containers", "ephemeralContainers"))
    return [
        {"name": "podSpec", "expression": spec},
        {"name": "podMetadata", "expression": meta},
        {"name": ANNOTATIONS.removeprefix("variables."), "expression": "variables.podMetadata.?annotations.orValue({})"},
        {"name": CONTAINERS.removeprefix("variables."), "expression": lists},
    ]


def _images(obj: str, key: str) -> str:
    return f"{obj}.spec.?{key}.orValue([]).map(c, c.?image.orValue(''))"


def _match_conditions(templates: bool) -> list[dict[str, str]]:
    """PSA evaluates a pod UPDATE only when it changes the containers' images or
    their number, or adds or changes an ephemeral container (isSignificantPodUpdate)."""
    old_ephemeral = "oldObject.spec.?ephemeralContainers.orValue([])"
    changed_ephemeral = (
        f"object.spec.?ephemeralContainers.orValue([]).exists(e, !{old_ephemeral}.exists(o, o.name == e.name) || "
        f"{old_ephemeral}.filter(o, o.name == e.name)[0].?image.orValue('') != e.?image.orValue(''))"
    )
    significant = " || ".join(
        [f"{_images('object', k)} != {_images('oldObject', k)}" for k in ("containers", "initContainers")]
        + [changed_ephemeral])
    conditions = [{
        "name": "pod-change-psa-evaluates",
        "expression": f"request.operation != 'UPDATE' || request.resource.resource != 'pods' || {significant}",
    }]
    if templates:
        # A ReplicationController without a template has no pods to judge (PSA skips it).
        conditions.append({
            "name": "has-pod-template",
            "expression": f"request.resource.resource != {literal('replicationcontrollers')} || "
                          "has(dyn(object).spec.template)",
        })
    return conditions

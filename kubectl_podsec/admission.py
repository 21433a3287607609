"""Pod Security Admission semantics (pure): namespace labels and cluster
configuration to a policy per mode, exemptions, the API server's defaulting
before admission, and the verdicts and texts the controller produces."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .admission_config import DEFAULT_CONFIG, PodSecurityConfig
from .labels import MODES, Policy
from .pss import Evaluation, Evaluator, LevelVersion, pod_metadata, pod_spec
from .workloads import PodTemplate

# --- defaulting the API server applies before admission (specs/pss.md §5.5) ---

_APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def _default_volumes(spec: dict[str, Any]) -> None:
    for volume in spec.get("volumes") or ():
        if isinstance(volume, dict) and all(v is None for k, v in volume.items() if k != "name"):
            volume["emptyDir"] = {}


def _default_host_network_ports(spec: dict[str, Any]) -> None:
    for key in ("containers", "initContainers"):
        for container in spec.get(key) or ():
            for port in (container.get("ports") if isinstance(container, dict) else None) or ():
                if isinstance(port, dict) and not port.get("hostPort"):
                    if port.get("containerPort") is not None:
                        port["hostPort"] = port["containerPort"]


def _apparmor_field(annotation: str) -> dict[str, str] | None:
    if annotation == "unconfined":
        return {"type": "Unconfined"}
    if annotation == "runtime/default":
        return {"type": "RuntimeDefault"}
    if annotation.startswith("localhost/"):
        profile = annotation[len("localhost/"):]
        if profile and profile.strip() == profile:
            return {"type": "Localhost", "localhostProfile": profile}
    return None


def _sync_apparmor(meta: Mapping[str, Any], spec: dict[str, Any]) -> None:
    # Deprecated annotations become fields when the container sets none and the
    # result differs from the pod-level profile (pod strategy, server >= 1.30).
    if isinstance(spec.get("os"), dict) and spec["os"].get("name") == "windows":
        return
    annotations = meta.get("annotations") or {}
    pod_sc = spec.get("securityContext") or {}
    pod_profile = pod_sc.get("appArmorProfile") if isinstance(pod_sc, dict) else None
    for key in _CONTAINER_LISTS:
        for container in spec.get(key) or ():
            if not isinstance(container, dict):
                continue
            annotation = annotations.get(_APPARMOR_PREFIX + str(container.get("name") or ""))
            sc = container.get("securityContext")
            if not isinstance(annotation, str) or (isinstance(sc, dict) and sc.get("appArmorProfile")):
                continue
            field = _apparmor_field(annotation)
            if field is not None and field != pod_profile:
                container["securityContext"] = {**(sc or {}), "appArmorProfile": field}


def default_pod(pod: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a Pod object as admission would see it after the API server's
    decoding, defaulting and create strategy."""
    out = copy.deepcopy(dict(pod))
    spec, meta = out.get("spec"), out.get("metadata") or {}
    if isinstance(spec, dict):
        _default_volumes(spec)
        if spec.get("hostNetwork") is True:
            _default_host_network_ports(spec)
        if isinstance(meta, dict):
            _sync_apparmor(meta, spec)
    return out


def default_template(template: PodTemplate, is_pod: bool) -> PodTemplate:
    """The template after defaulting: Pods get the full pod defaulting,
    workload templates only the defaulting shared by every pod template."""
    if is_pod:
        pod = default_pod({"metadata": template.metadata, "spec": template.spec})
        return PodTemplate(pod.get("metadata") or {}, pod["spec"], template.path)
    spec = copy.deepcopy(dict(template.spec))
    _default_volumes(spec)
    return PodTemplate(template.metadata, spec, template.path)


# --- verdicts and the controller's texts ---------------------------------------


@dataclass(frozen=True)
class ModeEvaluation:
    mode: str  # enforce | audit | warn | level
    evaluation: Evaluation
    applies_to_object: bool

    @property
    def allowed(self) -> bool:
        return self.evaluation.allowed

    @property
    def message(self) -> str | None:
        """The controller's text: the denial after `pods "NAME" is forbidden: `
        for enforce (and --level), the warning or audit annotation otherwise."""
        if self.evaluation.allowed:
            return None
        prefix = "would violate" if self.mode in ("audit", "warn") else "violates"
        lv, detail = self.evaluation.level_version, self.evaluation.forbidden_detail
        return f'{prefix} PodSecurity "{lv}": {detail}'


@dataclass(frozen=True)
class Admission:
    """What Pod Security Admission does with one object (pss.md §3, §5)."""

    is_pod: bool
    evaluations: tuple[ModeEvaluation, ...]
    exempt: str | None = None  # namespace | user | runtimeClass

    def _mode(self, mode: str) -> ModeEvaluation | None:
        return next((e for e in self.evaluations if e.mode == mode), None)

    @property
    def pods_allowed(self) -> bool:
        """Whether the pods (the Pod itself, or those a workload creates) pass
        enforce (or the single --level)."""
        return all(e.allowed for e in self.evaluations if e.mode in ("enforce", "level"))

    @property
    def object_allowed(self) -> bool:
        return self.pods_allowed if self.is_pod else True

    @property
    def warnings(self) -> tuple[str, ...]:
        """The Warning headers the server would return (none on a denial)."""
        warn = self._mode("warn")
        if not self.object_allowed or warn is None or warn.message is None:
            return ()
        return (warn.message,)

    @property
    def audit_annotations(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.exempt:
            return {"pod-security.kubernetes.io/exempt": self.exempt}
        enforce = self._mode("enforce")
        if self.is_pod and enforce is not None:
            fully_privileged = all(e.evaluation.level_version.level.value == "privileged"
                                   for e in self.evaluations)
            policy = "privileged:latest" if fully_privileged else str(enforce.evaluation.level_version)
            out["pod-security.kubernetes.io/enforce-policy"] = policy
        audit = self._mode("audit")
        if audit is not None and audit.message is not None:
            out["pod-security.kubernetes.io/audit-violations"] = audit.message
        return out


def _evaluate_modes(
    policy: Policy, template: PodTemplate, is_pod: bool, evaluator: Evaluator
) -> tuple[ModeEvaluation, ...]:
    meta = pod_metadata(template.metadata, f"{template.path + '.' if template.path else ''}metadata")
    spec = pod_spec(template.spec, f"{template.path + '.' if template.path else ''}spec")
    done: dict[LevelVersion, Evaluation] = {}
    out = []
    for mode in MODES:
        lv = policy.for_mode(mode)
        if lv not in done:  # audit and warn reuse an equal level:version's result
            done[lv] = evaluator.evaluate_pod(lv, meta, spec)
        out.append(ModeEvaluation(mode, done[lv], is_pod or mode != "enforce"))
    return tuple(out)


def admit(
    template: PodTemplate,
    *,
    is_pod: bool,
    namespace: str,
    policy: Policy,
    config: PodSecurityConfig = DEFAULT_CONFIG,
    username: str | None = None,
    evaluator: Evaluator,
) -> Admission:
    """Evaluate one object's pod template as the controller would; `template`
    must already be defaulted (default_template)."""
    exempt = config.exemption(namespace, username, template.spec.get("runtimeClassName"))
    if exempt is None:
        return Admission(is_pod, _evaluate_modes(policy, template, is_pod, evaluator))
    # An exempt object is not evaluated at all: report what would have applied.
    skipped = tuple(
        ModeEvaluation(mode, Evaluation(lv, evaluator.resolve(lv.version), ()), False)
        for mode, lv in ((m, policy.for_mode(m)) for m in MODES)
    )
    return Admission(is_pod, skipped, exempt)


def check_level(
    template: PodTemplate, lv: LevelVersion, evaluator: Evaluator
) -> Admission:
    """Evaluate against one Pod Security Standard only (`--level`)."""
    meta = pod_metadata(template.metadata, f"{template.path + '.' if template.path else ''}metadata")
    spec = pod_spec(template.spec, f"{template.path + '.' if template.path else ''}spec")
    evaluation = evaluator.evaluate_pod(lv, meta, spec)
    return Admission(True, (ModeEvaluation("level", evaluation, True),))


def invalid_namespace_message(name: str, errors: list[str]) -> str:
    """The 422 the API server returns for invalid pod-security labels."""
    body = errors[0] if len(errors) == 1 else "[" + ", ".join(dict.fromkeys(errors)) + "]"
    return f'Namespace "{name}" is invalid: {body}'


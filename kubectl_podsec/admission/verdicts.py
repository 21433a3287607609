"""Pod Security Admission semantics (pure): namespace labels and cluster
configuration to a policy per mode, exemptions, and the verdicts and texts the
controller produces. (The API server's defaulting before admission is in
defaulting.py; its entries are also importable from here, where callers have
always found them.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from .config import DEFAULT_CONFIG, PodSecurityConfig
from .defaulting import default_pod as default_pod
from .defaulting import default_template as default_template
from .labels import MODES, Mode, Policy
from ..pss import Evaluation, Evaluator, LevelVersion, PodMetadata, PodSpec, pod_metadata, pod_spec
from .warnings import server_warnings
from .workloads import PodTemplate

class ModeEvaluation(NamedTuple):
    """One mode's verdict; `evaluation` is None, and `unknown` says why, when
    the mode's policy cannot be known."""

    mode: Mode
    evaluation: Evaluation | None
    applies_to_object: bool
    mutated: bool = False  # of the pod as a mutating plugin (PodSecurityPolicy) left it
    unknown: str | None = None

    @property
    def allowed(self) -> bool | None:
        """Whether it passes; None when unknown."""
        return None if self.evaluation is None else self.evaluation.allowed

    @property
    def message(self) -> str | None:
        """The controller's text: the denial after `pods "NAME" is forbidden: `
        for enforce (and --level), the warning or audit annotation otherwise."""
        if self.evaluation is None or self.evaluation.allowed:
            return None
        prefix = "would violate" if self.mode in ("audit", "warn") else "violates"
        lv, detail = self.evaluation.level_version, self.evaluation.forbidden_detail
        return f'{prefix} PodSecurity "{lv}": {detail}'


class Admission(NamedTuple):
    """What Pod Security Admission does with one object (pss.md §3, §5)."""

    is_pod: bool
    evaluations: tuple[ModeEvaluation, ...]
    exempt: str | None = None  # of the pods (namespace | user | runtimeClass): enforce not evaluated
    label_errors: tuple[str, ...] = ()  # invalid namespace labels (the fallback applied)
    # Of the object's own request. A workload's pods are created by its controller, so the
    # two can differ by user name: warn and audit (the object's) follow this one.
    object_exempt: str | None = None

    def _mode(self, mode: str) -> ModeEvaluation | None:
        for e in self.evaluations:
            if e.mode == mode:
                return e
        return None

    @property
    def unknown(self) -> tuple[ModeEvaluation, ...]:
        """The modes whose policy cannot be known."""
        return tuple(e for e in self.evaluations if e.evaluation is None)

    @property
    def pods_allowed(self) -> bool | None:
        """Whether the pods (the Pod itself, or those a workload creates) pass
        enforce (or the single --level); None when enforce is unknown."""
        allowed: bool | None = True
        for e in self.evaluations:
            if e.mode == "enforce" or e.mode == "level":
                if e.evaluation is None:
                    allowed = None
                elif e.evaluation.violations:
                    return False
        return allowed

    @property
    def object_allowed(self) -> bool | None:
        return self.pods_allowed if self.is_pod else True

    @property
    def warning_texts(self) -> tuple[str, ...] | None:
        """Pod Security's warnings for the object (none on a denial), before the
        server's recorder cuts them; None when warn is unknown."""
        warn = self._mode("warn")
        if warn is None or self.object_allowed is False:
            return ()
        if self.object_allowed is None or warn.evaluation is None:
            return None
        return () if warn.message is None else (warn.message,)

    @property
    def warnings(self) -> tuple[str, ...]:
        """The Warning headers the server would return, as its recorder cuts
        them (server_warnings); none where unknown."""
        return server_warnings(self.warning_texts or ())

    @property
    def audit_annotations(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.object_exempt:
            return {"pod-security.kubernetes.io/exempt": self.object_exempt}
        if self.label_errors:
            errors = self.label_errors
            text = errors[0] if len(errors) == 1 else "[" + ", ".join(dict.fromkeys(errors)) + "]"
            out["pod-security.kubernetes.io/error"] = f"Failed to parse policy: {text}"
        enforce = self._mode("enforce")
        if self.is_pod and enforce is not None and enforce.evaluation is not None:
            # A fully privileged policy short-circuits, whatever its versions,
            # unless the labels had errors.
            fully_privileged = not self.label_errors and all(
                e.evaluation is not None and e.evaluation.level_version.level.value == "privileged"
                for e in self.evaluations)
            policy = "privileged:latest" if fully_privileged else str(enforce.evaluation.level_version)
            out["pod-security.kubernetes.io/enforce-policy"] = policy
        audit = self._mode("audit")
        if audit is not None and audit.message is not None:
            out["pod-security.kubernetes.io/audit-violations"] = audit.message
        return out


_FIELD_PATHS: dict[str, tuple[str, str]] = {}  # template path -> (metadata path, spec path)


def _fields(template: PodTemplate) -> tuple[PodMetadata, PodSpec]:
    """The template's metadata and spec, checked, for the evaluator."""
    paths = _FIELD_PATHS.get(template.path)
    if paths is None:  # a handful of paths: one per workload kind
        where = f"{template.path + '.' if template.path else ''}"
        paths = _FIELD_PATHS[template.path] = (f"{where}metadata", f"{where}spec")
    return pod_metadata(template.metadata, paths[0]), pod_spec(template.spec, paths[1])


# Each mode with its place in a Policy and whether it is enforce, so the loop below does no enum
# lookups (a Mode's hash, comparisons and `.value` run Python code).
_MODE_SLOTS = tuple((mode, i, mode is Mode.ENFORCE) for i, mode in enumerate(MODES))


def _evaluate_modes(policy: Policy, template: PodTemplate, is_pod: bool, evaluator: Evaluator,
                    mutated: PodTemplate | None, created: PodTemplate | None,
                    unknown: Mapping[Mode, str]) -> tuple[ModeEvaluation, ...]:
    pods = mutated if mutated is not None else created
    fields = _fields(template)
    pod_fields = fields if pods is None else _fields(pods)
    if (pods is not None and mutated is None and pod_fields[1] == fields[1]
            and pod_fields[0].annotations == fields[0].annotations):
        pods = None  # a controller's pod that reads as its template (the checks read no name)
    done: list[tuple[LevelVersion, bool, Evaluation]] = []
    out = []
    for mode, slot, enforce in _MODE_SLOTS:
        applies = is_pod or not enforce
        if unknown and mode in unknown:
            out.append(ModeEvaluation(mode, None, applies, unknown=unknown[mode]))
            continue
        lv = policy[slot]
        of_pod = pods is not None and (is_pod or enforce)  # pods change, workloads do not
        evaluation = None
        for seen, pod, earlier in done:  # audit and warn reuse an equal level:version's result
            if pod is of_pod and seen == lv:
                evaluation = earlier
                break
        if evaluation is None:
            evaluation = evaluator.evaluate_pod(lv, *(pod_fields if of_pod else fields))
            done.append((lv, of_pod, evaluation))
        out.append(ModeEvaluation(mode, evaluation, applies, of_pod and mutated is not None))
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
    label_errors: tuple[str, ...] = (),
    mutated: PodTemplate | None = None,
    created: PodTemplate | None = None,
    unknown: Mapping[Mode, str] | None = None,
    pods_username: str | None = None,
) -> Admission:
    """Evaluate one object's pod template as the controller would; `template`
    must already be defaulted (default_template). `mutated` is the pod as the
    mutating admission phase (PodSecurityPolicy) left it, which the validating
    phase's Pod Security sees: it is evaluated instead of `template` for the
    pods (every mode of a Pod; enforce, which decides the pods, of a workload).
    `created` is a workload's pod as its controller creates it and the
    server's defaulting and create strategy leave it (controller_pods), where
    that differs from the template: evaluated likewise for enforce, without a
    mutating plugin to name. `username` makes the object's request,
    `pods_username` (a workload's controller; None: `username`) its pods', for
    exemptions. The modes in `unknown` (mode -> why) are not evaluated: their
    policy cannot be known."""
    unknown = unknown or {}
    runtime_class = template.spec.get("runtimeClassName")
    exempt = config.exemption(namespace, username, runtime_class)
    pods_exempt = (exempt if is_pod or pods_username is None
                   else config.exemption(namespace, pods_username, runtime_class))
    if exempt is None and pods_exempt is None:
        return Admission(is_pod, _evaluate_modes(policy, template, is_pod, evaluator, mutated, created,
                                                 unknown), label_errors=label_errors)
    skipped = _skipped(policy, evaluator, unknown)
    if exempt is not None and pods_exempt is not None:
        return Admission(is_pod, skipped, pods_exempt, object_exempt=exempt)
    # A workload whose requester alone is exempt (its warn and audit are not evaluated), or
    # whose pods' creator alone is (enforce is not).
    evaluated = _evaluate_modes(policy, template, is_pod, evaluator, mutated, created, unknown)
    exempt_modes = (Mode.ENFORCE,) if pods_exempt is not None else (Mode.AUDIT, Mode.WARN)
    chosen = tuple(s if s.mode in exempt_modes else e for e, s in zip(evaluated, skipped))
    return Admission(is_pod, chosen, pods_exempt, label_errors, exempt)


def _skipped(policy: Policy, evaluator: Evaluator, unknown: Mapping[Mode, str]) -> tuple[ModeEvaluation, ...]:
    """An exempt object is not evaluated at all: what would have applied."""
    return tuple(
        ModeEvaluation(mode, None, False, unknown=unknown[mode]) if mode in unknown else
        ModeEvaluation(mode, Evaluation(lv, evaluator.resolve(lv.version), ()), False)
        for mode, lv in ((m, policy.for_mode(m)) for m in MODES)
    )


def check_level(
    template: PodTemplate, lv: LevelVersion, evaluator: Evaluator, mutated: PodTemplate | None = None,
    created: PodTemplate | None = None,
) -> Admission:
    """Evaluate against one Pod Security Standard only (`--level`); `mutated`
    and `created` as for admit, evaluated instead."""
    pods = mutated if mutated is not None else created
    evaluation = evaluator.evaluate_pod(lv, *_fields(template if pods is None else pods))
    return Admission(True, (ModeEvaluation(Mode.LEVEL, evaluation, True, mutated is not None),))


def invalid_namespace_message(name: str, errors: list[str]) -> str:
    """The 422 the API server returns for invalid pod-security labels."""
    body = errors[0] if len(errors) == 1 else "[" + ", ".join(dict.fromkeys(errors)) + "]"
    return f'Namespace "{name}" is invalid: {body}'


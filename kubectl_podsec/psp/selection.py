"""Which policy admits a pod: upstream's computeSecurityContext, Admit and Validate.

Upstream: plugin/pkg/admission/security/podsecuritypolicy/admission.go (v1.24).  Every
policy is evaluated (upstream stops at the first that fits) so that each one can say why
it was or was not chosen; the choice itself is upstream's:

* candidates in name order (in the validating pass the policy named by the pod's
  ``kubernetes.io/psp`` annotation is tried first);
* the first authorised policy that accepts the pod unchanged wins at once;
* otherwise, when mutation is allowed (the create-time ``Admit`` pass), the first
  authorised policy that accepts the pod after mutating it;
* otherwise the pod is forbidden, listing the errors of the authorised policies only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..pss.text import go_quote
from .authorization import Authorizer, Subject, UseRequest, service_account_user
from .errors import PolicyDecodeError, bounded_recursion
from .evaluation import PolicyEvaluation, evaluate_checked
from .fielderrors import render_list
from .mutations import child
from .podshape import check_pod, plain_copy, spec_of
from .policy import PSP_ANNOTATION, PodSecurityPolicy, parse_policy
from .preparation import prepare_pod
from .results import Admission, Operation, PolicyVerdict
from .verdicts import outcome_of, passed_over

NO_PROVIDERS = "PodSecurityPolicy: no providers available to validate pod request"


@dataclass(frozen=True)
class _Phase:
    """One pass over the policies: ``Admit`` (mutation allowed) or ``Validate``."""

    mutation_allowed: bool
    chosen: str | None
    verdicts: tuple[PolicyVerdict, ...]
    evaluations: Mapping[str, PolicyEvaluation]
    errors: tuple[str, ...]


@bounded_recursion
def select_policy(pod: Mapping[str, Any], policies: Iterable[Mapping[str, Any] | PodSecurityPolicy],
                  authorizer: Authorizer, *, operation: Operation = Operation.CREATE,
                  namespace: str | None = None) -> Admission:
    """Run PSP admission on ``pod`` exactly as PSP receives it (see ``prepare_pod``).

    ``namespace`` is the request's namespace (default: the pod's, else "default").
    Raises ``PodDecodeError``/``PolicyDecodeError`` for malformed input; exceptions
    raised by ``authorizer`` propagate.
    """
    return _select(check_pod(pod), policies, authorizer, operation, namespace)


def _select(checked: Mapping[str, Any], policies: Iterable[Mapping[str, Any] | PodSecurityPolicy],
            authorizer: Authorizer, operation: Operation, namespace: str | None) -> Admission:
    """``select_policy`` on a pod already decoded (``check_pod``)."""
    psps = parse_policies(policies)
    namespace = namespace or (checked.get("metadata") or {}).get("namespace") or "default"
    grants = {p.name: _authorize(authorizer, p.name, namespace, checked) for p in psps}
    if operation is Operation.UPDATE:
        hint = ((checked.get("metadata") or {}).get("annotations") or {}).get(PSP_ANNOTATION)
        phase = _run_phase(checked, psps, grants, mutation_allowed=False, hint=hint or "")
        return _decide(operation, checked, phase, phase)
    admit = _run_phase(checked, psps, grants, mutation_allowed=True, hint="")
    if admit.chosen is None:
        return _decide(operation, checked, admit, admit)
    admitted = plain_copy(admit.evaluations[admit.chosen].pod)
    # set after the mutated/unchanged decision, so the annotation never counts as a mutation
    child(child(admitted, "metadata"), "annotations")[PSP_ANNOTATION] = admit.chosen
    validate = _run_phase(admitted, psps, grants, mutation_allowed=False, hint=admit.chosen)
    return _decide(operation, checked, admit, validate)


@bounded_recursion
def simulate(pod: Mapping[str, Any], policies: Iterable[Mapping[str, Any] | PodSecurityPolicy],
             authorizer: Authorizer, *, operation: Operation = Operation.CREATE,
             namespace: str | None = None, old_pod: Mapping[str, Any] | None = None,
             automount: bool | None = None) -> Admission:
    """``prepare_pod`` then ``select_policy``: PSP admission of a pod as written by a user.

    On UPDATE, pass the stored pod as ``old_pod`` to get upstream's shortcut: an update
    that only changes ``metadata.ownerReferences``/``finalizers`` is not checked at all.
    """
    prepared = prepare_pod(pod, operation, automount=automount)
    if operation is Operation.UPDATE and old_pod is not None:
        old = prepare_pod(old_pod, operation).pod
        if _without_gc_fields(prepared.pod) == _without_gc_fields(old):
            return Admission(operation, None, prepared.pod, (), (), preparation=prepared.changes,
                             ignored="the update changes only garbage-collection fields")
    admission = _select(prepared.pod, policies, authorizer, operation, namespace)  # prepare_pod checked it
    return replace(admission, preparation=prepared.changes)


def _without_gc_fields(pod: Any) -> Any:
    """The pod minus what IsOnlyMutatingGCFields ignores, with nulls and empties dropped."""
    def normal(value: Any) -> Any:
        if isinstance(value, dict):
            kept = {k: normal(v) for k, v in value.items()}
            return {k: v for k, v in kept.items() if v not in (None, [], {})}
        if isinstance(value, list):
            return [normal(v) for v in value]
        return value
    metadata = {k: v for k, v in (pod.get("metadata") or {}).items()
                if k not in ("ownerReferences", "finalizers", "selfLink", "managedFields")}
    return normal({**pod, "metadata": metadata})


def parse_policies(policies: Iterable[Mapping[str, Any] | PodSecurityPolicy]) -> list[PodSecurityPolicy]:
    """Decode every policy (parsed ones are taken as they are); names must be
    unique, as they are in a cluster."""
    if isinstance(policies, (str, bytes, Mapping)) or not isinstance(policies, Iterable):
        raise PolicyDecodeError("", "expected a list of PodSecurityPolicy objects")
    parsed = [p if isinstance(p, PodSecurityPolicy) else parse_policy(p) for p in policies]
    names = [p.name for p in parsed]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise PolicyDecodeError("metadata.name", f"two PodSecurityPolicies are named {duplicate}")
    return parsed


def _authorize(authorizer: Authorizer, policy: str, namespace: str,
               pod: Mapping[str, Any]) -> tuple[Subject, ...]:
    via = []
    account = spec_of(pod).get("serviceAccountName") or ""
    if account:  # no service account name, no service account identity
        user, groups = service_account_user(namespace, account)
        if authorizer(UseRequest(Subject.SERVICE_ACCOUNT, policy, namespace, user, groups)):
            via.append(Subject.SERVICE_ACCOUNT)
    if authorizer(UseRequest(Subject.USER, policy, namespace)):
        via.append(Subject.USER)
    return tuple(via)


def _run_phase(pod: Mapping[str, Any], psps: list[PodSecurityPolicy],
               grants: Mapping[str, tuple[Subject, ...]], *, mutation_allowed: bool,
               hint: str) -> _Phase:
    hinted = "" if mutation_allowed else hint
    order = sorted(psps, key=lambda p: (p.name != hinted, p.name))
    evaluations = {p.name: evaluate_checked(p, pod) for p in order}
    clean = mutating = None
    for name, evaluation in evaluations.items():
        if not evaluation.accepted or not grants[name]:
            continue
        if not evaluation.mutated:
            clean = name
            break
        if mutation_allowed and mutating is None:
            mutating = name
    chosen = clean or mutating
    verdicts = tuple(
        PolicyVerdict(name, grants[name], outcome_of(e, grants[name]), e.unusable or e.errors,
                      e.mutations, passed_over(e, grants[name], chosen, evaluations,
                                               mutation_allowed, hinted))
        for name, e in evaluations.items())
    errors = tuple(err for name in sorted(evaluations) if grants[name]
                   for err in evaluations[name].errors)
    return _Phase(mutation_allowed, chosen, verdicts, evaluations, errors)


def _decide(operation: Operation, pod: Mapping[str, Any], shown: _Phase,
            final: _Phase) -> Admission:
    """The Admission: ``shown`` is the pass whose verdicts explain the choice (``Admit`` on
    create), ``final`` the pass that must also accept the pod (``Validate``)."""
    if all(e.unusable for e in final.evaluations.values()):
        return _forbid(operation, pod, shown, NO_PROVIDERS)
    if shown.chosen is None:
        return _reject(operation, pod, shown, shown)
    if final.chosen is None:
        return _reject(operation, pod, shown, final)
    if operation is Operation.UPDATE:
        return Admission(operation, shown.chosen, plain_copy(pod), (), shown.verdicts,
                         validated_by=shown.chosen)
    admitted = final.evaluations[final.chosen].pod
    return Admission(operation, shown.chosen, plain_copy(admitted),
                     shown.evaluations[shown.chosen].mutations, shown.verdicts,
                     validated_by=final.chosen)


def _reject(operation: Operation, pod: Mapping[str, Any], shown: _Phase,
            failed: _Phase) -> Admission:
    verb = "admit" if failed.mutation_allowed else "validate"
    reason = f"PodSecurityPolicy: unable to {verb} pod: {render_list(failed.errors)}"
    return _forbid(operation, pod, shown, reason, failed.errors)


def _forbid(operation: Operation, pod: Mapping[str, Any], phase: _Phase, reason: str,
            errors: tuple[str, ...] = ()) -> Admission:
    return Admission(operation, None, plain_copy(pod), (), phase.verdicts, errors, reason,
                     f"pods {go_quote(_object_name(pod))} is forbidden: {reason}")


def _object_name(pod: Mapping[str, Any]) -> str:
    """admission.NewForbidden's name: the name, else generateName (names are generated
    after admission), else Unknown."""
    metadata = pod.get("metadata") or {}
    return str(metadata.get("name") or metadata.get("generateName") or "Unknown")

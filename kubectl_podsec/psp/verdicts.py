"""How each policy's verdict reads: its outcome and why it was passed over."""

from __future__ import annotations

from collections.abc import Mapping

from .authorization import Subject
from .evaluation import PolicyEvaluation
from .results import Outcome


def outcome_of(evaluation: PolicyEvaluation, via: tuple[Subject, ...]) -> Outcome:
    if evaluation.unusable:
        return Outcome.UNUSABLE
    if not via:
        return Outcome.NOT_AUTHORIZED
    if evaluation.errors:
        return Outcome.REJECTED
    return Outcome.ACCEPTED_AFTER_MUTATION if evaluation.mutated else Outcome.ACCEPTED


def passed_over(evaluation: PolicyEvaluation, via: tuple[Subject, ...], chosen: str | None,
                evaluations: Mapping[str, PolicyEvaluation], mutation_allowed: bool,
                hint: str) -> str | None:
    """Why admission did not use this policy; None for the chosen one."""
    if evaluation.policy == chosen:
        return None
    if evaluation.unusable:
        return "the policy is invalid, so admission skips it: " + "; ".join(evaluation.unusable)
    if not via:
        return "neither the requesting user nor the pod's service account may use it"
    if evaluation.errors:
        count = len(evaluation.errors)
        return f"it rejects the pod ({count} field error{'s' if count > 1 else ''})"
    if evaluation.mutated and not mutation_allowed:
        return "it would mutate the pod, which PSP does not allow on update"
    if chosen is None:  # cannot happen: an authorised, accepting policy is always chosen
        return None
    if evaluation.mutated and not evaluations[chosen].mutated:
        return f"it would mutate the pod while policy {chosen} accepts it unchanged"
    if chosen == hint:
        return f"policy {chosen}, named by the pod's kubernetes.io/psp annotation, is tried first"
    return f"earlier policy {chosen} was chosen"

"""A pure PodSecurityPolicy (policy/v1beta1) engine: the in-tree admission plugin, offline.

Behaviour follows Kubernetes v1.24 (the plugin was frozen from 1.21 and removed in 1.25):
pkg/security/podsecuritypolicy/ and plugin/pkg/admission/security/podsecuritypolicy/.
Inputs are plain dicts with the Kubernetes JSON keys (a pod, PSP objects, a pod template);
outputs are frozen dataclasses and enums.  Standard library only (plus the pure
``kubectl_podsec.pss`` for ``Level`` and Go's ``%q``); nothing here prints, exits, or
changes a caller's dict (results carry fresh copies).

Errors: malformed input raises ``PodDecodeError`` or ``PolicyDecodeError``, both
``PspInputError`` (a ``ValueError`` with ``.path`` and ``.problem``).  Nothing else is
raised, except whatever a caller-supplied ``authorizer`` raises.

``psp which`` — admission of one pod
    ``simulate(pod, policies, authorizer, *, operation=Operation.CREATE, namespace=None,
    old_pod=None, automount=None) -> Admission``
        What the API server does: ``prepare_pod`` (decoding, defaulting, the ServiceAccount
        plugin on create), then ``select_policy``.  ``Admission.preparation`` lists the
        changes made before PSP ran.
    ``select_policy(pod, policies, authorizer, *, operation, namespace) -> Admission``
        PSP alone, on a pod exactly as PSP receives it.  On CREATE: the mutating pass, the
        ``kubernetes.io/psp`` annotation, then the validating pass.  On UPDATE: the
        validating pass only (no mutation; the annotated policy is tried first).
    ``authorizer`` answers ``UseRequest(subject, policy, namespace, user, groups) -> bool``
    for ``Subject.SERVICE_ACCOUNT`` (asked first, only if the pod names one) and
    ``Subject.USER``; ``Grants(user=names, service_account=names)`` is a ready-made one
    (``"*"`` grants every policy).

    ``Admission``: ``allowed``, ``policy`` (chosen name or None), ``pod`` (admitted pod),
    ``mutations`` (``Mutation(path, old, new)``, in the order upstream writes them, e.g.
    ``spec.containers[0].securityContext.runAsUser``), ``verdicts`` (one ``PolicyVerdict``
    per policy in the order tried: ``name``, ``authorized``/``authorized_via``,
    ``outcome`` (``Outcome``: accepted | accepted-after-mutation | rejected |
    not-authorized | unusable), ``errors`` (exact ``field.Error`` strings), ``mutations``,
    ``passed_over`` (why not chosen, None for the chosen one)), ``errors`` (the aggregate),
    ``reason`` (``PodSecurityPolicy: unable to admit pod: [...]``) and ``message``
    (``pods "x" is forbidden: ...``), ``validated_by``, ``ignored``, ``preparation``.

    Upstream concatenates the errors of several policies in Go map order, which is random;
    here they come in policy-name order.

Building blocks
    ``evaluate_policy(policy, pod) -> PolicyEvaluation`` — one policy: its mutations, the
    mutated copy, its field errors (``unusable`` when upstream could not build it).
    ``prepare_pod(pod, operation, *, automount, token_volume) -> Preparation``.
    ``parse_policy(dict) -> PodSecurityPolicy`` and ``provider_errors(policy)``.

``psp map`` — ``map_policy(policy) -> PolicyMapping``
    ``level`` (``kubectl_podsec.pss.Level``, re-exported here: privileged | baseline |
    restricted, per the official mapping table), ``findings`` (every failed cell: ``Finding(field, found, required, level)``),
    ``blockers`` (the findings that keep it from the next stricter level), ``unusable``.

``psp mutated`` — ``find_drift(pod, template) -> Drift``
    ``policy`` (the pod's ``kubernetes.io/psp``), ``differences`` (``Difference(path,
    template, pod)`` in the fields a PSP can mutate), ``mutated``.
"""

from __future__ import annotations

from ..pss.levels import Level
from .authorization import Authorizer, Grants, Subject, UseRequest
from .drift import Difference, Drift, find_drift
from .errors import PodDecodeError, PolicyDecodeError, PspInputError
from .evaluation import PolicyEvaluation, evaluate_policy
from .mapping import Finding, PolicyMapping, map_policy
from .mutations import Mutation
from .policy import PSP_ANNOTATION, PodSecurityPolicy, parse_policy, provider_errors
from .preparation import Preparation, prepare_pod
from .results import Admission, Operation, Outcome, PolicyVerdict
from .selection import select_policy, simulate

__all__ = [
    "PSP_ANNOTATION", "Admission", "Authorizer", "Difference", "Drift", "Finding", "Grants",
    "Level", "Mutation", "Operation", "Outcome", "PodDecodeError", "PodSecurityPolicy",
    "PolicyDecodeError", "PolicyEvaluation", "PolicyMapping", "PolicyVerdict", "Preparation",
    "PspInputError", "Subject", "UseRequest", "evaluate_policy", "find_drift", "map_policy",
    "parse_policy", "prepare_pod", "provider_errors", "select_policy", "simulate",
]

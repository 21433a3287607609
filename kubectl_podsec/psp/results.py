"""What the engine reports: one verdict per policy, and the admission decision."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from .authorization import Subject
from .mutations import Mutation


class Operation(str, Enum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"


class Outcome(str, Enum):
    """How one policy relates to the pod.

    ``not-authorized`` wins over the others: such a policy is never used, whatever it would
    do (its ``errors`` and ``mutations`` are still reported, for "what if").  ``unusable``
    is a policy upstream cannot build a provider for (unknown rule, missing ranges...).
    """

    ACCEPTED = "accepted"
    ACCEPTED_AFTER_MUTATION = "accepted-after-mutation"
    REJECTED = "rejected"
    NOT_AUTHORIZED = "not-authorized"
    UNUSABLE = "unusable"


@dataclass(frozen=True)
class PolicyVerdict:
    """One policy's result for the pod, in the order admission tried the policies."""

    name: str
    authorized_via: tuple[Subject, ...]  # service account first, as upstream asks
    outcome: Outcome
    errors: tuple[str, ...]  # exact field errors, or provider errors when unusable
    mutations: tuple[Mutation, ...]  # what this policy would write into the pod
    passed_over: str | None  # why it was not chosen; None for the chosen policy

    @property
    def authorized(self) -> bool:
        return bool(self.authorized_via)


@dataclass(frozen=True)
class Admission:
    """The PSP admission decision for one request.

    ``pod`` is a fresh dict owned by this result: the admitted pod (with the chosen
    policy's mutations and, on create, the ``kubernetes.io/psp`` annotation), or the pod as
    PSP saw it when rejected.  ``mutations`` are the chosen policy's changes only; the
    annotation is not among them, as upstream does not count it as a mutation.
    ``preparation`` lists what the API server changed before PSP ran (see ``prepare_pod``).
    """

    operation: Operation
    policy: str | None
    pod: dict[str, Any]
    mutations: tuple[Mutation, ...]
    verdicts: tuple[PolicyVerdict, ...]
    errors: tuple[str, ...] = ()  # the aggregate: errors of authorised policies, by name
    reason: str | None = None  # e.g. "PodSecurityPolicy: unable to admit pod: [...]"
    message: str | None = None  # e.g. 'pods "web" is forbidden: PodSecurityPolicy: ...'
    validated_by: str | None = None  # the policy the validating pass accepted
    ignored: str | None = None  # why PSP did not look at the request at all
    preparation: tuple[Mutation, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.message is None

    def verdict(self, name: str) -> PolicyVerdict | None:
        return next((v for v in self.verdicts if v.name == name), None)

"""One policy against one pod: mutate a copy, then validate it (admission.go's loop body)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import bounded_recursion
from .mutations import Mutation, MutationLog
from .podshape import Pod, check_pod, plain_copy
from .policy import PodSecurityPolicy, parse_policy, provider_errors
from .provider import mutate_pod, validate_pod


@dataclass(frozen=True)
class PolicyEvaluation:
    """What ``policy`` does to a pod, before any authorisation or choice.

    ``unusable`` holds upstream's provider-creation errors; when it is not empty the policy
    is skipped by admission and ``errors``/``mutations`` are empty.
    """

    policy: str
    pod: Pod  # the mutated copy (a fresh dict owned by this value)
    mutations: tuple[Mutation, ...]
    errors: tuple[str, ...]
    unusable: tuple[str, ...] = ()

    @property
    def mutated(self) -> bool:
        return bool(self.mutations)

    @property
    def accepted(self) -> bool:
        return not self.errors and not self.unusable


@bounded_recursion
def evaluate_policy(policy: PodSecurityPolicy | Mapping[str, Any],
                    pod: Mapping[str, Any]) -> PolicyEvaluation:
    """Apply ``policy``'s defaults to a copy of ``pod`` and validate the copy.

    ``policy`` is a PSP dict or a parsed ``PodSecurityPolicy``.  Raises ``PodDecodeError`` /
    ``PolicyDecodeError`` for malformed input; never touches the caller's dicts.
    """
    psp = policy if isinstance(policy, PodSecurityPolicy) else parse_policy(policy)
    return evaluate_checked(psp, check_pod(pod))


def evaluate_checked(psp: PodSecurityPolicy, pod: Mapping[str, Any]) -> PolicyEvaluation:
    """``evaluate_policy`` for input already decoded (the selection loop's inner step)."""
    copy: Pod = plain_copy(pod)
    unusable = provider_errors(psp)
    if unusable:
        return PolicyEvaluation(psp.name, copy, (), (), unusable)
    log = MutationLog()
    mutate_pod(psp, copy, log)
    errors = tuple(str(e) for e in validate_pod(psp, copy))
    return PolicyEvaluation(psp.name, copy, log.entries, errors)

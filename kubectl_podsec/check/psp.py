"""PodSecurityPolicy admission of the objects `check` reads (pure).

For each object, the pod admission would see (the Pod itself, or the one a
workload's controller would create from its template) is admitted as a CREATE
under the policies given, and the result becomes the `PspVerdict` of the
object's check result, with the admitted pod when the chosen policy changed
it, for Pod Security to evaluate. Who may `use` each policy is an input, asked
per object kind: static grants offline (`--psp-allow`), or a cluster's access
reviews for the identity that creates the pods (psp_cluster.ClusterAuthorizer).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import InputError
from ..psp import Authorizer, Operation, PspInputError, simulate
from ..psp.selection import parse_policies
from .report import PspVerdict
from ..admission.controller_pods import admitted_pod


def check_policies(policies: Sequence[Mapping[str, Any]], where: str) -> None:
    """Every policy decodes and no two share a name, or an InputError at `where`."""
    try:
        parse_policies(policies)
    except PspInputError as err:
        raise InputError(where, str(err)) from None


class PspAdmission:
    """`report.PspCheck`: the PodSecurityPolicy verdict for (object, namespace).

    `authorizer(kind)` answers who may use which policy for the pods of that
    kind; `service_account` (from `--sa`) replaces the pods' own."""

    def __init__(self, policies: Sequence[Mapping[str, Any]], authorizer: Callable[[str], Authorizer],
                 service_account: str | None = None) -> None:
        self.policies = parse_policies(policies)  # once, not per pod (callers check them first)
        self.authorizer = authorizer
        self.service_account = service_account

    def __call__(self, obj: Mapping[str, Any], namespace: str) -> PspVerdict | None:
        pod = admitted_pod(obj, namespace)
        if pod is None:
            return None
        if self.service_account:
            pod["spec"] = {**pod["spec"], "serviceAccountName": self.service_account}
        try:
            admission = simulate(pod, self.policies, self.authorizer(str(obj.get("kind"))),
                                 operation=Operation.CREATE, namespace=pod["metadata"]["namespace"])
        except PspInputError as err:
            raise InputError("", str(err)) from None
        if not admission.allowed or not admission.mutations:
            return PspVerdict(admission.policy, admission.mutations, admission.message)
        # Pod Security runs later, in the validating phase, and sees the mutated pod.
        return PspVerdict(admission.policy, admission.mutations, pod=admission.pod)

"""PodSecurityPolicies as a cluster has them: the policies it serves, and who
may `use` each, answered by the cluster's own authorizer.

Upstream's admission plugin asks its authorizer, for each policy, whether the
pod's service account or the requesting user may `use` it, in the pod's
namespace, first in API group `policy` and then in `extensions`
(isAuthorizedForPolicy). The same questions are put here as access reviews,
which any cluster answers: RBAC does not care whether the resource is served.

* The requesting user: a SelfSubjectAccessReview as the chosen identity, or,
  for a pod a controller creates, a SubjectAccessReview for that controller.
* The pod's service account: a SubjectAccessReview with exactly the groups the
  plugin gives it (system:serviceaccounts and system:serviceaccounts:NS, and
  not system:authenticated); where you may not create SubjectAccessReviews,
  a SelfSubjectAccessReview impersonating it (the server then adds
  system:authenticated, which `notes` says).
"""

from __future__ import annotations

from typing import Any

from .cluster import ApiError, Cluster, Impersonation
from .psp.authorization import Subject, UseRequest, service_account_user
from .resources import PODSECURITYPOLICIES

API_GROUPS = ("policy", "extensions")
AUTHENTICATED = "system:authenticated"

# The kube-controller-manager controller whose service account creates the pods
# of each kind (with --use-service-account-credentials, the usual setting).
CONTROLLERS = {
    "ReplicaSet": "replicaset-controller",
    "Deployment": "replicaset-controller",
    "ReplicationController": "replication-controller",
    "StatefulSet": "statefulset-controller",
    "DaemonSet": "daemon-set-controller",
    "Job": "job-controller",
    "CronJob": "job-controller",
}


def served(cluster: Cluster) -> bool:
    """Whether the cluster serves policy/v1beta1 podsecuritypolicies (up to v1.24)."""
    return cluster.serves(PODSECURITYPOLICIES.api_version, PODSECURITYPOLICIES.plural)


def cluster_policies(cluster: Cluster) -> list[dict[str, Any]] | None:
    """Every PodSecurityPolicy the cluster has; None where they are not served."""
    if not served(cluster):
        return None
    return cluster.list_all(PODSECURITYPOLICIES)


def controller_requester(kind: str) -> tuple[str, tuple[str, ...]] | None:
    """(user, groups) of the controller that creates the pods of a workload kind."""
    controller = CONTROLLERS.get(kind)
    if controller is None:
        return None
    user, groups = service_account_user("kube-system", controller)
    return user, (*groups, AUTHENTICATED)


class ClusterAuthorizer:
    """A `kubectl_podsec.psp.Authorizer` answered by access reviews (cached).

    `requester` None: the requesting user is the chosen identity (SSAR);
    otherwise (user, groups) for a SubjectAccessReview (a controller)."""

    def __init__(self, cluster: Cluster, requester: tuple[str, tuple[str, ...]] | None = None) -> None:
        self.cluster = cluster
        self.requester = requester
        self.notes: list[str] = []
        self._answers: dict[tuple[Any, ...], bool] = {}
        self._subject_reviews = True  # until the server refuses one

    def __call__(self, request: UseRequest) -> bool:
        if request.subject is Subject.SERVICE_ACCOUNT:
            user, groups = request.user, request.groups
        elif self.requester is not None:
            user, groups = self.requester
        else:
            user, groups = "", ()
        key = (user, groups, request.policy, request.namespace)
        if key not in self._answers:
            self._answers[key] = any(self._ask(user, groups, request.policy, request.namespace, group)
                                     for group in API_GROUPS)
        return self._answers[key]

    def _ask(self, user: str, groups: tuple[str, ...], policy: str, namespace: str, group: str) -> bool:
        attributes = {"verb": "use", "group": group, "resource": "podsecuritypolicies",
                      "name": policy, "namespace": namespace}
        if not user:
            return self.cluster.access(attributes).allowed
        if self._subject_reviews:
            try:
                return self.cluster.subject_access(user, groups, attributes).allowed
            except ApiError as err:
                if err.status != 403:
                    raise
                self._subject_reviews = False
                self.notes.append(
                    "you may not create SubjectAccessReviews, so other identities were asked "
                    "about by impersonating them (the server adds system:authenticated to their groups)")
        return self.cluster.access(attributes, Impersonation(user, tuple(g for g in groups if g != AUTHENTICATED))).allowed

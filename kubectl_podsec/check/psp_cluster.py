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

`psp mutated` reads Pods and the objects that may own them (`PodsAndOwners`),
page by page, recording the lists it may not read instead of stopping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..admission.controller_pods import pod_creator
from ..kube.client import IMPERSONATION_REFUSED, ApiError, Cluster
from ..kube.options import Impersonation
from ..psp.authorization import Subject, UseRequest
from ..kube.resources import NAMESPACES, PODSECURITYPOLICIES, WORKLOAD_RESOURCES, Resource
from .scan import NamespaceLabels, Unreadable, objects

API_GROUPS = ("policy", "extensions")
AUTHENTICATED = "system:authenticated"

def served(cluster: Cluster) -> bool:
    """Whether the cluster serves policy/v1beta1 podsecuritypolicies (up to v1.24)."""
    return cluster.serves(PODSECURITYPOLICIES.api_version, PODSECURITYPOLICIES.plural)


def cluster_policies(cluster: Cluster) -> list[dict[str, Any]] | None:
    """Every PodSecurityPolicy the cluster has; None where they are not served."""
    if not served(cluster):
        return None
    return cluster.list_all(PODSECURITYPOLICIES)


def controller_requester(kind: str) -> tuple[str, tuple[str, ...]] | None:
    """(user, groups) of the controller that creates the pods of a workload kind (the
    kube-controller-manager controller's service account, with --use-service-account-credentials,
    the usual setting)."""
    return pod_creator(kind)


class ClusterAuthorizer:
    """A `kubectl_podsec.psp.Authorizer` answered by access reviews (cached).

    `requester` None: the requesting user is the chosen identity (SSAR);
    otherwise (user, groups) for a SubjectAccessReview (a controller)."""

    def __init__(self, cluster: Cluster, requester: tuple[str, tuple[str, ...]] | None = None,
                 offline_hint: str = "say who may use which policy with --allow and --sa-allow instead") -> None:
        self.cluster = cluster
        self.offline_hint = offline_hint
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
        identity = Impersonation(user, tuple(g for g in groups if g != AUTHENTICATED))
        try:
            return self.cluster.access(attributes, identity).allowed
        except ApiError as err:
            if err.reason != IMPERSONATION_REFUSED:
                raise
            raise ApiError(f'cannot ask whether {user} may use PodSecurityPolicy "{policy}": you may '
                           f"neither create SubjectAccessReviews nor impersonate it ({err}); "
                           f"{self.offline_hint}",
                           err.status, err.reason) from None


class ClusterAuthorizers:
    """The `ClusterAuthorizer` for each object: a Pod is created by the chosen
    identity, a workload's pods by its controller. Answers are shared between
    objects with the same requester."""

    def __init__(self, cluster: Cluster, offline_hint: str | None = None) -> None:
        self.cluster = cluster
        self.offline_hint = offline_hint
        self._by_requester: dict[tuple[str, tuple[str, ...]] | None, ClusterAuthorizer] = {}
        self._notes: list[str] = []

    def for_kind(self, kind: str) -> ClusterAuthorizer:
        requester = controller_requester(kind)
        if requester not in self._by_requester:
            hint = {"offline_hint": self.offline_hint} if self.offline_hint else {}
            self._by_requester[requester] = ClusterAuthorizer(self.cluster, requester, **hint)
            if requester is not None:
                self._notes.append(f"the requesting user for the pods of a {kind} is the controller "
                                   f"that creates them, {requester[0]}")
        return self._by_requester[requester]

    @property
    def notes(self) -> list[str]:
        found = self._notes + [n for a in self._by_requester.values() for n in a.notes]
        return list(dict.fromkeys(found))


# The kinds whose controllers create pods from their own template (a Deployment's
# pods are owned by its ReplicaSets, a CronJob's by its Jobs).
OWNER_RESOURCES = tuple(r for r in WORKLOAD_RESOURCES
                        if r.kind in ("ReplicationController", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"))
POD_RESOURCES = tuple(r for r in WORKLOAD_RESOURCES if r.kind == "Pod")


class PodsAndOwners:
    """The Pods of one namespace (None: all of them) and the objects that may
    own them, page by page. A list that may not be read is recorded in
    `unreadable` and the rest is read; only losing the server stops it."""

    def __init__(self, cluster: Cluster, namespace: str | None, selector: str | None) -> None:
        self.cluster = cluster
        self.namespaces = None if namespace is None else [namespace]
        self.selector = selector
        self.unreadable: list[Unreadable] = []
        self.pages_read = 0
        self._labels = NamespaceLabels(cluster, self.unreadable.append)

    def check_namespace(self) -> None:
        """A namespace that does not exist is an error (its lists would just be
        empty); one you may not get is read all the same."""
        for name in self.namespaces or ():
            try:
                self.cluster.get(NAMESPACES.object_path(None, name))
            except ApiError as err:
                if err.status == 404 or err.fatal:
                    raise

    def owners(self) -> Iterator[dict[str, Any]]:
        """Every ReplicationController, ReplicaSet, StatefulSet, DaemonSet and Job
        (the selector is for Pods: an owner's own labels need not match its pods')."""
        return self._read(OWNER_RESOURCES, None)

    def pods(self) -> Iterator[dict[str, Any]]:
        return self._read(POD_RESOURCES, self.selector)

    def _read(self, resources: tuple[Resource, ...], selector: str | None) -> Iterator[dict[str, Any]]:
        for page in objects(self.cluster, resources, self.namespaces, selector, self._labels,
                            self.unreadable.append):
            self.pages_read += 1
            yield from page

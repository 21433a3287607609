"""`check --server`: ask the API server about each object, as the chosen identity.

For each object: a SelfSubjectAccessReview for creating it, a dry-run create,
and for a workload a dry-run create of a Pod built from its template. The
requests for several objects run on a few threads; results keep their order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..kube.client import IMPERSONATION_REFUSED, ApiError, Cluster
from ..kube.options import Impersonation
from ..kube.reviews import Answer
from .dry_run import ServerVerdict, server_report, strip_for_create, template_pod, with_service_account
from .report import Result
from ..kube.resources import POD, resource_for
from ..admission.workloads import pod_template

WORKERS = 8


class ServerChecker:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        sa = cluster.identity.service_account
        self.service_account = sa[1] if sa else None
        self.identity = cluster.identity.user or f'yourself (context "{cluster.context}")'

    def check(self, obj: Mapping[str, Any], result: Result) -> ServerVerdict:
        """The server's verdict on `obj`."""
        namespace = str(result.object.namespace)
        kind, api_version = str(obj.get("kind")), str(obj.get("apiVersion"))
        resource = resource_for(kind, api_version)
        if resource is None:  # carries a pod spec, but not at a version we can post
            return ServerVerdict.no_answer(self.identity, f"{api_version} {kind} cannot be dry-run",
                                           unknown=False)
        template = pod_template(obj)
        body = strip_for_create(obj, namespace)
        if self.service_account and template is not None:
            body = with_service_account(body, template.path, self.service_account)
        access = self.cluster.access({"namespace": namespace, "verb": "create",
                                      "group": resource.group, "resource": resource.plural})
        obj_answer = self.cluster.dry_run_create(resource, namespace, body)
        pods_answer = None
        if kind != "Pod" and template is not None:
            # Who creates the pods matters under PodSecurityPolicies, and to Pod Security
            # where the identity's exemption by user name differs from the controller's.
            adm = result.admission
            as_controller = result.psp is not None or adm.object_exempt != adm.exempt
            pods_answer = self._template_pod(obj, template, namespace, as_controller=as_controller)
        psp_denial = result.psp.message if result.psp is not None else None
        return server_report(result.admission, access, obj_answer, pods_answer, self.identity, psp_denial,
                             result.validation)

    def _template_pod(self, obj: Mapping[str, Any], template: Any, namespace: str,
                      as_controller: bool = False) -> Answer:
        """Its pods are created by a controller, not by the identity: when the
        identity may not create pods, ask again as yourself. `as_controller`
        (who creates them matters): created as the controller where you may
        impersonate it."""
        pod = template_pod(obj, template, namespace, self.service_account)
        if as_controller:
            from .psp_cluster import controller_requester

            requester = controller_requester(str(obj.get("kind")))
            if requester is not None:
                try:
                    return self.cluster.dry_run_create(POD, namespace, pod, impersonate=Impersonation(requester[0]))
                except ApiError as err:
                    if err.reason != IMPERSONATION_REFUSED:
                        raise
        answer = self.cluster.dry_run_create(POD, namespace, pod)
        if answer.outcome == "forbidden" and self.cluster.identity.user:
            answer = self.cluster.dry_run_create(POD, namespace, pod, impersonate=False)
        return answer

"""`psp which`: which PodSecurityPolicy would admit each pod, from the files'
objects, under policies from files or from the cluster."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from ..check.psp_files import Read
from ..errors import UsageError
from ..admission.controller_pods import admitted_pod
from ..admission.workloads import TemplateError
from ..terminal.console import Console


class Admitted(NamedTuple):
    """The admissions of a run: one document and one text each."""

    documents: list[dict[str, Any]]
    texts: list[str]
    denied: bool


def cluster_policies(cluster: Any) -> list[dict[str, Any]]:
    """The cluster's PodSecurityPolicies; a usage error where it serves none."""
    from ..kube.client import ApiError
    from ..check.psp import check_policies
    from ..check.psp_cluster import cluster_policies

    try:
        found = cluster_policies(cluster)
    except ApiError as err:
        if err.status != 403:
            raise
        raise ApiError(f"cannot list the cluster's PodSecurityPolicies ({err}); "
                       "pass them with --psp-file", err.status, err.reason) from None
    if found is None:
        raise UsageError(f"{cluster.server} does not serve PodSecurityPolicy (policy/v1beta1, removed "
                         "in Kubernetes 1.25); pass the policies with --psp-file")
    for policy in found:
        check_policies([policy], f'PodSecurityPolicy "{(policy.get("metadata") or {}).get("name", "")}" '
                                 "in the cluster")
    return found



def admit_all(objects: Iterator[Read], policies: list[dict[str, Any]], authorizers: Any,
               namespace: str, operation: Any, console: Console,
               errors: list[str]) -> Admitted:
    """Each object's admission: its document, its text, and whether any was denied."""
    from ..psp import PspInputError, simulate
    from ..render.psp import which_document, which_text

    docs, texts, denied = [], [], False
    for doc in objects:
        try:
            pod = admitted_pod(doc.obj, namespace)
        except TemplateError as err:  # the same error `check` reports
            meta = doc.obj.get("metadata") or {}
            errors.append(f"{doc.source.describe()}: {doc.obj.get('kind')} "
                          f"{meta.get('namespace') or namespace}/{meta.get('name', '')}: {err}")
            console.err(f"error: {errors[-1]}")
            continue
        if pod is None:
            continue
        kind, pod_namespace = str(doc.obj.get("kind")), pod["metadata"]["namespace"]
        subject = f"{kind} {pod_namespace}/{(doc.obj.get('metadata') or {}).get('name', '')}"
        try:
            admission = simulate(pod, policies, authorizers.for_kind(kind), namespace=pod_namespace,
                                 operation=operation)
        except PspInputError as err:
            errors.append(f"{doc.source.describe()}: {err}")
            console.err(f"error: {doc.source.describe()}: {err}")
            continue
        denied = denied or not admission.allowed
        docs.append(which_document(subject, admission))
        texts.append(which_text(subject, admission))
    return Admitted(docs, texts, denied)

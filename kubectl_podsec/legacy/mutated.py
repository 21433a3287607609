"""`psp mutated`: pods whose spec differs from their owner's template in the
fields a PodSecurityPolicy mutates, from a dump or from the cluster."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import ExitCode
from ..terminal.console import Console


def drifted_in_cluster(cluster: Any, namespace: str | None, all_namespaces: bool, selector: str | None,
                        console: Console, errors: list[str]) -> tuple[list[Any], ExitCode]:
    """`_drifted` over the cluster's Pods and owners; lists that cannot be read
    make a partial result (nothing read at all: a cluster error)."""
    from ..check.psp_cluster import PodsAndOwners

    read = PodsAndOwners(cluster, None if all_namespaces else namespace or cluster.namespace, selector)
    read.check_namespace()
    progress = console.progress("pods read")

    def pods() -> Iterator[dict[str, Any]]:
        for pod in read.pods():
            progress.tick()
            yield pod

    found = drifted(pods(), read.owners(), console, errors)
    progress.done()
    for item in read.unreadable:
        errors.append(str(item))
        console.err(f"error: {item}")
    nothing_read = read.pages_read == 0 and bool(read.unreadable)
    return found, ExitCode.worst(ExitCode.CLUSTER if nothing_read else ExitCode.OK,
                                 ExitCode.PARTIAL if read.unreadable else ExitCode.OK)


def drifted(pods: Iterable[dict[str, Any]], owners: Iterable[dict[str, Any]], console: Console,
            errors: list[str]) -> list[Any]:
    """(pod, owner, Drift) for each pod that differs from its owner's template.
    The owners are read first, then the pods one by one; a pod or template
    the engine cannot read is an error naming the pod."""
    from ..admission.owners import owned_pods
    from ..psp import PspInputError
    from ..psp.drift import find_drift

    found = []
    for owned in owned_pods(pods, owners):
        meta = owned.pod.get("metadata") or {}
        name = f"Pod {meta.get('namespace', '')}/{meta.get('name', '')}"
        try:
            drift = find_drift(owned.pod, {"metadata": owned.template.metadata,
                                           "spec": owned.template.spec})
        except PspInputError as err:
            errors.append(f"{name} (owner {owned.owner}): {err}")
            console.err(f"error: {errors[-1]}")
            continue
        if drift.differences:
            found.append((name, owned.owner, drift))
    return found

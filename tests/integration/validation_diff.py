"""Offline validation against the real API server: dry-run create each object and compare.

Figures, over the objects the server rejects on validation (422 Invalid):
- recall: the share flagged invalid offline;
- identical: the share whose offline message is the server's, byte for byte;
and over all objects:
- false_invalid: flagged invalid offline, accepted by the server (must be 0);
- wrong_message: a message given offline that differs from the server's (must be 0);
- false_valid: said valid offline (not "cannot tell"), rejected by the server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from kubectl_podsec.validation import Validation, validate

from .control_plane import Cluster

RESOURCES = {
    "Pod": "/api/v1/namespaces/{ns}/pods", "PodTemplate": "/api/v1/namespaces/{ns}/podtemplates",
    "ReplicationController": "/api/v1/namespaces/{ns}/replicationcontrollers",
    "ReplicaSet": "/apis/apps/v1/namespaces/{ns}/replicasets",
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
    "StatefulSet": "/apis/apps/v1/namespaces/{ns}/statefulsets",
    "DaemonSet": "/apis/apps/v1/namespaces/{ns}/daemonsets",
    "Job": "/apis/batch/v1/namespaces/{ns}/jobs", "CronJob": "/apis/batch/v1/namespaces/{ns}/cronjobs",
}


@dataclass(frozen=True)
class Outcome:
    obj: dict[str, Any]
    status: int
    reason: str
    server_message: str | None
    offline: Validation

    @property
    def rejected_invalid(self) -> bool:
        return self.status == 422 and self.reason == "Invalid"

    @property
    def validated(self) -> bool:
        """The server got as far as validating it: mutating admission (the
        ServiceAccount plugin, say) runs first and may refuse it before."""
        return self.status < 300 or self.rejected_invalid


@dataclass(frozen=True)
class Figures:
    objects: int
    accepted: int
    rejected_invalid: int
    rejected_other: int
    flagged: int
    identical: int
    false_invalid: int
    wrong_message: int
    false_valid: int
    said_valid: int  # accepted by the server and said valid offline (not "cannot tell")

    @property
    def recall(self) -> float:
        return self.flagged / self.rejected_invalid if self.rejected_invalid else 1.0

    @property
    def identical_share(self) -> float:
        return self.identical / self.rejected_invalid if self.rejected_invalid else 1.0

    def summary(self) -> str:
        return (f"{self.objects} objects: server accepted {self.accepted}, rejected {self.rejected_invalid} as "
                f"invalid ({self.rejected_other} otherwise); offline flagged {self.flagged} of the rejected "
                f"({self.recall:.1%}), {self.identical} with the identical message ({self.identical_share:.1%}); "
                f"false invalid {self.false_invalid}, wrong messages {self.wrong_message}, "
                f"false valid {self.false_valid}; said valid {self.said_valid} of the {self.accepted} accepted")


def dry_run(cluster: Cluster, namespace: str, obj: dict[str, Any]) -> Outcome:
    path = RESOURCES[obj["kind"]].format(ns=namespace) + "?dryRun=All&fieldValidation=Strict"  # as kubectl sends it
    response = cluster.api("POST", path, obj)
    body = response.body if isinstance(response.body, dict) else {}
    failed = response.status >= 300
    return Outcome(obj, response.status, str(body.get("reason", "")) if failed else "",
                   str(body.get("message")) if failed else None, validate(obj))


def dry_run_all(cluster: Cluster, namespace: str, objects: Sequence[dict[str, Any]],
                workers: int = 8) -> list[Outcome]:
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda o: dry_run(cluster, namespace, o), objects))


def figures(outcomes: Sequence[Outcome]) -> Figures:
    rejected = [o for o in outcomes if o.rejected_invalid]
    return Figures(
        objects=len(outcomes),
        accepted=sum(o.status < 300 for o in outcomes),
        rejected_invalid=len(rejected),
        rejected_other=sum(o.status >= 300 and not o.rejected_invalid for o in outcomes),
        flagged=sum(o.offline.valid is False for o in rejected),
        identical=sum(o.offline.message == o.server_message for o in rejected),
        false_invalid=sum(o.offline.valid is False and o.status < 300 for o in outcomes),
        wrong_message=sum(o.validated and o.offline.message is not None and o.offline.message != o.server_message
                          for o in outcomes),
        false_valid=sum(o.offline.valid is True and o.rejected_invalid for o in outcomes),
        said_valid=sum(o.offline.valid is True and o.status < 300 for o in outcomes),
    )


def doubt_tally(outcomes: Sequence[Outcome]) -> Counter[str]:
    """Why messages were withheld, by the first doubt's field-free reason."""
    tally: Counter[str] = Counter()
    for o in outcomes:
        if o.rejected_invalid and o.offline.message is None and o.offline.doubts:
            tally[o.offline.doubts[0].split(": ", 1)[-1]] += 1
    return tally

"""Server-side dry runs (pure): what to send, how to read the answer, and how
it compares with the offline verdict.

For each object `check --server` asks the API server three things as the
chosen identity: may I create it (a SelfSubjectAccessReview), would it be
admitted (a `dryRun=All` create), and for a workload, would the pods it
creates be admitted (a dry-run create of a Pod built from its template, since
Pod Security enforce applies to Pods only and would otherwise reject them
later, out of sight).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..admission.verdicts import Admission
from ..admission.workloads import PodTemplate
from ..kube.reviews import Access, Answer

# Fields the server sets; a create that carries them is rejected or conflicts.
_SERVER_METADATA = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields",
                    "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences")
TEMPLATE_POD_SUFFIX = "-podsec-"
_PSA_WARNING = ("would violate PodSecurity ", "violates PodSecurity ")


def strip_for_create(obj: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    """The object as a create request: server-set metadata and status removed,
    the namespace filled in."""
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in _SERVER_METADATA}
    meta["namespace"] = namespace
    out = {k: v for k, v in obj.items() if k != "status"}
    out["metadata"] = meta
    return out


def template_pod(owner: Mapping[str, Any], template: PodTemplate, namespace: str,
                 service_account: str | None) -> dict[str, Any]:
    """The Pod a workload's controller would create: the template's labels,
    annotations and spec in the workload's namespace, under a generated name."""
    owner_name = str((owner.get("metadata") or {}).get("name") or "pod")
    meta: dict[str, Any] = {"generateName": owner_name[:40] + TEMPLATE_POD_SUFFIX, "namespace": namespace}
    for key in ("labels", "annotations"):
        if template.metadata.get(key):
            meta[key] = dict(template.metadata[key])
    spec = dict(template.spec)
    if service_account:
        spec["serviceAccountName"] = service_account
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def with_service_account(obj: dict[str, Any], template_path: str, service_account: str) -> dict[str, Any]:
    """The object with its pod spec's serviceAccountName set (`--sa`)."""
    keys = [k for k in template_path.split(".") if k] + ["spec"]
    out = dict(obj)
    node = out
    for key in keys:
        child = dict(node.get(key) or {})
        node[key] = child
        node = child
    node["serviceAccountName"] = service_account
    return out


# --- the comparison ------------------------------------------------------------


def _psa_warnings(warnings: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in warnings if w.startswith(_PSA_WARNING))


def _after_forbidden(message: str) -> str:
    """The admission text after `pods "NAME" is forbidden: `."""
    _, sep, rest = message.partition(" is forbidden: ")
    return rest if sep else message


def _compare(offline_allowed: bool, expected_message: str | None, expected_warnings: tuple[str, ...],
             answer: Answer, what: str) -> list[str]:
    if answer.outcome in ("error", "forbidden"):
        return []
    found: list[str] = []
    if answer.accepted != offline_allowed:
        offline = "admits" if offline_allowed else "denies"
        server = "accepted" if answer.accepted else f"denied it: {answer.message}"
        found.append(f"{what}: offline {offline}, the server {server}")
    elif (not answer.accepted and expected_message and "PodSecurity" in answer.message
          and _after_forbidden(answer.message) != expected_message):
        found.append(f"{what}: denial message differs: the server says "
                     f"{_after_forbidden(answer.message)!r}, offline {expected_message!r}")
    if answer.accepted:
        server_psa = set(_psa_warnings(answer.warnings))
        if server_psa != set(expected_warnings):
            found.append(f"{what}: Pod Security warnings differ: the server sent "
                         f"{sorted(server_psa) or 'none'}, offline expects {list(expected_warnings) or 'none'}")
    return found


def _enforce_message(admission: Admission) -> str | None:
    return next((e.message for e in admission.evaluations if e.mode in ("enforce", "level")), None)


def _pods_expected(admission: Admission, psp_denial: str | None) -> tuple[bool, str | None]:
    """Whether the pods are admitted, and the denial after `is forbidden: `.
    PodSecurityPolicy admits in the mutating phase: its denial comes first."""
    if psp_denial is not None:
        return False, _after_forbidden(psp_denial)
    return admission.pods_allowed, _enforce_message(admission)


class ServerVerdict(NamedTuple):
    """What the API server said about one object with `--server`, beside the
    offline verdict. `denied`: the identity may not create the object, or the
    server would not take it or its pods; `unknown`: an answer could not be
    had (a server error, or no one here may create pods to try the template);
    `error`: why no answer at all was had."""

    identity: str
    permitted: bool = False
    permission: str = ""  # the review's reason or evaluation error
    object: Answer | None = None
    pods: Answer | None = None  # a workload's: the Pod built from its template
    denied: bool = False
    unknown: bool = False
    agrees: bool | None = True
    disagreements: tuple[str, ...] = ()
    error: str = ""

    @classmethod
    def no_answer(cls, identity: str, error: str, *, unknown: bool) -> ServerVerdict:
        return cls(identity, error=error, unknown=unknown, agrees=None)

    def to_dict(self) -> dict[str, Any]:
        if self.error:
            out: dict[str, Any] = {"identity": self.identity, "error": self.error}
            if self.unknown:
                out.update(unknown=True, denied=False, agrees=None, disagreements=[])
            return out
        out = {"identity": self.identity, "permitted": self.permitted}
        if self.permission:
            out["permission"] = self.permission
        if self.object is not None:
            out["object"] = self.object.to_dict()
        if self.pods is not None:
            out["pods"] = self.pods.to_dict()
        out.update(denied=self.denied, unknown=self.unknown, agrees=self.agrees,
                   disagreements=list(self.disagreements))
        return out


def server_report(admission: Admission, access: Access, obj_answer: Answer,
                  pods_answer: Answer | None, identity: str, psp_denial: str | None = None) -> ServerVerdict:
    """The server's verdict on an object: RBAC, the server's answers, and every
    disagreement with the offline verdict (not made with --level, whose offline
    verdict is not the namespace's policy). `psp_denial` is the offline
    PodSecurityPolicy denial of the pods, if any (PspVerdict.message)."""
    disagreements: list[str] = []
    if admission.evaluations and admission.evaluations[0].mode != "level":
        pods_allowed, pods_message = _pods_expected(admission, psp_denial)
        if admission.is_pod:
            disagreements = _compare(pods_allowed, pods_message, () if psp_denial else admission.warnings,
                                     obj_answer, "object")
        else:  # PodSecurityPolicy admits pods only
            disagreements = _compare(admission.object_allowed, None, admission.warnings, obj_answer, "object")
        if pods_answer is not None:  # its warnings are not compared: enforce is
            disagreements += [d for d in _compare(pods_allowed, pods_message, (), pods_answer, "pods")
                              if not d.startswith("pods: Pod Security warnings")]
    answers = [obj_answer] + ([pods_answer] if pods_answer is not None else [])
    denied = (not access.allowed or obj_answer.outcome in ("denied", "forbidden")
              or any(a.outcome == "denied" for a in answers))
    unknown = obj_answer.outcome == "error" or (
        pods_answer is not None and pods_answer.outcome in ("error", "forbidden"))
    return ServerVerdict(identity, access.allowed, access.error or access.reason, obj_answer, pods_answer,
                         denied, unknown, not disagreements, tuple(disagreements))



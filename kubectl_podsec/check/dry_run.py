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
from typing import Any

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


def server_report(admission: Admission, access: Access, obj_answer: Answer,
                  pods_answer: Answer | None, identity: str, psp_denial: str | None = None) -> dict[str, Any]:
    """The `server` part of a result: RBAC, the server's verdicts, and every
    disagreement with the offline one (not made with --level, whose offline
    verdict is not the namespace's policy). `psp_denial` is the offline
    PodSecurityPolicy denial of the pods, if any (PspVerdict.message).
    `denied`: the identity may not create the object, or the server would not
    take it or its pods; `unknown`: an answer could not be had (a server error,
    or no one here may create pods to try the template)."""
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
    out: dict[str, Any] = {"identity": identity, "permitted": access.allowed}
    if access.reason or access.error:
        out["permission"] = access.error or access.reason
    out["object"] = obj_answer.to_dict()
    if pods_answer is not None:
        out["pods"] = pods_answer.to_dict()
    answers = [obj_answer] + ([pods_answer] if pods_answer is not None else [])
    out["denied"] = (not access.allowed or obj_answer.outcome in ("denied", "forbidden")
                     or any(a.outcome == "denied" for a in answers))
    out["unknown"] = obj_answer.outcome == "error" or (
        pods_answer is not None and pods_answer.outcome in ("error", "forbidden"))
    out["agrees"] = not disagreements
    out["disagreements"] = disagreements
    return out


def server_verdict(server: Mapping[str, Any]) -> str:
    """One word for the table: what the server said, with `!` on a disagreement."""
    if not server.get("permitted") or server["object"]["outcome"] == "forbidden":
        word = "NOT PERMITTED"
    elif server.get("unknown"):
        word = "ERROR"
    elif server["object"]["outcome"] == "denied":
        word = "DENIED"
    elif server.get("pods", {}).get("outcome") == "denied":
        word = "PODS DENIED"
    elif server["object"].get("warnings"):
        word = "accepted (warnings)"
    else:
        word = "accepted"
    return word if server.get("agrees", True) else word + " !"


def server_lines(server: Mapping[str, Any]) -> list[str]:
    """The lines below the table for what the server said that needs saying:
    refusals, denials and disagreements (acceptance goes without saying)."""
    if server.get("error"):
        return [f"server: no answer: {server['error']}"]
    lines = []
    if not server.get("permitted"):
        why = f" ({server['permission']})" if server.get("permission") else ""
        lines.append(f"server: {server.get('identity')} may not create it{why}")
    for part in ("object", "pods"):
        said = server.get(part)
        if said and said["outcome"] != "accepted":
            who = f" (asked as {said['as']})" if said.get("as") else ""
            lines.append(f"server, {part}{who}: {said['outcome']}: {said.get('message', '')}")
    lines += [f"DISAGREES: {d}" for d in server.get("disagreements") or ()]
    return lines

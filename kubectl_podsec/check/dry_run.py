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

from ..admission.controller_pods import controller_pod
from ..admission.verdicts import Admission
from ..admission.workloads import PodTemplate
from ..admission.warnings import server_warnings
from ..validation import Validation
from ..kube.reviews import Access, Answer
from .answers import Said, classify

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
    """The Pod a workload's controller would create (controller_pods: the labels and
    annotations it adds, a StatefulSet's claim volumes, a DaemonSet's tolerations...; a
    PodTemplate, which no controller uses, as a pod of its template) in the workload's
    namespace, under a generated name of ours (a StatefulSet's pod name may be taken)
    and without the owner reference (nothing is owned by a dry run)."""
    made = controller_pod(owner, namespace)
    source: Mapping[str, Any] = (made.pod if made is not None
                                 else {"metadata": template.metadata, "spec": template.spec})
    owner_name = str((owner.get("metadata") or {}).get("name") or "pod")
    meta: dict[str, Any] = {"generateName": owner_name[:40] + TEMPLATE_POD_SUFFIX, "namespace": namespace}
    for key in ("labels", "annotations"):
        if source["metadata"].get(key):
            meta[key] = dict(source["metadata"][key])
    spec = dict(source["spec"])
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


class Compared(NamedTuple):
    """One answer beside the offline verdict: disagreements, or why the two
    cannot be compared (the server spoke of something else); `compared`:
    both spoke of Pod Security (or PodSecurityPolicy)."""

    disagreements: tuple[str, ...] = ()
    not_comparable: tuple[str, ...] = ()
    compared: bool = False


def _psa_warnings(warnings: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in warnings if w.startswith(_PSA_WARNING))


def _after_forbidden(message: str) -> str:
    """The admission text after `pods "NAME" is forbidden: `."""
    _, sep, rest = message.partition(" is forbidden: ")
    return rest if sep else message


def _expected_warnings(answer: Answer, texts: tuple[str, ...]) -> tuple[str, ...]:
    """Pod Security's warnings as the server would send them beside the other
    warnings it sent: the strategy's come first (BeforeCreate runs before the
    validating admission plugins), then Pod Security's; the recorder cuts them."""
    others = tuple(w for w in answer.warnings if not w.startswith(_PSA_WARNING))
    return _psa_warnings(server_warnings(others + texts))


def _compare(offline_allowed: bool | None, expected_message: str | None,
             expected_warnings: tuple[str, ...] | None, answer: Answer, what: str) -> Compared:
    said = classify(answer)
    if said.said in (Said.ERROR, Said.RBAC):  # no answer: a partial result, said elsewhere
        return Compared()
    if not said.speaks_of_pod_security:
        return Compared(not_comparable=(f"{what}: the server said {said.describe()}, not what Pod "
                                        f"Security would decide: {answer.message}",))
    if offline_allowed is None:
        return Compared(not_comparable=(f"{what}: the offline verdict is unknown; the server said "
                                        f"{said.describe()}",))
    found: list[str] = []
    if answer.accepted != offline_allowed:
        offline = "admits" if offline_allowed else "denies"
        server = "accepted" if answer.accepted else f"denied it: {answer.message}"
        found.append(f"{what}: offline {offline}, the server {server}")
    elif not answer.accepted and expected_message and _after_forbidden(answer.message) != expected_message:
        found.append(f"{what}: denial message differs: the server says "
                     f"{_after_forbidden(answer.message)!r}, offline {expected_message!r}")
    if answer.accepted and expected_warnings is not None:
        server_psa = _psa_warnings(answer.warnings)
        expected = _expected_warnings(answer, expected_warnings)
        if server_psa != expected:
            found.append(f"{what}: Pod Security warnings differ: the server sent "
                         f"{list(server_psa) or 'none'}, offline expects {list(expected) or 'none'}")
    return Compared(tuple(found), (), True)


def _enforce_message(admission: Admission) -> str | None:
    return next((e.message for e in admission.evaluations if e.mode in ("enforce", "level")), None)


def _pods_expected(admission: Admission, psp_denial: str | None) -> tuple[bool | None, str | None]:
    """Whether the pods are admitted (None: unknown), and the denial after
    `is forbidden: `. PodSecurityPolicy admits in the mutating phase: its
    denial comes first."""
    if psp_denial is not None:
        return False, _after_forbidden(psp_denial)
    return admission.pods_allowed, _enforce_message(admission)


class ServerVerdict(NamedTuple):
    """What the API server said about one object with `--server`, beside the
    offline verdict. `denied`: the identity may not create the object, or the
    server would not take it or its pods; `unknown`: an answer could not be
    had (a server error, or no one here may create pods to try the template);
    `error`: why no answer at all was had. `agrees`: None when no answer spoke
    of Pod Security (or PodSecurityPolicy); `not_comparable` then says what
    the server spoke of instead."""

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
    not_comparable: tuple[str, ...] = ()

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
        for part, answer in (("object", self.object), ("pods", self.pods)):
            if answer is not None:
                out[part] = {**answer.to_dict(), **classify(answer).to_dict()}
        out.update(denied=self.denied, unknown=self.unknown, agrees=self.agrees,
                   disagreements=list(self.disagreements))
        if self.not_comparable:
            out["notComparable"] = list(self.not_comparable)
        return out


def _compare_validation(validation: Validation | None, answer: Answer) -> Compared | None:
    """The object's answer beside the offline validation, where either side
    says invalid (None: neither does, so Pod Security is what to compare)."""
    said = classify(answer).said
    offline_invalid = validation is not None and validation.valid is False
    if not offline_invalid and said is not Said.INVALID:
        return None
    if validation is None or (not offline_invalid and validation.valid is None):
        return Compared(not_comparable=(f"object: the server said invalid ({answer.message}); offline "
                                        "validation could not tell for this object",))
    if not offline_invalid:
        return Compared((f"object: offline validation found nothing, the server said invalid: "
                         f"{answer.message}",), (), True)
    if said is not Said.INVALID:
        return Compared((f"object: offline invalid ({validation.message or validation.errors[0].text}), "
                         f"the server said {classify(answer).describe()}",), (), True)
    if validation.message is not None and validation.message != answer.message:
        return Compared((f"object: invalid, but the messages differ: the server says {answer.message!r}, "
                         f"offline {validation.message!r}",), (), True)
    return Compared(compared=True)


def _comparisons(admission: Admission, obj_answer: Answer, pods_answer: Answer | None,
                 psp_denial: str | None, validation: Validation | None = None) -> list[Compared]:
    """Each answer compared with the offline verdict (none with --level, whose
    offline verdict is not the namespace's policy). Validation runs before Pod
    Security: where either side says invalid, that is what is compared."""
    invalid = _compare_validation(validation, obj_answer) if psp_denial is None else None
    if invalid is not None:
        return [invalid]
    if not admission.evaluations or admission.evaluations[0].mode == "level":
        return []
    pods_allowed, pods_message = _pods_expected(admission, psp_denial)
    if admission.is_pod:
        warnings = () if psp_denial else admission.warning_texts
        out = [_compare(pods_allowed, pods_message, warnings, obj_answer, "object")]
    else:  # PodSecurityPolicy admits pods only
        out = [_compare(True, None, admission.warning_texts, obj_answer, "object")]
    if pods_answer is not None:  # its warnings are not compared: enforce is
        out.append(_compare(pods_allowed, pods_message, None, pods_answer, "pods"))
    return out


def server_report(admission: Admission, access: Access, obj_answer: Answer,
                  pods_answer: Answer | None, identity: str, psp_denial: str | None = None,
                  validation: Validation | None = None) -> ServerVerdict:
    """The server's verdict on an object: RBAC, the server's answers, and every
    disagreement with the offline verdict, where both spoke of the same thing.
    `psp_denial` is the offline PodSecurityPolicy denial of the pods, if any
    (PspVerdict.message)."""
    compared = _comparisons(admission, obj_answer, pods_answer, psp_denial, validation)
    disagreements = tuple(d for c in compared for d in c.disagreements)
    not_comparable = tuple(n for c in compared for n in c.not_comparable)
    agrees = (not disagreements) if any(c.compared for c in compared) else None
    answers = [obj_answer] + ([pods_answer] if pods_answer is not None else [])
    denied = (not access.allowed or obj_answer.outcome in ("denied", "forbidden")
              or any(a.outcome == "denied" for a in answers))
    unknown = obj_answer.outcome == "error" or (
        pods_answer is not None and pods_answer.outcome in ("error", "forbidden"))
    return ServerVerdict(identity, access.allowed, access.error or access.reason, obj_answer, pods_answer,
                         denied, unknown, agrees, disagreements, not_comparable=not_comparable)

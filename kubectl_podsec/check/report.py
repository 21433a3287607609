"""The check report's values (pure): each object's verdicts under the policy
it gets (a `Result`) or why it was skipped, and the run's summary; they become
the CheckReport document's parts via `to_dict`. `checker.py` makes them."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..admission.policy import PolicyChoice
from ..admission.verdicts import Admission, ModeEvaluation
from ..manifests import Source
from ..validation import Validation

if TYPE_CHECKING:  # the PSP engine and the server's side are loaded only by runs that use them
    from ..psp import Mutation
    from .dry_run import ServerVerdict


def source_dict(source: Source | None) -> dict[str, Any]:
    """The report's `source`: where in the files, or `{cluster: true}`."""
    return {"cluster": True} if source is None else source.to_dict()


class ObjectRef(NamedTuple):
    api_version: str
    kind: str
    namespace: str | None
    name: str

    @classmethod
    def of(cls, obj: Mapping[str, Any], namespace: str | None) -> ObjectRef:
        meta = obj.get("metadata") or {}
        name = meta.get("name") or meta.get("generateName") or ""
        return cls(str(obj.get("apiVersion", "")), str(obj.get("kind", "")), namespace, str(name))

    def to_dict(self) -> dict[str, Any]:
        out = {"apiVersion": self.api_version, "kind": self.kind}
        if self.namespace is not None:
            out["namespace"] = self.namespace
        out["name"] = self.name
        return out

    def describe(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


class PspVerdict(NamedTuple):
    """PodSecurityPolicy admission (a CREATE) of the pod an object makes."""

    chosen: str | None  # the policy that admits it (its kubernetes.io/psp annotation)
    mutations: tuple[Mutation, ...]  # what the chosen policy writes into the pod
    message: str | None = None  # the denial: 'pods "x" is forbidden: PodSecurityPolicy: ...'
    # The pod as Pod Security then sees it, when the chosen policy changed it (not reported).
    pod: Mapping[str, Any] | None = None

    @property
    def allowed(self) -> bool:
        return self.message is None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "chosen": self.chosen,
            "allowed": self.allowed,
            "mutations": [{"path": m.path, "old": m.old, "new": m.new} for m in self.mutations],
        }
        if self.message is not None:
            out["message"] = self.message
        return out


# The PodSecurityPolicy verdict for (object, namespace), e.g. check/psp.py PspAdmission.
PspCheck = Callable[[Mapping[str, Any], str], "PspVerdict | None"]


class Rendered(NamedTuple):
    """A result's text made apart from the sink that places it (in a worker
    process: fanout.py): what the sink's `result` writes for it, less what
    depends on the results before it, and the marks it leaves for the sink's
    `end` (SARIF: the extra rules it uses). A table gets its row's cells and
    notes instead (`row`: render/table.py TableLine), as it sizes its columns
    from the first rows."""

    text: str
    marks: frozenset[str] = frozenset()
    row: Any = None


class Verdict(str, enum.Enum):
    """An object's verdict: its pods (or, with --server, the object) would be
    denied; would be admitted; or enforce's policy cannot be known and nothing
    known denies it (Result.verdict)."""

    ALLOWED = "allowed"
    DENIED = "denied"
    INVALID = "invalid"  # the API server's validation rejects it before Pod Security sees it
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


class Result(NamedTuple):
    source: Source | None  # None: read from the cluster
    object: ObjectRef
    admission: Admission
    policy: PolicyChoice
    server: ServerVerdict | None = None  # with --server
    psp: PspVerdict | None = None
    validation: Validation | None = None  # the API server's validation (objects from files)

    @property
    def invalid(self) -> bool:
        """The API server would reject the object as invalid: Pod Security never sees it."""
        return self.validation is not None and self.validation.valid is False

    @property
    def warnings(self) -> tuple[str, ...]:
        """The Warning headers the server would send: none for a Pod that
        PodSecurityPolicy denies, since Pod Security never sees it."""
        if self.invalid or (self.psp_denied and self.admission.is_pod):
            return ()
        return self.admission.warnings

    @property
    def psp_denied(self) -> bool:
        return self.psp is not None and not self.psp.allowed

    @property
    def denied(self) -> bool:
        """Its pods would be denied (by Pod Security, or by every PodSecurityPolicy),
        or (with --server) the server would refuse it."""
        return (self.admission.pods_allowed is False or self.psp_denied or self.invalid
                or bool(self.server and self.server.denied))

    @property
    def verdict(self) -> Verdict:
        """Denied when anything known denies it. Unknown when the mode that
        decides admission (enforce, or --level) cannot be known and the object
        is not exempt. Warn and audit never decide admission: when only they
        are unknown the verdict stands, and their evaluations (and the
        warnings) say unknown."""
        if self.invalid and not self.psp_denied:  # PodSecurityPolicy (mutating) denies first
            return Verdict.INVALID
        if self.denied:
            return Verdict.DENIED
        if self.admission.pods_allowed is None and not self.admission.exempt:
            return Verdict.UNKNOWN
        return Verdict.ALLOWED

    def to_dict(self) -> dict[str, Any]:
        adm = self.admission
        pods_allowed = adm.pods_allowed
        out: dict[str, Any] = {
            "source": source_dict(self.source),
            "object": self.object.to_dict(),
            "policySource": self.policy.source,
            "verdict": self.verdict._value_,  # .value, without the enum property's Python frame
            "evaluations": [_evaluation(e) for e in adm.evaluations],
            "objectAllowed": pods_allowed if adm.is_pod else True,
            "podsAllowed": pods_allowed,
        }
        if adm.exempt:
            out["exempt"] = adm.exempt
        if adm.object_exempt != adm.exempt:  # a workload whose requester and pods' creator differ
            out["objectExempt"] = adm.object_exempt
        if warnings := self.warnings:
            out["warnings"] = list(warnings)
        if self.policy.label_errors:
            out["labelErrors"] = [str(e) for e in self.policy.label_errors]
        if self.psp is not None:
            out["psp"] = self.psp.to_dict()
        if self.server is not None:
            out["server"] = self.server.to_dict()
        if self.validation is not None:
            out["validation"] = self.validation.to_dict()
        return out


def _evaluation(e: ModeEvaluation) -> dict[str, Any]:
    ev = e.evaluation
    if ev is None:  # the mode's policy cannot be known: nothing is claimed for it
        return {"mode": e.mode._value_, "level": None, "version": None, "resolvedVersion": None,
                "allowed": None, "unknown": e.unknown, "appliesToObject": e.applies_to_object,
                "message": None, "violations": []}
    return {
        "mode": e.mode._value_,  # .value, without the enum property's Python frame
        "level": ev.level_version.level._value_,
        "version": str(ev.level_version.version),
        "resolvedVersion": str(ev.resolved),
        "allowed": ev.allowed,
        "appliesToObject": e.applies_to_object,
        **({"pspMutated": True} if e.mutated else {}),
        "message": e.message,
        "violations": [
            {"check": v.check, "reason": v.reason, "detail": v.detail} for v in ev.violations
        ],
    }


class Skipped(NamedTuple):
    source: Source | None  # None: read from the cluster
    object: ObjectRef
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": source_dict(self.source), "object": self.object.to_dict(), "reason": self.reason}


class Failure(NamedTuple):
    """An error of the run as the report lists it: the message as on stderr,
    and where it came from (a document, a whole file, or the cluster)."""

    message: str
    source: Source | None = None
    file: str | None = None  # a whole file, when no document is to blame

    def to_dict(self) -> dict[str, Any]:
        where = {"file": self.file} if self.source is None and self.file is not None else source_dict(self.source)
        return {"source": where, "message": self.message}


class Summary:
    """Counts, kept as the results stream past."""

    def __init__(self) -> None:
        self.objects = self.allowed = self.denied = self.unknown = self.skipped = self.errors = 0
        self.nothing_read = False  # a cluster scan that could read no list at all

    def add(self, item: Result | Skipped) -> None:
        if isinstance(item, Skipped):
            self.skipped += 1
            return
        self.count(item.verdict)

    def count(self, verdict: Verdict, n: int = 1) -> None:
        """`n` objects checked, with this verdict (also of results rendered in a
        worker process, which come back as text: check/fanout.py)."""
        self.objects += n
        if verdict in (Verdict.DENIED, Verdict.INVALID):  # an invalid object is never created
            self.denied += n
        elif verdict is Verdict.UNKNOWN:
            self.unknown += n
        else:
            self.allowed += n

    def to_dict(self) -> dict[str, int]:
        return {"objects": self.objects, "allowed": self.allowed, "denied": self.denied,
                "unknown": self.unknown, "skipped": self.skipped, "errors": self.errors}

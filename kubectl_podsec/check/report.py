"""The check report (pure): which policy applies to each object, and its verdicts.

`Checker` turns one object into a `Result` (or a `Skipped`); results become the
versioned CheckReport document (`podsec.kubectl.io/v1alpha1`) via `to_dict`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..admission import seccomp_skew
from ..admission.verdicts import Admission, ModeEvaluation, admit, check_level, default_template
from ..admission.config import DEFAULT_CONFIG, PodSecurityConfig
from ..errors import InputError
from ..admission.labels import LabelError, Policy, policy_from_labels, warn_follows_enforce
from ..pss import Evaluator, InvalidPodSpec, LevelVersion
from ..admission.workloads import PodTemplate, TemplateError, carries_pod_spec, pod_template

if TYPE_CHECKING:  # the PSP engine is loaded only by runs that admit under PodSecurityPolicies
    from ..psp import Mutation

API_VERSION = "podsec.kubectl.io/v1alpha1"


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


class PolicyChoice(NamedTuple):
    """The policy an object's namespace gets, and where it came from."""

    policy: Policy | None  # None with --level
    source: str
    label_errors: tuple[LabelError, ...] = ()


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


# The PodSecurityPolicy verdict for (object, namespace), e.g. psp_admission.PspAdmission.
PspCheck = Callable[[Mapping[str, Any], str], "PspVerdict | None"]


class Result(NamedTuple):
    source: Mapping[str, Any]
    object: ObjectRef
    admission: Admission
    policy: PolicyChoice
    server: Mapping[str, Any] | None = None
    psp: PspVerdict | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        """The Warning headers the server would send: none for a Pod that
        PodSecurityPolicy denies, since Pod Security never sees it."""
        return () if self.psp_denied and self.admission.is_pod else self.admission.warnings

    @property
    def psp_denied(self) -> bool:
        return self.psp is not None and not self.psp.allowed

    @property
    def denied(self) -> bool:
        """Its pods would be denied (by Pod Security, or by every PodSecurityPolicy),
        or (with --server) the server would refuse it."""
        return (not self.admission.pods_allowed or self.psp_denied
                or bool(self.server and self.server.get("denied")))

    def to_dict(self) -> dict[str, Any]:
        adm = self.admission
        out: dict[str, Any] = {
            "source": dict(self.source),
            "object": self.object.to_dict(),
            "policySource": self.policy.source,
            "evaluations": [_evaluation(e) for e in adm.evaluations],
            "objectAllowed": adm.object_allowed,
            "podsAllowed": adm.pods_allowed,
        }
        if adm.exempt:
            out["exempt"] = adm.exempt
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.policy.label_errors:
            out["labelErrors"] = [str(e) for e in self.policy.label_errors]
        if self.psp is not None:
            out["psp"] = self.psp.to_dict()
        if self.server is not None:
            out["server"] = dict(self.server)
        return out


def _evaluation(e: ModeEvaluation) -> dict[str, Any]:
    ev = e.evaluation
    return {
        "mode": e.mode,
        "level": ev.level_version.level.value,
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
    source: Mapping[str, Any]
    object: ObjectRef
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": dict(self.source), "object": self.object.to_dict(), "reason": self.reason}


class Summary:
    """Counts, kept as the results stream past."""

    def __init__(self) -> None:
        self.objects = self.allowed = self.denied = self.skipped = self.errors = 0

    def add(self, item: Result | Skipped) -> None:
        if isinstance(item, Skipped):
            self.skipped += 1
            return
        self.objects += 1
        if item.denied:
            self.denied += 1
        else:
            self.allowed += 1

    def to_dict(self) -> dict[str, int]:
        return {"objects": self.objects, "allowed": self.allowed, "denied": self.denied,
                "skipped": self.skipped, "errors": self.errors}


class PolicyResolver:
    """Namespace -> policy: labels from the input's (or the cluster's) Namespace
    objects, else the assumed `--namespace-labels`, else the cluster defaults."""

    def __init__(self, config: PodSecurityConfig = DEFAULT_CONFIG,
                 namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
                 assumed_labels: Mapping[str, str] | None = None,
                 labels_origin: str | Callable[[str], str] = "Namespace object in the input") -> None:
        self.config = config
        self.namespace_labels = namespace_labels or {}
        self.assumed_labels = assumed_labels
        self.labels_origin = labels_origin
        self.server_minor: int | None = None  # the API server's minor version, where known
        self._cache: dict[str, PolicyChoice] = {}

    def defaults_source(self) -> str:
        if self.config.source is None:
            return "built-in defaults (privileged:latest; pass --admission-config for the cluster's)"
        return f"cluster defaults from {self.config.source}"

    def choose(self, namespace: str) -> PolicyChoice:
        if namespace not in self._cache:
            self._cache[namespace] = self._choose(namespace)
        return self._cache[namespace]

    def _choose(self, namespace: str) -> PolicyChoice:
        if namespace in self.namespace_labels:
            where = self.labels_origin(namespace) if callable(self.labels_origin) else self.labels_origin
            labels, origin = self.namespace_labels[namespace], f"labels of {where}"
        elif self.assumed_labels is not None:
            labels, origin = self.assumed_labels, "--namespace-labels"
        else:
            return PolicyChoice(self.config.defaults, self.defaults_source())
        policy, errors = policy_from_labels(labels, self.config.defaults,
                                            warn_follows_enforce(self.server_minor))
        if not any(k.startswith("pod-security.kubernetes.io/") for k in labels):
            origin = f"{self.defaults_source()} (namespace has no pod-security labels)"
        return PolicyChoice(policy, origin, errors)


class Checker:
    """Checks one object at a time against its namespace's policy, or `level`;
    with `psp`, also under PodSecurityPolicies."""

    def __init__(self, evaluator: Evaluator, resolver: PolicyResolver,
                 default_namespace: str = "default", level: LevelVersion | None = None,
                 username: str | None = None, psp: PspCheck | None = None) -> None:
        self.evaluator = evaluator
        self.resolver = resolver
        self.default_namespace = default_namespace
        self.level = level
        self.username = username
        self.psp = psp

    def check(self, obj: Mapping[str, Any], source: Mapping[str, Any]) -> Result | Skipped:
        kind, api_version = str(obj.get("kind")), str(obj.get("apiVersion"))
        meta = obj.get("metadata") or {}
        if not isinstance(meta, dict) or not all(
                isinstance(meta.get(k) or "", str) for k in ("name", "generateName", "namespace")):
            raise InputError(f"{kind}", "metadata: name and namespace must be strings in an object")
        namespaced = kind != "Namespace" and not kind.startswith("Cluster")
        namespace = (meta.get("namespace") or self.default_namespace) if namespaced else None
        ref = ObjectRef.of(obj, namespace)
        if not carries_pod_spec(kind, api_version):
            return Skipped(source, ref, f"{kind} carries no pod spec")
        try:
            template = pod_template(obj)
            if template is None:
                return Skipped(source, ref, f"{kind} has no pod template")
            is_pod = kind == "Pod"
            template = default_template(template, is_pod=is_pod)
            synced = seccomp_skew.apply(template, self.resolver.server_minor)
            if is_pod:  # the Pod as the server's create strategy leaves it
                template, created = synced, None
            else:  # the pods its controller creates get that treatment
                created = synced if synced is not template else None
            result = self._admit(template, is_pod, str(namespace), ref, source, created=created)
        except (TemplateError, InvalidPodSpec) as err:
            raise InputError(ref.describe(), str(err)) from None
        return result if self.psp is None else self._under_psp(self.psp, obj, template, result)

    def _under_psp(self, psp: PspCheck, obj: Mapping[str, Any], template: PodTemplate,
                   result: Result) -> Result:
        """The result with its PodSecurityPolicy verdict. PodSecurityPolicy admits in
        the mutating phase, Pod Security in the validating one: when the chosen
        policy changes the pod, Pod Security evaluates the changed pod."""
        ref, namespace = result.object, str(result.object.namespace)
        try:
            verdict = psp(obj, namespace)
            if verdict is None or verdict.pod is None:
                return result._replace(psp=verdict)
            pod = verdict.pod
            mutated = default_template(PodTemplate(pod.get("metadata") or {}, pod.get("spec") or {},
                                                   template.path), is_pod=True)
            # then the create strategy; a server that runs PodSecurityPolicy is 1.24 or older
            minor = self.resolver.server_minor
            mutated = seccomp_skew.apply(mutated, seccomp_skew.BOTH_WAYS_UNTIL if minor is None else minor)
            result = self._admit(template, ref.kind == "Pod", namespace, ref, result.source, mutated)
        except InputError as err:  # a pod the PodSecurityPolicy engine cannot decode
            raise InputError(ref.describe(), err.message) from None
        except InvalidPodSpec as err:
            raise InputError(ref.describe(), str(err)) from None
        return result._replace(psp=verdict)

    def _admit(self, template: PodTemplate, is_pod: bool, namespace: str, ref: ObjectRef,
               source: Mapping[str, Any], mutated: PodTemplate | None = None,
               created: PodTemplate | None = None) -> Result:
        if self.level is not None:
            choice = PolicyChoice(None, f"--level {self.level}")
            return Result(source, ref, check_level(template, self.level, self.evaluator, mutated, created),
                          choice)
        choice = self.resolver.choose(namespace)
        assert choice.policy is not None
        admission = admit(template, is_pod=is_pod, namespace=namespace, policy=choice.policy,
                          config=self.resolver.config, username=self.username,
                          evaluator=self.evaluator,
                          label_errors=tuple(str(e) for e in choice.label_errors), mutated=mutated,
                          created=created)
        return Result(source, ref, admission, choice)


def report_header() -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": "CheckReport"}

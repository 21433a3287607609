"""What a namespace's pods and workload templates pass (pure): each object
judged at baseline and restricted, counted per namespace in bounded memory.

`Judge` evaluates one object's pod template exactly as admission would after
the API server's defaulting; identical templates (replicas, a Deployment and
its ReplicaSet) are evaluated once, from a bounded cache. `Tally` keeps, per
namespace, counters and the first few blockers, never the objects.
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from ..admission import seccomp_skew
from ..admission.controller_pods import controller_pod
from ..admission.verdicts import default_template
from ..admission.labels import pod_security_labels
from ..pss import Evaluator, InvalidPodSpec, Level, LevelVersion, Version, Violation, pod_metadata, pod_spec
from .stages import Blocker, NamespacePlan, stage_of, strictest_passing
from ..admission.workloads import PodTemplate, TemplateError, pod_template

MAX_BLOCKERS = 10  # per namespace; the rest are counted
MAX_ERRORS = 5  # per namespace
CACHE_SIZE = 4096  # distinct templates remembered


class Finding(NamedTuple):
    """One template's violations at one level, with the text shown for them."""

    violations: tuple[Violation, ...]
    checks: tuple[str, ...]
    message: str

    @classmethod
    def of(cls, violations: tuple[Violation, ...]) -> Finding:
        return cls(violations, tuple(dict.fromkeys(v.check for v in violations)),
                   ", ".join(v.describe() for v in violations))


NONE = Finding((), (), "")


class Verdict(NamedTuple):
    """One object's findings at restricted and at baseline (a template that
    passes restricted passes baseline: it is not evaluated twice)."""

    restricted: Finding
    baseline: Finding
    exempt: bool = False  # its runtime class is exempt: never evaluated

    def at(self, level: Level) -> Finding:
        if level is Level.RESTRICTED:
            return self.restricted
        return self.baseline if level is Level.BASELINE else NONE


PASSES = Verdict(NONE, NONE)
EXEMPT = Verdict(NONE, NONE, exempt=True)


class Judge:
    """Evaluates pod templates at one policy version."""

    def __init__(self, evaluator: Evaluator, version: Version,
                 exempt_runtime_classes: frozenset[str] = frozenset(),
                 server_minor: int | None = None) -> None:
        self.evaluator = evaluator
        self.server_minor = server_minor  # the pods as this server's create strategy leaves them
        self.restricted = LevelVersion(Level.RESTRICTED, version)
        self.baseline = LevelVersion(Level.BASELINE, version)
        self.exempt_runtime_classes = exempt_runtime_classes
        self._cache: dict[bytes, Verdict] = {}
        self.evaluated = 0  # templates actually evaluated (cache misses)

    def judge(self, obj: Mapping[str, Any]) -> Verdict | None:
        """The verdict (EXEMPT for an exempt runtime class); None when the
        object has no pod template. TemplateError or InvalidPodSpec when malformed."""
        template = pod_template(obj)
        if template is None:
            return None
        runtime_class = template.spec.get("runtimeClassName")
        if isinstance(runtime_class, str) and runtime_class in self.exempt_runtime_classes:
            return EXEMPT
        is_pod = obj.get("kind") == "Pod"
        # marshal format 2 has no back-references: equal JSON values (keys in
        # the same order) give equal bytes, and it is several times faster than json.
        # What the pods' evaluation depends on: the template, and a StatefulSet's claim
        # templates (which replace its volumes); the rest a controller adds no check reads.
        parts: Any = (is_pod, template.metadata.get("annotations"), template.spec, _claims(obj))
        try:
            key = marshal.dumps(parts, 2)
        except ValueError:  # not plain JSON values: no caching
            return self._evaluate(self._created(obj, template, is_pod))
        found = self._cache.get(key)
        if found is None:
            found = self._evaluate(self._created(obj, template, is_pod))
            if len(self._cache) >= CACHE_SIZE:
                del self._cache[next(iter(self._cache))]
            self._cache[key] = found
        return found

    def _created(self, obj: Mapping[str, Any], template: PodTemplate, is_pod: bool) -> PodTemplate:
        """The pods as Pod Security sees them: a workload's as its controller creates
        them (controller_pods), then the Pod defaulting and the create strategy of the server."""
        made = None if is_pod else controller_pod(obj, "")
        if made is None:  # a Pod, or a PodTemplate (no controller: its template as a pod)
            defaulted = default_template(template, is_pod, self.server_minor)
            return seccomp_skew.apply(defaulted, self.server_minor)
        pod = made.admitted(self.server_minor)
        return PodTemplate(pod.get("metadata") or {}, pod.get("spec") or {}, template.path)

    def _evaluate(self, template: Any) -> Verdict:
        self.evaluated += 1
        prefix = f"{template.path}." if template.path else ""
        meta = pod_metadata(template.metadata, f"{prefix}metadata")
        spec = pod_spec(template.spec, f"{prefix}spec")
        restricted = self.evaluator.evaluate_pod(self.restricted, meta, spec).violations
        if not restricted:
            return PASSES
        baseline = self.evaluator.evaluate_pod(self.baseline, meta, spec).violations
        return Verdict(Finding.of(restricted), Finding.of(baseline) if baseline else NONE)


def _claims(obj: Mapping[str, Any]) -> Any:
    """A StatefulSet's claim templates, as far as its pods show them."""
    spec = obj.get("spec") if obj.get("kind") == "StatefulSet" else None
    return spec.get("volumeClaimTemplates") if isinstance(spec, Mapping) else None


def describe(obj: Mapping[str, Any]) -> str:
    """`Kind/name`, as the tables show objects."""
    meta = obj.get("metadata") or {}
    return f"{obj.get('kind')}/{meta.get('name') or meta.get('generateName') or ''}"


# Blockers shown are the first few in this order, whatever order the lists
# arrive in (they are read concurrently): Pods first, then by kind and name.
_KIND_RANK = {k: i for i, k in enumerate(("Pod", "ReplicationController", "ReplicaSet", "Deployment",
                                          "StatefulSet", "DaemonSet", "Job", "CronJob", "PodTemplate"))}


def _blocker_order(blocker: Blocker) -> tuple[int, str]:
    kind, _, name = blocker.object.partition("/")
    return _KIND_RANK.get(kind, len(_KIND_RANK)), blocker.object


def _first(blockers: list[Blocker]) -> list[Blocker]:
    return sorted(blockers, key=_blocker_order)[:MAX_BLOCKERS]


class Tally:
    """One namespace's counts against its target level."""

    __slots__ = ("level", "objects", "exempt", "not_restricted", "not_baseline", "blocked", "blockers",
                 "errors", "error_count")

    def __init__(self, level: Level) -> None:
        self.level = level
        self.objects = self.exempt = self.blocked = self.error_count = 0
        self.not_restricted = self.not_baseline = 0  # objects failing each level
        self.blockers: list[Blocker] = []
        self.errors: list[str] = []

    def add(self, obj: Mapping[str, Any], verdict: Verdict | None) -> None:
        if verdict is None:
            return
        if verdict.exempt:
            self.exempt += 1
            return
        self.objects += 1
        if verdict.restricted.violations:
            self.not_restricted += 1
            if verdict.baseline.violations:
                self.not_baseline += 1
        finding = verdict.at(self.level)
        if finding.violations:
            self.blocked += 1
            self.blockers = _first([*self.blockers, Blocker(describe(obj), finding.checks, finding.message)])

    def merge(self, other: Tally) -> None:
        """Add what another tally of the same namespace counted."""
        self.objects += other.objects
        self.exempt += other.exempt
        self.not_restricted += other.not_restricted
        self.not_baseline += other.not_baseline
        self.blocked += other.blocked
        self.blockers = _first(self.blockers + other.blockers)
        self.error_count += other.error_count
        self.errors += other.errors[:MAX_ERRORS - len(self.errors)]

    def error(self, text: str) -> None:
        """An object (or a list of them) that could not be evaluated."""
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(text)

    @property
    def strictest(self) -> Level:
        return strictest_passing({Level.RESTRICTED: self.not_restricted, Level.BASELINE: self.not_baseline})


def namespace_plan(namespace: Mapping[str, Any], tally: Tally | None, level: Level, version: Version,
                   skip: str | None) -> NamespacePlan:
    """The plan for one namespace from what was counted in it (nothing, when skipped)."""
    meta = namespace.get("metadata") or {}
    labels = pod_security_labels(meta.get("labels"))
    tally = tally or Tally(level)
    return NamespacePlan(
        str(meta.get("name") or ""), labels, stage_of(labels, level), tally.strictest, level, version,
        tally.objects, tuple(tally.blockers), skip, tally.blocked, tally.exempt, tuple(tally.errors),
        tally.error_count)


def count(items: Iterable[Mapping[str, Any]], tallies: dict[str, Tally], levels: Mapping[str, Level],
          judge: Judge) -> int:
    """Judge each object into its namespace's tally, made on first use at the
    namespace's level; objects of namespaces not in `levels` are passed over.
    Returns how many objects there were."""
    seen = 0
    for obj in items:
        seen += 1
        namespace = (obj.get("metadata") or {}).get("namespace") or ""
        tally = tallies.get(namespace)
        if tally is None:
            level = levels.get(namespace)
            if level is None:
                continue
            tally = tallies[namespace] = Tally(level)
        try:
            tally.add(obj, judge.judge(obj))
        except (TemplateError, InvalidPodSpec) as err:
            tally.error(f"{describe(obj)}: {err}")
    return seen

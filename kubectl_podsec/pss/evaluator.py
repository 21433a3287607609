"""Evaluate a pod against a level:version, as upstream's checkRegistry does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .levels import Level, LevelVersion, Version
from .podspec import PodMetadata, PodSpec, pod_metadata, pod_spec
from .check import ALLOWED
from .registry import REGISTRY, OrderedCheck, Registry

UNKNOWN_FORBIDDEN_REASON = "unknown forbidden reason"


class Violation(NamedTuple):
    check: str
    reason: str
    detail: str

    def describe(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


class Evaluation(NamedTuple):
    """The result at one level:version. `level_version` is as requested (and as
    printed in messages); `resolved` is the policy version actually applied."""

    level_version: LevelVersion
    resolved: Version
    violations: tuple[Violation, ...]

    @property
    def allowed(self) -> bool:
        return not self.violations

    @property
    def forbidden_reason(self) -> str:
        return ", ".join([v.reason for v in self.violations])

    @property
    def forbidden_detail(self) -> str:
        return ", ".join([f"{v.reason} ({v.detail})" if v.detail else v.reason for v in self.violations])


class _Plan(NamedTuple):
    """What evaluating at one level:version takes, worked out once."""

    lv: LevelVersion  # kept, so the id that keys the plan cannot be reused while it is cached
    resolved: Version
    checks: tuple[OrderedCheck, ...]
    allowed: Evaluation  # the result when every check passes


_MAX_PLANS = 4096  # level:version objects seen (a few per namespace); past it the cache starts over


class Evaluator:
    """Evaluates pods; `max_version` caps what `latest` and newer versions mean,
    as the API server's emulation version (or its own release) does."""

    def __init__(self, max_version: int | None = None, registry: Registry = REGISTRY) -> None:
        self.registry = registry
        cap = registry.max_minor
        if max_version is not None and max_version < cap:
            cap = max(max_version, 0)
        self.max_minor = cap
        self._newest = Version(cap)
        # Keyed by the LevelVersion's identity: the same few objects (a namespace's policy,
        # --level) come back for every pod, and hashing an enum member runs Python code.
        self._plans: dict[int, _Plan] = {}

    def resolve(self, version: Version) -> Version:
        if version.minor is None or version.minor > self.max_minor:
            return self._newest
        return version

    def _plan(self, lv: LevelVersion) -> _Plan:
        plan = self._plans.get(id(lv))
        if plan is None or plan.lv is not lv:
            if len(self._plans) >= _MAX_PLANS:
                self._plans.clear()
            resolved = self.resolve(lv.version)
            checks = () if lv.level is Level.PRIVILEGED else self.registry.checks_for(lv.level, resolved.minor or 0)
            plan = self._plans[id(lv)] = _Plan(lv, resolved, checks, Evaluation(lv, resolved, ()))
        return plan

    def evaluate_pod(self, lv: LevelVersion, meta: PodMetadata, spec: PodSpec) -> Evaluation:
        plan = self._plan(lv)
        violations = None
        for check_id, check in plan.checks:
            result = check(meta, spec)
            if result is ALLOWED or result.allowed:
                continue
            if violations is None:
                violations = []
            violations.append(Violation(check_id, result.reason or UNKNOWN_FORBIDDEN_REASON, result.detail))
        return plan.allowed if violations is None else Evaluation(lv, plan.resolved, tuple(violations))

    def evaluate(
        self, lv: LevelVersion, metadata: Mapping[str, Any] | None, spec: Mapping[str, Any] | None
    ) -> Evaluation:
        """Evaluate plain dicts; InvalidPodSpec when a field has the wrong JSON type."""
        return self.evaluate_pod(lv, pod_metadata(metadata), pod_spec(spec))


DEFAULT_EVALUATOR = Evaluator()


def evaluate(
    lv: LevelVersion, metadata: Mapping[str, Any] | None, spec: Mapping[str, Any] | None
) -> Evaluation:
    return DEFAULT_EVALUATOR.evaluate(lv, metadata, spec)

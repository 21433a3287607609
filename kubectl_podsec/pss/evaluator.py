"""Evaluate a pod against a level:version, as upstream's checkRegistry does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .levels import Level, LevelVersion, Version
from .podspec import PodMetadata, PodSpec, pod_metadata, pod_spec
from .registry import REGISTRY, Registry

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
        return ", ".join(v.reason for v in self.violations)

    @property
    def forbidden_detail(self) -> str:
        return ", ".join(v.describe() for v in self.violations)


class Evaluator:
    """Evaluates pods; `max_version` caps what `latest` and newer versions mean,
    as the API server's emulation version (or its own release) does."""

    def __init__(self, max_version: int | None = None, registry: Registry = REGISTRY) -> None:
        self.registry = registry
        cap = registry.max_minor
        if max_version is not None and max_version < cap:
            cap = max(max_version, 0)
        self.max_minor = cap

    def resolve(self, version: Version) -> Version:
        if version.minor is None or version.minor > self.max_minor:
            return Version(self.max_minor)
        return version

    def evaluate_pod(self, lv: LevelVersion, meta: PodMetadata, spec: PodSpec) -> Evaluation:
        resolved = self.resolve(lv.version)
        if lv.level is Level.PRIVILEGED:
            return Evaluation(lv, resolved, ())
        violations = []
        for entry in self.registry.checks_for(lv.level, resolved.minor or 0):
            result = entry.check(meta, spec)
            if not result.allowed:
                reason = result.reason or UNKNOWN_FORBIDDEN_REASON
                violations.append(Violation(entry.id, reason, result.detail))
        return Evaluation(lv, resolved, tuple(violations))

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

"""The Pod Security Standards engine: pure, standard library only.

    from kubectl_podsec.pss import LevelVersion, evaluate
    result = evaluate(LevelVersion.parse("restricted", "v1.30"), pod["metadata"], pod["spec"])
    result.allowed, result.forbidden_detail, result.violations

`Evaluator(max_version=N)` caps `latest` at v1.N, as an older API server would.
"""

from __future__ import annotations

from .evaluator import DEFAULT_EVALUATOR, Evaluation, Evaluator, Violation, evaluate
from .levels import LEVEL_ERROR, VERSION_ERROR, Level, LevelVersion, Version, server_minor
from .podspec import InvalidPodSpec, PodMetadata, PodSpec, pod_metadata, pod_spec
from .registry import CHECKS, DESCRIPTIONS, NEWEST_MINOR, REGISTRY

__all__ = [
    "CHECKS", "DESCRIPTIONS", "DEFAULT_EVALUATOR", "Evaluation", "Evaluator", "InvalidPodSpec", "LEVEL_ERROR",
    "Level", "LevelVersion", "NEWEST_MINOR", "PodMetadata", "PodSpec", "REGISTRY",
    "VERSION_ERROR", "Version", "Violation", "evaluate", "pod_metadata", "pod_spec", "server_minor",
]

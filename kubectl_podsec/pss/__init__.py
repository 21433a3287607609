"""The Pod Security Standards engine: pure, standard library only.

    from kubectl_podsec.pss import LevelVersion, evaluate
    result = evaluate(LevelVersion.parse("restricted", "v1.30"), pod["metadata"], pod["spec"])
    result.allowed, result.forbidden_detail, result.violations

`Evaluator(max_version=N)` caps `latest` at v1.N, as an older API server would.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .levels import LEVEL_ERROR, VERSION_ERROR, Level, LevelVersion, Version, server_minor

if TYPE_CHECKING:
    from .evaluator import DEFAULT_EVALUATOR, Evaluation, Evaluator, Violation, evaluate
    from .podspec import InvalidPodSpec, PodMetadata, PodSpec, pod_metadata, pod_spec
    from .registry import CHECKS, DESCRIPTIONS, NEWEST_MINOR, REGISTRY

# The checks and the evaluator are imported on first use: commands that only name a level
# (whoami, rollout's label parsing) start without them.
_LAZY = {name: module for module, names in (
    ("evaluator", ("DEFAULT_EVALUATOR", "Evaluation", "Evaluator", "Violation", "evaluate")),
    ("podspec", ("InvalidPodSpec", "PodMetadata", "PodSpec", "pod_metadata", "pod_spec")),
    ("registry", ("CHECKS", "DESCRIPTIONS", "NEWEST_MINOR", "REGISTRY"))) for name in names}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value

__all__ = [
    "CHECKS", "DESCRIPTIONS", "DEFAULT_EVALUATOR", "Evaluation", "Evaluator", "InvalidPodSpec", "LEVEL_ERROR",
    "Level", "LevelVersion", "NEWEST_MINOR", "PodMetadata", "PodSpec", "REGISTRY",
    "VERSION_ERROR", "Version", "Violation", "evaluate", "pod_metadata", "pod_spec", "server_minor",
]

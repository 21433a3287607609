"""What a check is: an ID, a level, and versioned variants of a pure function."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .levels import Level
from .podspec import PodMetadata, PodSpec


class CheckResult(NamedTuple):
    allowed: bool
    reason: str = ""
    detail: str = ""


ALLOWED = CheckResult(True)


def forbidden(reason: str, detail: str) -> CheckResult:
    return CheckResult(False, reason, detail)


CheckFn = Callable[[PodMetadata, PodSpec], CheckResult]


class Variant(NamedTuple):
    """The check's behaviour from policy version v1.<minimum> on."""

    minimum: int
    check: CheckFn
    overrides: tuple[str, ...] = ()


class Check(NamedTuple):
    id: str
    level: Level
    variants: tuple[Variant, ...]

    def variant_at(self, minor: int) -> Variant | None:
        """The variant in force at v1.<minor>: the newest one not newer than it."""
        found = None
        for variant in self.variants:
            if variant.minimum <= minor:
                found = variant
        return found

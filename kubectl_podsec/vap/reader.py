"""Read an exported policy back: its level, version and skipped checks, and an
evaluator that judges pods as the policy does, offline (`check --policy`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..pss import REGISTRY, Evaluator, LevelVersion, Version
from .policy import LEVEL, POLICY_VERSION, SKIP, TEMPLATES, VERSION
from .rules import checks_in_force

KIND = "ValidatingAdmissionPolicy"


@dataclass(frozen=True)
class ExportedPolicy:
    name: str
    level_version: LevelVersion  # as exported (`latest` stays `latest` in messages)
    minor: int  # the policy version its rules were written for
    skipped: frozenset[str]
    templates: bool

    def evaluator(self) -> Evaluator:
        """The engine with the skipped checks left out, `latest` meaning v1.<minor>."""
        return Evaluator(self.minor, REGISTRY.without(self.skipped))


def _annotation(annotations: Mapping[str, Any], key: str, where: str) -> str:
    value = annotations.get(key)
    if not isinstance(value, str):
        raise InputError(where, f"annotation {key} is missing: not a policy exported by kubectl podsec")
    return value


def read_policy(obj: Mapping[str, Any], where: str) -> ExportedPolicy:
    """The policy's parameters from its annotations; InputError when they are
    missing or name a level, version or check the engine does not know."""
    meta = obj.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    if not isinstance(annotations, dict):
        raise InputError(where, "metadata.annotations must be a map")
    try:
        lv = LevelVersion.parse(_annotation(annotations, LEVEL, where), _annotation(annotations, VERSION, where))
        minor = Version.parse(_annotation(annotations, POLICY_VERSION, where)).minor
    except ValueError as err:
        raise InputError(where, f"invalid level or version annotation: {err}") from None
    if minor is None:
        raise InputError(where, f"annotation {POLICY_VERSION} must be v1.N")
    skipped = frozenset(s for s in _annotation(annotations, SKIP, where).split(",") if s)
    in_force = checks_in_force(lv.level, minor)
    unknown = sorted(skipped - set(in_force))
    if unknown:
        raise InputError(where, f"skips checks that {lv.level}:v1.{minor} does not have: {', '.join(unknown)}")
    return ExportedPolicy(str(meta.get("name") or ""), lv, minor, skipped,
                          annotations.get(TEMPLATES) == "true")


def find_policy(docs: Iterable[tuple[Mapping[str, Any], str]]) -> ExportedPolicy:
    """The one exported policy among documents (bindings and others are ignored);
    several policies that judge differently are an error."""
    found: list[tuple[ExportedPolicy, str]] = []
    for obj, where in docs:
        if obj.get("kind") == KIND:
            found.append((read_policy(obj, where), where))
    if not found:
        raise InputError("--policy", f"no {KIND} found")
    first, _ = found[0]
    for other, where in found[1:]:
        if (other.level_version, other.minor, other.skipped) != (first.level_version, first.minor, first.skipped):
            raise InputError(where, f"a second policy ({other.name}) that judges differently from {first.name}: "
                                    "give one policy at a time")
    return first

"""Namespace labels to the policy per mode, exactly as upstream's PolicyToEvaluate."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import NamedTuple

from ..pss import Level, LevelVersion, Version
from ..pss.text import go_quote



class Mode(str, enum.Enum):
    """A Pod Security Admission mode; `level` stands for one standard asked
    for by name (`--level`), whatever the namespace's modes. Equal to (and
    hashed as) its value, so it keys the same dicts a label's mode does."""

    ENFORCE = "enforce"
    AUDIT = "audit"
    WARN = "warn"
    LEVEL = "level"

    def __str__(self) -> str:
        return self.value


PREFIX = "pod-security.kubernetes.io/"
MODES = (Mode.ENFORCE, Mode.AUDIT, Mode.WARN)
LEVEL_LABELS: dict[str, str] = {mode: PREFIX + mode for mode in MODES}
VERSION_LABELS: dict[str, str] = {mode: f"{PREFIX}{mode}-version" for mode in MODES}
# The order upstream validates (and reports) them in.
ALL_LABELS = tuple(label for m in MODES for label in (LEVEL_LABELS[m], VERSION_LABELS[m]))

PRIVILEGED_LATEST = LevelVersion(Level.PRIVILEGED, Version.latest())


class Policy(NamedTuple):
    enforce: LevelVersion
    audit: LevelVersion
    warn: LevelVersion

    def for_mode(self, mode: str) -> LevelVersion:
        lv: LevelVersion = getattr(self, mode)
        return lv

    @property
    def fully_privileged(self) -> bool:
        return all(self.for_mode(m).level is Level.PRIVILEGED for m in MODES)

    def equivalent(self, other: Policy) -> bool:
        return all(self.for_mode(m).equivalent(other.for_mode(m)) for m in MODES)


PRIVILEGED_POLICY = Policy(PRIVILEGED_LATEST, PRIVILEGED_LATEST, PRIVILEGED_LATEST)


class LabelError(NamedTuple):
    label: str
    value: str
    detail: str

    def __str__(self) -> str:
        # The API server quotes the whole value; a long one is cut so errors stay readable.
        value = self.value if len(self.value) <= 100 else f"{self.value[:100]}..."
        return f"metadata.labels[{self.label}]: Invalid value: {go_quote(value)}: {self.detail}"


def _level(labels: Mapping[str, str], mode: str, fallback: Level,
           errors: list[LabelError]) -> Level | None:
    label = LEVEL_LABELS[mode]
    if label not in labels:
        return None
    try:
        return Level.parse(labels[label])
    except ValueError as err:
        errors.append(LabelError(label, labels[label], str(err)))
        return fallback


# kubernetes/kubernetes#113491: the warn level defaults to the enforce level.
WARN_FOLLOWS_ENFORCE_SINCE = 26


def _version(labels: Mapping[str, str], mode: str, errors: list[LabelError]) -> Version | None:
    label = VERSION_LABELS[mode]
    if label not in labels:
        return None
    try:
        return Version.parse(labels[label])
    except ValueError as err:
        errors.append(LabelError(label, labels[label], str(err)))
        return Version.latest()


def warn_follows_enforce(server_minor: int | None) -> bool:
    """Whether this API server raises an unset warn to the enforce level: from
    Kubernetes 1.26 (None: the newest behaviour)."""
    return server_minor is None or server_minor >= WARN_FOLLOWS_ENFORCE_SINCE


def policy_from_labels(
    labels: Mapping[str, str] | None, defaults: Policy, warn_follows: bool = True
) -> tuple[Policy, tuple[LabelError, ...]]:
    """The policy per mode and the label errors. Invalid values fall back as
    upstream does: enforce fails closed (restricted), audit and warn open
    (privileged), versions to latest. Without a warn label, warn is raised to
    a stricter valid enforce level (and its version, unless warn-version is
    set), on servers that do so (`warn_follows`: 1.26 and later)."""
    if not labels:
        return defaults, ()
    errors: list[LabelError] = []
    parsed: dict[str, LevelVersion] = {}
    levels = {}
    for mode in MODES:
        default = defaults.for_mode(mode)
        fallback = Level.RESTRICTED if mode == "enforce" else Level.PRIVILEGED
        levels[mode] = _level(labels, mode, fallback, errors)
        version = _version(labels, mode, errors)
        parsed[mode] = LevelVersion(levels[mode] or default.level, version or default.version)
    enforce_valid = LEVEL_LABELS["enforce"] in labels and not any(
        e.label == LEVEL_LABELS["enforce"] for e in errors
    )
    warn = parsed["warn"]
    if (warn_follows and LEVEL_LABELS["warn"] not in labels and enforce_valid
            and parsed["enforce"].level.strictness > warn.level.strictness):
        version = warn.version if VERSION_LABELS["warn"] in labels else parsed["enforce"].version
        parsed["warn"] = LevelVersion(parsed["enforce"].level, version)
    return Policy(parsed["enforce"], parsed["audit"], parsed["warn"]), tuple(errors)


def pod_security_labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    """Only the pod-security.kubernetes.io/ labels, in upstream's order."""
    labels = labels or {}
    return {k: labels[k] for k in ALL_LABELS if k in labels}

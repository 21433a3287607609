"""Levels, versions and level:version pairs, parsed exactly as upstream does."""

from __future__ import annotations

import enum
import re
from typing import NamedTuple

_VERSION = re.compile(r"^v1\.([0-9]|[1-9][0-9]*)$")
_INT64_MAX = 2**63 - 1

LEVEL_ERROR = "must be one of privileged, baseline, restricted"
VERSION_ERROR = 'must be "latest" or "v1.x"'


class Level(enum.Enum):
    PRIVILEGED = "privileged"
    BASELINE = "baseline"
    RESTRICTED = "restricted"

    @property
    def strictness(self) -> int:
        return _STRICTNESS[self]

    def __str__(self) -> str:
        return self._value_  # as .value, without the enum property's Python frame

    @classmethod
    def parse(cls, text: str) -> Level:
        """The level named exactly (case-sensitive); ValueError otherwise."""
        try:
            return cls(text)
        except ValueError:
            raise ValueError(LEVEL_ERROR) from None


_STRICTNESS = {Level.PRIVILEGED: 0, Level.BASELINE: 1, Level.RESTRICTED: 2}


class Version(NamedTuple):
    """`latest` (minor is None) or v1.<minor>; `latest` is newer than every number."""

    minor: int | None

    @classmethod
    def latest(cls) -> Version:
        return cls(None)

    @classmethod
    def parse(cls, text: str) -> Version:
        if text == "latest":
            return cls(None)
        match = _VERSION.match(text)
        # Go's regexp `$` does not match before a trailing newline; Python's does.
        if match is None or text.endswith("\n") or int(match.group(1)) > _INT64_MAX:
            raise ValueError(VERSION_ERROR)
        return cls(int(match.group(1)))

    @property
    def is_latest(self) -> bool:
        return self.minor is None

    def older(self, other: Version) -> bool:
        if self.minor is None:
            return False
        if other.minor is None:
            return True
        return self.minor < other.minor

    def __str__(self) -> str:
        return "latest" if self.minor is None else f"v1.{self.minor}"


_SERVER_VERSION = re.compile(r"^v?1\.(0|[1-9][0-9]*)(\.[0-9]+)?([-+].*)?$")


def server_minor(text: str) -> int:
    """A server's version (`v1.N`, `1.N`, `v1.N.P`, a gitVersion such as
    `v1.30.2-eks-1`) to N; ValueError for anything else."""
    match = _SERVER_VERSION.match(text.strip())
    if not match:
        raise ValueError(f'invalid value "{text}": must look like v1.30')
    return int(match.group(1))


class LevelVersion(NamedTuple):
    level: Level
    version: Version

    @classmethod
    def parse(cls, level: str, version: str = "latest") -> LevelVersion:
        return cls(Level.parse(level), Version.parse(version))

    def equivalent(self, other: LevelVersion) -> bool:
        both_privileged = self.level is Level.PRIVILEGED and other.level is Level.PRIVILEGED
        return both_privileged or self == other

    def __str__(self) -> str:
        return f"{self.level}:{self.version}"

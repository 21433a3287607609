"""The values the command line names, parsed once by click: a level, a policy
version, a server version, a rollout stage."""

from __future__ import annotations

from typing import Any

import click

from ..pss import Level, LevelVersion, Version, server_minor


class LevelType(click.Choice):  # type: ignore[type-arg]  # generic from click 8.2 only
    """One of the levels offered, as a `pss.Level`."""

    name = "level"

    def __init__(self, *levels: str) -> None:
        super().__init__(levels or ("privileged", "baseline", "restricted"))

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Level):
            return value
        return Level(super().convert(value, param, ctx))


class PolicyVersionType(click.ParamType):  # type: ignore[type-arg]
    """`latest` or `v1.N`, as a `pss.Version`."""

    name = "version"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Version):
            return value
        try:
            return Version.parse(value)
        except ValueError as err:
            self.fail(f'invalid value "{value}": {err}', param, ctx)


class ServerVersionType(click.ParamType):  # type: ignore[type-arg]
    """`v1.N` (or `1.N`, `v1.N.P`), as the minor N."""

    name = "v1.N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int):
            return value
        try:
            return server_minor(value)
        except ValueError as err:
            self.fail(str(err), param, ctx)


class StageType(click.Choice):  # type: ignore[type-arg]
    """A rollout stage to reach (warn, audit, enforce), as a `rollout.stages.Stage`."""

    name = "stage"

    def __init__(self) -> None:
        super().__init__(("warn", "audit", "enforce"))

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..rollout.stages import Stage

        if isinstance(value, Stage):
            return value
        return Stage.parse(super().convert(value, param, ctx))


def level_version(level: Level | None, version: Version | None) -> LevelVersion | None:
    """`--level` with its `--version` (latest when not given); `--version` alone is a usage error."""
    if level is None:
        if version is not None:
            raise click.UsageError("--version needs --level")
        return None
    return LevelVersion(level, version or Version.latest())


LEVEL = LevelType()
STAGE = StageType()
ENFORCEABLE_LEVEL = LevelType("baseline", "restricted")
POLICY_VERSION = PolicyVersionType()
SERVER_VERSION = ServerVersionType()

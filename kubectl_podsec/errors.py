"""Exit codes and the exceptions that map to them, turned into exits in one place."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0  # success; nothing would be denied
    FINDINGS = 1  # something would be denied, or a rollout step is blocked
    USAGE = 2  # usage error or invalid input
    CLUSTER = 3  # unreachable, unauthenticated, forbidden, API error
    PARTIAL = 4  # some objects or namespaces could not be evaluated
    INTERNAL = 5  # a bug in kubectl podsec: never the user's input (that is USAGE)
    INTERRUPTED = 130

    @staticmethod
    def worst(*codes: ExitCode) -> ExitCode:
        """The code a run ends with when several apply: input errors first,
        then cluster errors, partial results, findings."""
        order = (ExitCode.USAGE, ExitCode.CLUSTER, ExitCode.PARTIAL, ExitCode.FINDINGS)
        return next((c for c in order if c in codes), ExitCode.OK)


class PodsecError(Exception):
    """An expected failure: printed as one or two lines, never a traceback."""

    exit_code = ExitCode.USAGE


class UsageError(PodsecError):
    exit_code = ExitCode.USAGE


class InputError(PodsecError):
    """A file, document or object that cannot be read or is not valid."""

    exit_code = ExitCode.USAGE

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        # Pickled whole when a check runs in a worker process (check/fanout.py).
        return (type(self), (self.where, self.message))


class ClusterError(PodsecError):
    exit_code = ExitCode.CLUSTER


class AlreadyReported(PodsecError):
    """Failures already written to stderr, one line each: only the exit code is left."""

    def __init__(self, exit_code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__("")
        self.exit_code = exit_code

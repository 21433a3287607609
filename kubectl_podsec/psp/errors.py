"""The only exceptions the PodSecurityPolicy engine raises on bad input."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class PspInputError(ValueError):
    """An input the API server would not have accepted, so nothing can be simulated.

    ``path`` names the offending field in the input document (JSON shape), or is empty
    when the whole document is wrong; ``str(error)`` is a one-line message for users.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


class PodDecodeError(PspInputError):
    """A pod (or pod template) field has a type the API server's decoder rejects."""


class PolicyDecodeError(PspInputError):
    """A PodSecurityPolicy field has a type the API server's decoder rejects."""


def bounded_recursion(entry: Callable[P, R]) -> Callable[P, R]:
    """An entry point whose input may be nested too deeply for the engine's
    copies and comparisons (or contain itself): that input becomes a
    ``PodDecodeError``, like any other the API server would not decode. The
    command line never gets here: its loader refuses such documents first."""

    @functools.wraps(entry)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return entry(*args, **kwargs)
        except RecursionError:
            raise PodDecodeError("", "nested too deeply (or contains itself)") from None

    return guarded

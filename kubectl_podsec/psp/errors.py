"""The only exceptions the PodSecurityPolicy engine raises on bad input."""

from __future__ import annotations


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

"""One CEL validation: the form of one engine check variant in a policy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """`expression` is true when the pod passes. The variables are named after the
    check, so the rules of one policy never collide; `reason` is the static
    message used if `message_expression` cannot be evaluated."""

    check: str
    variables: tuple[tuple[str, str], ...]
    expression: str
    message_expression: str
    reason: str

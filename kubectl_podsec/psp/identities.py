"""User and group ID strategies: runAsUser, runAsGroup, supplementalGroups, fsGroup.

Upstream: pkg/security/podsecuritypolicy/user/{mustrunas,nonroot,runasany}.go and
group/{mustrunas,mayrunas,runasany,helpers}.go.
"""

from __future__ import annotations

from .fielderrors import FieldError, GoSlice, Path, invalid, required
from .policy import MUST_RUN_AS, MUST_RUN_AS_NON_ROOT, IDStrategy


def generate_id(strategy: IDStrategy | None) -> int | None:
    """The value MustRunAs writes when the field is unset; other rules write nothing."""
    if strategy is None or strategy.rule != MUST_RUN_AS or not strategy.ranges:
        return None
    return strategy.ranges[0].min


def validate_groups(strategy: IDStrategy | None, path: Path,
                    groups: list[int] | None) -> list[FieldError]:
    """Group rules: MustRunAs needs a value in range, MayRunAs checks only what is set.

    ``groups`` is None for a nil slice and [] for an explicitly empty one; Go prints them
    differently (``[]int64(nil)`` versus ``[]int64{}``), so the distinction is kept.
    """
    if strategy is None or strategy.rule not in (MUST_RUN_AS, "MayRunAs"):
        return []
    value = GoSlice("int64", None if groups is None else tuple(groups))
    errors = []
    if strategy.rule == MUST_RUN_AS and not groups:
        errors.append(invalid(path, value, "unable to validate empty groups against required ranges"))
    for group in groups or ():
        if not strategy.allows(group):
            detail = f"group {group} must be in the ranges: {strategy.ranges_text()}"
            errors.append(invalid(path, value, detail))
    return errors


def validate_user(strategy: IDStrategy, context_path: Path, run_as_non_root: bool | None,
                  run_as_user: int | None) -> list[FieldError]:
    """runAsUser rules, checked against the container's effective values."""
    if strategy.rule == MUST_RUN_AS:
        if run_as_user is None:
            return [required(context_path.child("runAsUser"))]
        if not strategy.allows(run_as_user):
            detail = f"must be in the ranges: {strategy.ranges_text()}"
            return [invalid(context_path.child("runAsUser"), run_as_user, detail)]
    elif strategy.rule == MUST_RUN_AS_NON_ROOT:
        if run_as_non_root is None and run_as_user is None:
            return [required(context_path.child("runAsNonRoot"), "must be true")]
        if run_as_non_root is False:
            return [invalid(context_path.child("runAsNonRoot"), False, "must be true")]
        if run_as_user == 0:
            return [invalid(context_path.child("runAsUser"), 0,
                            "running with the root UID is forbidden")]
    return []

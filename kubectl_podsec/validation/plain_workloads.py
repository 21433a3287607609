"""The common case of a Deployment's validation, answered fast like plain.py answers for
Pods: True when ValidateDeployment finds nothing at all (no error, no doubt), False for
"look closer" (the exact rules of workloads.py then run).

It accepts a selector of matchLabels only, which the template's labels match, the
counts in range, a progress deadline above minReadySeconds, and a template plain.py
accepts with the restart policy a ReplicaSet allows; a strategy is judged by its rule.
"""

from __future__ import annotations

from typing import Any

from . import strategies
from .plain import OBJECT_KEYS, label_map, object_meta, template_plainly
from .plain_security import clean

_DEPLOYMENT_KEYS = frozenset(("replicas", "selector", "template", "strategy", "minReadySeconds",
                              "revisionHistoryLimit", "progressDeadlineSeconds", "paused"))
_COUNTS = ("replicas", "minReadySeconds", "revisionHistoryLimit")
_DEADLINE = 600  # progressDeadlineSeconds when not set (SetDefaults_Deployment)


def deployment_plainly(obj: dict[str, Any]) -> bool:
    """True when validating the Deployment `obj` (decoded without a problem) finds nothing."""
    spec = obj.get("spec")
    if not obj.keys() <= OBJECT_KEYS or type(spec) is not dict or not spec.keys() <= _DEPLOYMENT_KEYS:
        return False
    if not object_meta(obj.get("metadata")) or not all(_count(spec.get(key)) for key in _COUNTS):
        return False
    deadline = spec.get("progressDeadlineSeconds")
    if not _count(deadline) or (_DEADLINE if deadline is None else deadline) <= (spec.get("minReadySeconds") or 0):
        return False
    if spec.get("strategy") is not None and \
            not clean(lambda r: strategies.deployment(r, r.obj(spec, "strategy", "spec"))):
        return False
    return _selected_template(spec.get("selector"), spec.get("template"))


def _count(value: Any) -> bool:
    """An int32 that is not negative, or none."""
    return value is None or (type(value) is int and 0 <= value < 1 << 31)


def _selected_template(selector: Any, template: Any) -> bool:
    """The selector's labels, valid and not empty, match the template's; the template is
    plain and restarts Always without a deadline (ValidatePodTemplateSpecForReplicaSet)."""
    if type(selector) is not dict or not selector.keys() <= {"matchLabels"} or type(template) is not dict:
        return False
    wanted, meta = selector.get("matchLabels"), template.get("metadata")
    labels = meta.get("labels") if type(meta) is dict else None
    if type(wanted) is not dict or not wanted or not label_map(wanted) or type(labels) is not dict:
        return False
    for key, value in wanted.items():
        if labels.get(key) != value:
            return False
    if not template_plainly(template):
        return False
    spec = template["spec"]
    return spec.get("restartPolicy") in (None, "", "Always") and spec.get("activeDeadlineSeconds") is None

"""Affinity (validateAffinity: its valid shapes are recognised, anything that could fail is
doubted), topology spread constraints (validateTopologySpreadConstraints) and tolerations
(ValidateTolerations: recognised or doubted, like affinity)."""

from __future__ import annotations

from . import formats, selectors
from .field import FieldError, duplicate, go_json, invalid, not_supported, required
from .source import Json, Reader

_NODE_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
_WHEN = ("DoNotSchedule", "ScheduleAnyway")


def affinity(r: Reader, data: Json | None, path: str) -> None:
    if data is None:
        return
    r.only(data, ("nodeAffinity", "podAffinity", "podAntiAffinity"), path)
    node = r.obj(data, "nodeAffinity", path)
    if node is not None:
        _node_affinity(r, node, f"{path}.nodeAffinity")
    for key in ("podAffinity", "podAntiAffinity"):
        pod = r.obj(data, key, path)
        if pod is not None:
            _pod_affinity(r, pod, f"{path}.{key}")


def _node_affinity(r: Reader, node: Json, path: str) -> None:
    required, preferred = "requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"
    r.only(node, (required, preferred), path)
    selector = r.obj(node, required, path)
    if selector is not None:
        r.only(selector, ("nodeSelectorTerms",), f"{path}.{required}")
        terms = r.objs(selector, "nodeSelectorTerms", f"{path}.{required}")
        if not terms or not all(_node_term(r, t, path) for t in terms):
            r.doubt(f"{path}.{required}: this node selector is not modelled")
    for item in r.objs(node, preferred, path):
        r.only(item, ("weight", "preference"), f"{path}.{preferred}")
        if not _weight(r, item, path) or not _node_term(r, r.obj(item, "preference", path) or {}, path):
            r.doubt(f"{path}.{preferred}: this preference is not modelled")


def _node_term(r: Reader, term: Json, path: str) -> bool:
    r.only(term, ("matchExpressions",), path)
    for item in r.objs(term, "matchExpressions", path):
        r.only(item, ("key", "operator", "values"), path)
        key, op = r.string(item, "key", path), r.string(item, "operator", path)
        values = r.strs(item, "values", path)
        counts = {"In": len(values) > 0, "NotIn": len(values) > 0, "Exists": not values, "DoesNotExist": not values,
                  "Gt": len(values) == 1, "Lt": len(values) == 1}
        if op not in _NODE_OPERATORS or not counts[op] or formats.label_key(key) or \
                any(formats.label_value(v) for v in values):
            return False
    return True


def _pod_affinity(r: Reader, data: Json, path: str) -> None:
    required, preferred = "requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"
    r.only(data, (required, preferred), path)
    for term in r.objs(data, required, path):
        if not _pod_term(r, term, path):
            r.doubt(f"{path}.{required}: this term is not modelled")
    for item in r.objs(data, preferred, path):
        r.only(item, ("weight", "podAffinityTerm"), f"{path}.{preferred}")
        if not _weight(r, item, path) or not _pod_term(r, r.obj(item, "podAffinityTerm", path) or {}, path):
            r.doubt(f"{path}.{preferred}: this term is not modelled")


def _pod_term(r: Reader, term: Json, path: str) -> bool:
    r.only(term, ("labelSelector", "namespaces", "topologyKey"), path)
    selector = selectors.read(r, r.obj(term, "labelSelector", path), path)
    topology = r.string(term, "topologyKey", path)
    namespaces = r.strs(term, "namespaces", path)
    return selector.ok and not selectors.validate(r, selector, path) and bool(topology) and \
        not formats.label_key(topology) and not any(formats.dns1123_label(n) for n in namespaces)


def _weight(r: Reader, item: Json, path: str) -> bool:
    weight = r.integer(item, "weight", path, bits=32)
    return weight is not None and 1 <= weight <= 100


def topology_spread(r: Reader, items: list[Json], path: str) -> list[FieldError]:
    """validateTopologySpreadConstraints, without minDomains, inclusion policies and
    matchLabelKeys (doubted)."""
    errs: list[FieldError] = []
    for i, item in enumerate(items):
        at = f"{path}[{i}]"
        r.only(item, ("maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector"), at)
        skew = r.integer(item, "maxSkew", at, bits=32) or 0
        key, when = r.string(item, "topologyKey", at), r.string(item, "whenUnsatisfiable", at)
        if skew <= 0:
            errs.append(invalid(f"{at}.maxSkew", skew, "must be greater than zero"))
        if not key:
            errs.append(required(f"{at}.topologyKey", "can not be empty"))
        if when not in _WHEN:
            errs.append(not_supported(f"{at}.whenUnsatisfiable", go_json(when), _WHEN))
        if any(r.string(o, "topologyKey", path) == key and r.string(o, "whenUnsatisfiable", path) == when
               for o in items[i + 1:]):
            errs.append(duplicate(f"{at}.{{topologyKey, whenUnsatisfiable}}", f"{{{key}, {when}}}"))
        selector = selectors.read(r, r.obj(item, "labelSelector", at), f"{at}.labelSelector")
        errs += selectors.validate(r, selector, f"{at}.labelSelector")
    return errs


def tolerations(r: Reader, items: list[Json], path: str) -> None:
    """ValidateTolerations holds for these well-formed shapes; others are doubted."""
    for item in items:
        r.only(item, ("key", "operator", "value", "effect", "tolerationSeconds"), path)
        key, op = r.string(item, "key", path), r.string(item, "operator", path)
        value, effect = r.string(item, "value", path), r.string(item, "effect", path)
        seconds = r.integer(item, "tolerationSeconds", path)
        well_formed = ((op in ("", "Equal") and key and not formats.label_key(key) and not formats.label_value(value))
                       or (op == "Exists" and not value and (not key or not formats.label_key(key))))
        if not well_formed or effect not in ("", "NoSchedule", "PreferNoSchedule", "NoExecute") or \
                (seconds is not None and effect != "NoExecute"):
            r.doubt(f"{path}: this toleration is not modelled")

"""How deep and how large a decoded document may be, checked without recursion.

kubectl and the API server decode with sigs.k8s.io/yaml (go-yaml v2, then
sigs.k8s.io/json). Their limits, from the Go sources (module cache):

* nesting: 10000 levels (sigs.k8s.io/json internal/golang/encoding/json/scanner.go
  `maxNestingDepth = 10000`; go.yaml.in/yaml/v2 scannerc.go `max_flow_level` and
  `max_indents`, both 10000);
* aliases: go.yaml.in/yaml/v2 decode.go fails with "document contains excessive
  aliasing" once more than 100 aliased nodes make up more than a share of all
  decoded nodes that scales from 99% (up to 400,000 nodes) to 10% (from
  4,000,000), and with "anchor 'x' value contains itself" on a recursive alias;
* values: YAML keys become JSON strings (ints, floats and booleans are
  formatted, null is refused: sigs.k8s.io/yaml yaml.go convertToJSONableObject),
  and NaN or infinities cannot be written as JSON.

The same rules apply here, in one pass over the decoded value that also turns
YAML-only values (sets, binary, timestamps, pairs) into their JSON form. The
pass is iterative and visits each distinct container once, so its cost is
linear in the document's size, whatever its depth or aliasing.
"""

from __future__ import annotations

import datetime
import math
import struct
from typing import Any

DECODE_DEPTH = 10000
ALIAS_RATIO_LOW = 400_000
ALIAS_RATIO_HIGH = 4_000_000

_SCALARS = frozenset({str, int, bool, type(None)})
_CONTAINERS = (dict, list)


class ShapeError(ValueError):
    """A document beyond a limit, or with a value JSON cannot hold."""


def allowed_alias_ratio(decoded: int) -> float:
    """go-yaml's allowedAliasRatio."""
    if decoded <= ALIAS_RATIO_LOW:
        return 0.99
    if decoded >= ALIAS_RATIO_HIGH:
        return 0.10
    span = ALIAS_RATIO_HIGH - ALIAS_RATIO_LOW
    return 0.99 - 0.89 * ((decoded - ALIAS_RATIO_LOW) / span)


def settle(value: Any, aliased: bool) -> tuple[Any, int]:
    """`value` in JSON form (containers are fixed in place) and its depth, or
    ShapeError when it is nested deeper than DECODE_DEPTH, aliased excessively
    or recursively. `aliased`: whether the text may hold aliases (else the
    value is a tree)."""
    value = _json_scalar(value)
    if type(value) not in _CONTAINERS:
        return value, 0
    return value, _graph(value) if aliased else _tree(value)


def _tree(root: Any) -> int:
    """Level by level: each node is visited once."""
    level, depth = [root], 0
    while level:
        depth += 1
        if depth > DECODE_DEPTH:
            raise ShapeError(too_deep())
        below: list[Any] = []
        for node in level:
            below += _children(node)
        level = below
    return depth


def _graph(root: Any) -> int:
    """Depth-first over distinct containers, with the expanded size and depth of
    each (as if every alias were copied out), to apply go-yaml's alias rule."""
    size: dict[int, tuple[int, int]] = {}  # id -> (expanded nodes, depth)
    on_path: set[int] = set()
    distinct = 0
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            children = list(node.values()) if type(node) is dict else node
            total, deepest = 1, 0
            for child in children:
                if type(child) in _CONTAINERS:
                    n, d = size[id(child)]
                    total, deepest = total + n, max(deepest, d)
                else:
                    total += 1
            size[key] = (total, deepest + 1)
            on_path.discard(key)
            distinct += 1 + len(children)
            continue
        if key in size:
            continue
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise ShapeError("an anchor's value contains itself (a recursive alias)")
            if id(child) not in size:
                stack.append((child, False))
    total, depth = size[id(root)]
    if depth > DECODE_DEPTH:
        raise ShapeError(too_deep())
    aliases = total - distinct
    if aliases > 100 and total > 1000 and aliases / total > allowed_alias_ratio(total):
        raise ShapeError("document contains excessive aliasing (more than go-yaml allows: "
                         f"{_count(total)} nodes once aliases are expanded)")
    return depth


def deep_path(value: Any, limit: int) -> str | None:
    """The path (JSON style) of a container nested deeper than `limit`, if any."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if type(node) not in _CONTAINERS:
            continue
        if depth >= limit:
            return path or "(the object)"
        if type(node) is dict:
            stack += [(v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in node.items()]
        else:
            stack += [(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node)]
    return None


def _children(node: Any) -> list[Any]:
    """The containers directly inside `node`, its keys and scalars made JSON."""
    found = []
    if type(node) is dict:
        if not all(type(k) is str for k in node):
            _string_keys(node)
        for key, child in node.items():
            kind = type(child)
            if kind in _SCALARS:
                continue
            if kind not in _CONTAINERS:
                child = node[key] = _json_scalar(child)
                if type(child) not in _CONTAINERS:
                    continue
            found.append(child)
    else:
        for i, child in enumerate(node):
            kind = type(child)
            if kind in _SCALARS:
                continue
            if kind not in _CONTAINERS:
                child = node[i] = _json_scalar(child)
                if type(child) not in _CONTAINERS:
                    continue
            found.append(child)
    return found


def _string_keys(node: dict[Any, Any]) -> None:
    """Keys as sigs.k8s.io/yaml writes them to JSON; the order is kept."""
    items = list(node.items())
    node.clear()
    for key, value in items:
        node[key_text(key)] = value


def key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return _float32_text(key)
    raise ShapeError(f"unsupported map key: {_brief(key)} (a JSON key must be a string)")


def _float32_text(value: float) -> str:
    """strconv.FormatFloat(v, 'g', -1, 32), as sigs.k8s.io/yaml writes a float key: the
    shortest digits of the float32, in %e form when the exponent is below -4 or at least 6
    (Go's rule for the shortest precision), go-yaml's words for NaN and infinities."""
    if math.isnan(value):
        return ".nan"
    try:
        single = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:  # beyond float32: Go rounds it to an infinity
        single = math.copysign(math.inf, value)
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    sign = "-" if math.copysign(1.0, single) < 0 else ""
    if single == 0:
        return sign + "0"
    for precision in range(1, 10):
        text = f"{abs(single):.{precision - 1}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == abs(single):
            break
    mantissa, exponent = text.split("e")
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    exp = int(exponent)
    if exp < -4 or exp >= 6:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    point = exp + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _json_scalar(value: Any) -> Any:
    """A YAML-only value in its JSON form; containers and plain scalars unchanged."""
    kind = type(value)
    if kind in _SCALARS or kind in _CONTAINERS:
        return value
    if kind is float:
        if not math.isfinite(value):
            raise ShapeError(f"{_brief(value)} is not a JSON number")
        return value
    if isinstance(value, (set, frozenset)):  # !!set: a mapping to nulls
        return {key_text(k): None for k in value}
    if isinstance(value, tuple):  # !!omap and !!pairs give (key, value) tuples
        return list(value)
    if isinstance(value, bytes):  # !!binary: the bytes as a string
        return value.decode("utf-8", "replace")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise ShapeError(f"a value of type {kind.__name__} has no JSON form")


def too_deep(limit: int = DECODE_DEPTH) -> str:
    return f"nested more than {limit} levels deep (kubectl's and the API server's limit)"


def _count(n: int) -> str:
    return f"{n:,}" if n < 10**15 else f"about 10^{len(str(n)) - 1}"


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."

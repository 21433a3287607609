"""go-yaml v2's alias budget, replayed on libyaml's node graph.

go.yaml.in/yaml/v2 v2.4.4 decode.go counts every node it decodes (`unmarshal`:
the document, each key and value, each item; an alias node, then its anchor's
node again) and every node decoded below an alias, and fails with "document
contains excessive aliasing" the moment more than 100 of more than 1,000
decoded nodes came through aliases, at a share above allowedAliasRatio. A
merge key `<<` decodes the merged mapping (or each mapping of a sequence, last
first) where it stands, so a chain of maps that each merge the one before is
decoded again and again, which the built values (their keys copied) no longer
show: shape.py's check on the values misses it.

libyaml's composer hands one node object for an anchor and all its aliases.
The first edge to a node, in the text's order, is where it is written; every
later edge is an alias. The replay follows decode.go's order with an explicit
stack and stops at the first failure, so its cost is bounded by what go-yaml
decodes before it gives up (or by the document, expanded, when it does not).
"""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .shape import ShapeError, allowed_alias_ratio

Edge = tuple[int, int]  # (id of the parent node, the child's index: 2i, 2i+1 for a pair)


class Recursive(Exception):
    """An alias inside its own anchor: decode.go fails with "value contains itself"
    (shape.py's check on the values says so in its words)."""


def check(root: Node, merge_tags: frozenset[str]) -> None:
    """ShapeError where go-yaml stops with "document contains excessive aliasing"; a merge
    key is a `<<` scalar with one of `merge_tags`."""
    aliases = _aliases(root)
    if aliases:
        _replay(root, aliases, merge_tags)


def _children(node: Node) -> list[Node]:
    if type(node) is MappingNode:
        return [child for pair in node.value for child in pair]
    if type(node) is SequenceNode:
        return list(node.value)
    return []


def _aliases(root: Node) -> set[Edge]:
    """The edges written as aliases: those to a node met before, in the text's order."""
    seen = {id(root)}
    found: set[Edge] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        below = []
        for index, child in enumerate(_children(node)):
            if id(child) in seen:
                found.add((id(node), index))
            else:
                seen.add(id(child))
                below.append(child)
        stack.extend(reversed(below))  # depth first, in the text's order
    return found


def _replay(root: Node, aliases: set[Edge], merge_tags: frozenset[str]) -> None:
    decoded = aliased = depth = 0
    active: set[Edge] = set()
    # ("node", node, the edge it is reached by) or ("leave", edge): the work left, last first
    stack: list[tuple[Any, ...]] = [("node", root, None)]
    decoded += 1  # the document node
    while stack:
        task = stack.pop()
        if task[0] == "leave":
            active.discard(task[1])
            depth -= 1
            continue
        _, node, edge = task
        decoded += 1
        if depth:
            aliased += 1
        if aliased > 100 and decoded > 1000 and aliased / decoded > allowed_alias_ratio(decoded):
            raise ShapeError(f"document contains excessive aliasing (go-yaml stops after {decoded:,} nodes, "
                             f"{aliased:,} of them through aliases)")
        if edge is not None and edge in aliases:  # an alias node: then its anchor's node, below it
            if edge in active:
                raise Recursive
            active.add(edge)
            depth += 1
            stack += [("leave", edge), ("node", node, None)]
            continue
        stack += reversed(_steps(node, aliases, merge_tags))


def _steps(node: Node, aliases: set[Edge], merge_tags: frozenset[str]) -> list[tuple[Any, ...]]:
    """What decoding `node` decodes next, in decode.go's order (mapping, merge, sequence)."""
    if type(node) is SequenceNode:
        return [("node", child, (id(node), i)) for i, child in enumerate(node.value)]
    if type(node) is not MappingNode:
        return []
    steps: list[tuple[Any, ...]] = []
    for i, (key, value) in enumerate(node.value):
        if type(key) is ScalarNode and key.value == "<<" and key.tag in merge_tags:
            if type(value) is SequenceNode and (id(node), 2 * i + 1) not in aliases:
                # merge(): each mapping of a sequence written in place, the last first; the
                # sequence node itself is not decoded
                steps += [("node", child, (id(value), j)) for j, child in reversed(list(enumerate(value.value)))]
            else:
                steps.append(("node", value, (id(node), 2 * i + 1)))
            continue
        steps += [("node", key, (id(node), 2 * i)), ("node", value, (id(node), 2 * i + 1))]
    return steps


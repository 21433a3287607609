"""The YAML loader: libyaml's parser (fast), go-yaml v2's meaning (exact).

Scalars resolve by go-yaml's rules (decoding/scalars.py). Collections follow
go.yaml.in/yaml/v2 v2.4.4 decode.go into an interface{} and sigs.k8s.io/yaml
v1.6.0 yaml.go `convertToJSONableObject`:

* a tag on a mapping or sequence is ignored (decode.go `mapping`, `sequence`);
* a later duplicate key replaces the earlier (decode.go `setMapIndex`, not
  strict);
* a merge key `<<` (plain, or tagged !!merge) copies the keys of its mapping,
  or of each mapping of a sequence from the last to the first, into the map
  where it stands, replacing keys set before it (decode.go `merge`), which
  YAML 1.1 and PyYAML do not do;
* keys become JSON strings: ints in decimal, floats as float32 in `%g` form,
  booleans `true`/`false`; a null, uint64 or collection key is refused
  (yaml.go:205-246); two keys that become the same string (`1` and `"1"`)
  leave kubectl's result to Go's map order, so the document is refused here.

libyaml's parser does not tell the loader that a scalar carried the
non-specific tag `!` (go-yaml then keeps its text as a string), nor which
node is an alias (go-yaml merges a sequence of maps written in place but
refuses an alias to one, decode.go `merge`): a document where either may
matter is read again by PyYAML's Python parser, which tells both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .scalars import MERGE, STR, ResolveError, Uint64, json_number, plain_tag, resolve
from .shape import ShapeError, key_text

SEQ, MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
NONSPECIFIC = "tag:podsec.kubectl.io,2026:non-specific"  # a scalar tagged `!`
_MERGES = frozenset({MERGE, NONSPECIFIC})  # decode.go isMerge: "<<", implicit or !!merge
_NUMBERS = (float, Uint64)
MAY_BE_NONSPECIFIC = re.compile(r"(?:^|[\s\[{,])!(?=[\s\]},]|$)", re.M)


class _GoRules:
    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if not implicit[0]:
                return STR
            return MERGE if value == "<<" else plain_tag(value)  # decode.go isMerge: by its text
        return SEQ if kind is SequenceNode else MAP


class GoLoader(_GoRules, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's parser where PyYAML has it, read by go-yaml's rules."""

    merged_aliases = None  # libyaml's parser does not say which nodes are aliases


class _Reread(Exception):
    """The document needs the Python parser (a merge of a sequence that may be an alias)."""


class GoPythonLoader(_GoRules, yaml.SafeLoader):
    """PyYAML's Python parser, which sees the non-specific tag `!` and aliases."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.merged_aliases: set[int] = set()  # merge keys whose value is an alias

    def compose_node(self, parent: Any, index: Any) -> Any:
        if type(index) is ScalarNode and index.tag in _MERGES and index.value == "<<" \
                and self.check_event(AliasEvent):
            self.merged_aliases.add(id(index))
        return super().compose_node(parent, index)

    def compose_scalar_node(self, anchor: Any) -> ScalarNode:
        event = self.get_event()  # type: ignore[no-untyped-call]
        tag = event.tag
        if tag is None:
            tag = self.resolve(ScalarNode, event.value, event.implicit)
        elif tag == "!":
            tag = NONSPECIFIC
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        if anchor is not None:
            self.anchors[anchor] = node
        return node


def _string(loader: Any, node: Node) -> Any:
    if type(node) is ScalarNode:
        return node.value
    return _collection(loader, node)


def _tagged(loader: Any, node: Node) -> Any:
    if type(node) is not ScalarNode:
        return _collection(loader, node)
    if node.tag == NONSPECIFIC:
        return node.value
    try:
        return resolve(node.tag, node.value)
    except ResolveError as err:
        raise ConstructorError(None, None, str(err), node.start_mark) from None


def _collection(loader: Any, node: Node) -> Any:
    if type(node) is ScalarNode:  # `!!map x`: go-yaml leaves a tag it does not resolve on the text
        return _tagged(loader, node)
    return _mapping(loader, node) if type(node) is MappingNode else _sequence(loader, node)


def _sequence(loader: Any, node: Node) -> Iterator[list[Any]]:
    data: list[Any] = []
    yield data
    items = [loader.construct_object(child) for child in node.value]
    data.extend(json_number(v) if type(v) in _NUMBERS else v for v in items)


def _mapping(loader: Any, node: Node) -> Iterator[dict[str, Any]]:
    data: dict[str, Any] = {}
    yield data
    _fill(loader, data, node, None, set())


Typed = dict[str, Any]  # each JSON key -> the key go-yaml had (its text, or (type, value))


def _fill(loader: Any, data: dict[str, Any], node: Node, typed: Typed | None, active: set[int]) -> Typed | None:
    """Set the pairs of mapping `node` into `data` in go-yaml's order, merges included.
    `typed` records the keys once one is not a string (None until then)."""
    if id(node) in active:
        raise ConstructorError(None, None, "a merged anchor's value contains itself", node.start_mark)
    active.add(id(node))
    for key_node, value_node in node.value:
        if key_node.tag in _MERGES and key_node.value == "<<":
            typed = _merge(loader, data, value_node, typed, active, key_node)
            continue
        key = loader.construct_object(key_node)
        value = loader.construct_object(value_node)
        if type(value) in _NUMBERS:
            value = json_number(value)
        if typed is None and type(key) is str:
            data[key] = value
        else:
            typed = _put(data, typed, key, value, key_node)
    active.discard(id(node))
    return typed


def _merge(loader: Any, data: dict[str, Any], node: Node, typed: Typed | None, active: set[int],
           key: Node) -> Typed | None:
    if type(node) is MappingNode:
        return _fill(loader, data, node, typed, active)
    if type(node) is SequenceNode and loader.merged_aliases is None:
        raise _Reread  # an alias to a sequence is refused, the sequence itself merged: which is it?
    if type(node) is SequenceNode and id(key) not in loader.merged_aliases \
            and all(type(child) is MappingNode for child in node.value):
        for child in reversed(node.value):  # earlier mappings take precedence
            typed = _fill(loader, data, child, typed, active)
        return typed
    raise ConstructorError(None, None, "map merge requires map or sequence of maps as the value",
                           node.start_mark)


def _put(data: dict[str, Any], typed: Typed | None, key: Any, value: Any, node: Node) -> Typed:
    if typed is None:
        typed = {k: k for k in data}
    kept: Any
    if type(key) is str:
        text, kept = key, key
    else:
        if isinstance(key, (dict, list)):
            raise ConstructorError(None, None, "invalid map key: a mapping or sequence", node.start_mark)
        if type(key) is Uint64:
            raise ShapeError(f"unsupported map key of type uint64: {key} (line {node.start_mark.line + 1})")
        text, kept = key_text(key), (type(key), key)
    earlier = typed.get(text)
    if earlier is not None and earlier is not kept and earlier != kept:
        raise ShapeError(f"keys {_shown(earlier)} and {_shown(kept)} (line {node.start_mark.line + 1}) are "
                         f"both the JSON key \"{text}\": kubectl keeps one of them, chosen by Go's map order")
    typed[text] = kept
    data[text] = value
    return typed


def _shown(kept: Any) -> str:
    if isinstance(kept, str):
        return f'"{kept}"'
    kind, value = kept
    return f"{kind.__name__} {value!r}"


_CONSTRUCTORS = {STR: _string, SEQ: _collection, MAP: _collection, None: _tagged}
for _loader in (GoLoader, GoPythonLoader):
    _loader.yaml_constructors = dict(_CONSTRUCTORS)
    _loader.yaml_multi_constructors = {}


def load(text: str) -> Any:
    """The one document in `text`, read as kubectl reads it (yaml.YAMLError or ShapeError if not)."""
    try:
        value = yaml.load(text, Loader=GoLoader)  # noqa: S506 - builds plain values only
        again = "!" in text and MAY_BE_NONSPECIFIC.search(text) is not None
    except _Reread:
        again = True
    if again:  # libyaml has checked the syntax and the depth: the Python parser reads it exactly
        value = yaml.load(text, Loader=GoPythonLoader)  # noqa: S506 - the same, seeing `!` and aliases
    return json_number(value) if type(value) in _NUMBERS else value

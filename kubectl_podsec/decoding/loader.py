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

Values are built from libyaml's node tree by a loop (`Walk`) rather than by
PyYAML's constructor (a generator and several calls per node), in the same
order, so the same error is found first; the Python parser's rare documents
keep PyYAML's constructor, with the same rules (tests/unit/test_yaml_walk.py
checks that both build the same).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import aliasing
from .scalars import HINTS, MERGE, STR, ResolveError, Uint64, json_number, plain_tag, resolve
from .shape import ShapeError, key_text

SEQ, MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
NONSPECIFIC = "tag:podsec.kubectl.io,2026:non-specific"  # a scalar tagged `!`
_MERGES = frozenset({MERGE, NONSPECIFIC})  # decode.go isMerge: "<<", implicit or !!merge
_NUMBERS = (float, Uint64)
MAY_BE_NONSPECIFIC = re.compile(r"(?:^|[\s\[{,])!(?=[\s\]},]|$)", re.M)


# The first characters of a plain scalar that may be other than a string (resolve.go
# resolveTable, the empty scalar, and the merge key `<<`).
_MAY_RESOLVE = frozenset(HINTS) | {"", "<"}
# The tags of short plain scalars already resolved (`true`, `8080`, `name`...), the first
# _TAGS_KEPT of them: manifests repeat the same few.
_TAGS: dict[str, str] = {}
_TAGS_KEPT, _TAG_TEXT = 4096, 32


class _GoRules:
    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if not implicit[0] or value[:1] not in _MAY_RESOLVE:  # most scalars: one look-up
                return STR
            tag = _TAGS.get(value)
            if tag is None:
                tag = MERGE if value == "<<" else plain_tag(value)  # decode.go isMerge: by its text
                if len(value) <= _TAG_TEXT and len(_TAGS) < _TAGS_KEPT:
                    _TAGS[value] = tag
            return tag
        return SEQ if kind is SequenceNode else MAP

    # The composers call these for each node, for PyYAML's path resolvers, which go-yaml has
    # not: builtins that take the same arguments and do nothing cost no Python call.
    descend_resolver: Any = {}.get  # (parent, index) -> None
    ascend_resolver: Any = tuple  # () -> ()


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


def _scalar(node: Node) -> Any:
    """A scalar's value: its text for !!str and `!` (and a tag go-yaml does not resolve), else
    resolved by go-yaml's rules."""
    tag = node.tag
    if tag == STR or tag == NONSPECIFIC:
        return node.value
    try:
        return resolve(tag, node.value)
    except ResolveError as err:
        raise ConstructorError(None, None, str(err), node.start_mark) from None


class Walk:
    """The value of a composed document, its containers filled in the order PyYAML's
    construct_document fills them: a container is made (empty) where it is first met, and
    filled after every container met before it. So the first error found is PyYAML's, an
    anchored collection is one container wherever its aliases stand (a recursive alias gives
    a recursive value, refused by decoding/shape.py), and no document recurses."""

    def __init__(self, merged_aliases: set[int] | None) -> None:
        self.merged_aliases = merged_aliases  # as the loader's: None where not known
        self.made: dict[int, Any] = {}  # id(node) -> its value (a collection's: its container)
        self.pending: list[tuple[Any, Node]] = []

    def value(self, node: Node) -> Any:
        made = self.made.get(id(node), self)  # self: not made yet
        if made is self:
            if type(node) is ScalarNode:
                made = node.value if node.tag == STR else _scalar(node)
            else:
                made = {} if type(node) is MappingNode else []
                self.pending.append((made, node))
            self.made[id(node)] = made
        return made

    def run(self, root: Node) -> Any:
        top = self.value(root)
        build, aliases, pending = self.value, self.merged_aliases, self.pending
        at = 0
        while at < len(pending):
            data, node = pending[at]
            at += 1
            if type(data) is list:
                append = data.append
                for child in node.value:
                    if child.tag == STR and type(child) is ScalarNode:
                        append(child.value)
                    else:
                        value = build(child)
                        append(json_number(value) if type(value) in _NUMBERS else value)
            else:
                _fill(build, aliases, data, node)
        return top


def _construct(loader: Any, node: Node) -> Any:
    """PyYAML's constructor (for GoPythonLoader): the same rules, PyYAML's scheduling."""
    if type(node) is ScalarNode:
        return _scalar(node)
    return _mapping(loader, node) if type(node) is MappingNode else _sequence(loader, node)


def _sequence(loader: Any, node: Node) -> Iterator[list[Any]]:
    data: list[Any] = []
    yield data
    items = [loader.construct_object(child) for child in node.value]
    data.extend(json_number(v) if type(v) in _NUMBERS else v for v in items)


def _mapping(loader: Any, node: Node) -> Iterator[dict[str, Any]]:
    data: dict[str, Any] = {}
    yield data
    _fill(loader.construct_object, loader.merged_aliases, data, node)


Typed = dict[str, Any]  # each JSON key -> the key go-yaml had (its text, or (type, value))
Build = Callable[[Node], Any]


def _fill(build: Build, aliases: set[int] | None, data: dict[str, Any], node: Node) -> None:
    """Set the pairs of mapping `node` into `data` in go-yaml's order, merges included."""
    typed: Typed | None = None  # the keys as go-yaml had them, once one is not a string
    for key_node, value_node in node.value:
        if key_node.tag in _MERGES and key_node.value == "<<":
            for pair in _merged(aliases, node, value_node, key_node):
                typed = _set(build, data, typed, *pair)
        elif typed is None and key_node.tag == STR and type(key_node) is ScalarNode:  # most pairs
            if value_node.tag == STR and type(value_node) is ScalarNode:
                data[key_node.value] = value_node.value
            else:
                value = build(value_node)
                data[key_node.value] = json_number(value) if type(value) in _NUMBERS else value
        else:
            typed = _set(build, data, typed, key_node, value_node)


def _set(build: Build, data: dict[str, Any], typed: Typed | None, key_node: Node, value_node: Node) -> Typed | None:
    key = build(key_node)
    value = build(value_node)
    if type(value) in _NUMBERS:
        value = json_number(value)
    if typed is None and type(key) is str:
        data[key] = value
        return None
    return _put(data, typed, key, value, key_node)


def _merged(aliases: set[int] | None, into: Node, value: Node, key: Node) -> Iterator[tuple[Node, Node]]:
    """The pairs a merge key in mapping `into` sets, in order: those of its mapping, or of each
    mapping of its sequence from the last to the first, merges in them followed in place (decode.go
    `merge`). A stack, not recursion: a chain of merged anchors may be as long as the document."""
    active = {id(into)}  # the mappings whose merges lead to the one being read
    stack: list[tuple[int | None, Iterator[Any]]] = [(None, iter(_to_merge(aliases, value, key)))]
    while stack:
        owner, items = stack[-1]  # owner: the mapping whose pairs these are; None: mappings to merge
        item = next(items, None)
        if item is None:
            stack.pop()
            active.discard(owner)  # (None: no mapping)
        elif owner is None:
            if id(item) in active:
                raise ConstructorError(None, None, "a merged anchor's value contains itself", item.start_mark)
            active.add(id(item))
            stack.append((id(item), iter(item.value)))
        elif item[0].tag in _MERGES and item[0].value == "<<":
            stack.append((None, iter(_to_merge(aliases, item[1], item[0]))))
        else:
            yield item


def _to_merge(aliases: set[int] | None, node: Node, key: Node) -> list[Node]:
    """The mappings a merge key's value `node` brings, in the order they are set."""
    if type(node) is MappingNode:
        return [node]
    if type(node) is SequenceNode:
        if aliases is None:
            raise _Reread  # an alias to a sequence is refused, the sequence itself merged: which is it?
        if id(key) not in aliases and all(type(child) is MappingNode for child in node.value):
            mappings: list[Node] = node.value[::-1]  # earlier mappings take precedence
            return mappings
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


for _loader in (GoLoader, GoPythonLoader):
    _loader.yaml_constructors = {None: _construct}
    _loader.yaml_multi_constructors = {}


def _within_alias_budget(node: Node) -> None:
    """go-yaml's "excessive aliasing" (aliasing.py); an alias within its own anchor is left
    to the value's check (shape.py), which names it."""
    try:
        aliasing.check(node, _MERGES)
    except aliasing.Recursive:
        pass


def load(text: str) -> Any:
    """The one document in `text`, read as kubectl reads it (yaml.YAMLError or ShapeError if not)."""
    try:
        loader = GoLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and "*" in text:
                _within_alias_budget(node)
            value = None if node is None else Walk(None).run(node)
        finally:
            loader.dispose()
        again = "!" in text and MAY_BE_NONSPECIFIC.search(text) is not None
    except _Reread:
        again = True
    if again:  # libyaml has checked the syntax and the depth: the Python parser reads it exactly
        value = yaml.load(text, Loader=GoPythonLoader)  # noqa: S506 - the same, seeing `!` and aliases
    return json_number(value) if type(value) in _NUMBERS else value

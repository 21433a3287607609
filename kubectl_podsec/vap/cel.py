"""Small builders of CEL text, so every rule's message reads like the engine's.

Each helper mirrors one of the engine's text helpers (`pss/text.py`) and
returns CEL source. Fields are read with optional selection (`x.?f.orValue(d)`)
because the admission request's object omits every unset field, just as the
engine treats an absent field as None.
"""

from __future__ import annotations

from collections.abc import Iterable

# The objects every rule reads; defined as policy variables (see policy.py).
SPEC = "variables.podSpec"
ANNOTATIONS = "variables.annotations"
CONTAINERS = "variables.containers"  # init, then regular, then ephemeral, as the engine visits them


def literal(text: str) -> str:
    """A CEL single-quoted string literal."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def string_list(items: Iterable[str]) -> str:
    """A CEL list literal of strings, sorted so the policy text is stable."""
    return "[" + ", ".join(literal(i) for i in sorted(items)) + "]"


def name(var: str) -> str:
    return f"{var}.?name.orValue('')"


def names(list_expr: str, var: str, condition: str) -> str:
    """The names of the items of `list_expr` for which `condition` holds, in order."""
    return f"{list_expr}.filter({var}, {condition}).map({var}, {name(var)})"


def size_is(list_expr: str, n: int) -> str:
    return f"{list_expr}.size() == {n}"


def plural(list_expr: str, singular: str, plural_: str) -> str:
    """Upstream's pluralize: the singular only for exactly one item."""
    return f"({size_is(list_expr, 1)} ? {literal(singular)} : {literal(plural_)})"


def join_quote(list_expr: str) -> str:
    """`"a", "b"` with no escaping (upstream's joinQuote) for a non-empty list."""
    return f"""('"' + {list_expr}.join('", "') + '"')"""


def containers_phrase(list_expr: str) -> str:
    """`container "a"` / `containers "a", "b"` for a non-empty list of names."""
    return f"({plural(list_expr, 'container ', 'containers ')} + {join_quote(list_expr)})"


def setters(*parts: tuple[str, str]) -> str:
    """Join the phrases whose condition holds with " and " (`pod and containers "a"`)."""
    chosen = " + ".join(f"({cond} ? [{phrase}] : [])" for cond, phrase in parts)
    return f"({chosen}).join(' and ')"


def pod_and_containers(pod_flag: str, names_expr: str) -> str:
    return setters((pod_flag, "'pod'"), (f"{names_expr}.size() > 0", containers_phrase(names_expr)))


def sorted_set(list_expr: str) -> str:
    """De-duplicated and sorted byte-wise, as the engine's sorted(set(...))."""
    return f"({list_expr}).distinct().sort()"


def security_context(var: str, field: str) -> str:
    """`<var>.securityContext.<field>` as an optional value."""
    return f"{var}.?securityContext.?{field}"


def pod_security_context(field: str) -> str:
    return f"{SPEC}.?securityContext.?{field}"


def variable(var_name: str) -> str:
    return f"variables.{var_name}"


def message(reason: str, detail_expr: str) -> str:
    """`reason (detail)`: one violation as the engine describes it."""
    return f"{literal(reason + ' (')} + {detail_expr} + ')'"

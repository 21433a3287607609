"""The shared message helpers, pinned to upstream's Go behaviour.

`go_quote` must equal Go's strconv.Quote (the `%q` verb). The expectations
below were produced by running strconv.Quote under Go 1.26 (Unicode 15.0.0,
the tables a 1.37 API server is built with); they are literals here so the
test needs no Go toolchain.
"""

from __future__ import annotations

import pytest

from kubectl_podsec.pss.text import containers_phrase, go_quote, join_quote, pluralize, setters

GO_QUOTE_CASES = [
    # (id, input, strconv.Quote(input))
    ("empty", "", '""'),
    ("plain", "plain", '"plain"'),
    ("apparmor value", "unconfined", '"unconfined"'),
    ("double quote", 'a"b', r'"a\"b"'),
    ("backslash", "back\\slash", r'"back\\slash"'),
    ("single quotes kept", "'single'", "\"'single'\""),
    ("space kept", " ", '" "'),
    ("tab", "tab\there", r'"tab\there"'),
    ("newline", "nl\nx", r'"nl\nx"'),
    ("carriage return", "cr\r", r'"cr\r"'),
    ("bell backspace formfeed vtab", "\a\b\f\v", r'"\a\b\f\v"'),
    ("NUL", "\x00", r'"\x00"'),
    ("SOH", "\x01", r'"\x01"'),
    ("ANSI escape", "\x1b[0m", r'"\x1b[0m"'),
    ("unit separator", "\x1f", r'"\x1f"'),
    ("DEL", "\x7f", r'"\x7f"'),
    ("C1 control U+0080", "\u0080", r'"\u0080"'),
    ("NEL U+0085", "\u0085", r'"\u0085"'),
    ("C1 control U+009F", "\u009f", r'"\u009f"'),
    ("no-break space U+00A0", "\u00a0", r'"\u00a0"'),
    ("soft hyphen U+00AD", "\u00ad", r'"\u00ad"'),
    ("latin accent kept", "\u00e9", '"\u00e9"'),
    ("CJK kept", "\u65e5\u672c\u8a9e", '"\u65e5\u672c\u8a9e"'),
    ("emoji kept", "\U0001f600", '"\U0001f600"'),
    ("flag (regional indicators) kept", "\U0001f1fa\U0001f1f8", '"\U0001f1fa\U0001f1f8"'),
    ("combining mark alone kept", "\u0301", '"\u0301"'),
    ("combining mark after letter kept", "a\u0301", '"a\u0301"'),
    ("Unicode 13 letter kept", "\u08c7", '"\u08c7"'),
    ("zero width space", "\u200b", r'"\u200b"'),
    ("zero width joiner", "\u200d", r'"\u200d"'),
    ("emoji then ZWJ", "\U0001f600\u200d", '"\U0001f600\\u200d"'),
    ("line separator", "\u2028", r'"\u2028"'),
    ("paragraph separator", "\u2029", r'"\u2029"'),
    ("ideographic space", "\u3000", r'"\u3000"'),
    ("ogham space mark", "\u1680", r'"\u1680"'),
    ("mongolian vowel separator", "\u180e", r'"\u180e"'),
    ("arabic letter mark", "\u061c", r'"\u061c"'),
    ("word joiner", "\u2060", r'"\u2060"'),
    ("bidi isolate", "\u2066", r'"\u2066"'),
    ("BOM", "\ufeff", r'"\ufeff"'),
    ("replacement char kept", "\ufffd", '"\ufffd"'),
    ("noncharacter U+FFFF", "\uffff", r'"\uffff"'),
    ("private use U+E000", "\ue000", r'"\ue000"'),
    ("unassigned U+0378", "\u0378", r'"\u0378"'),
    ("tag char U+E0001", "\U000e0001", r'"\U000e0001"'),
    ("supplementary private use", "\U000f0000", r'"\U000f0000"'),
    ("max code point", "\U0010ffff", r'"\U0010ffff"'),
    # Assigned in Unicode 15.0 (printable for Go 1.21+): must be kept as is.
    ("Unicode 15.0 emoji U+1FAE8 kept", "\U0001fae8", '"\U0001fae8"'),
    ("Unicode 15.0 emoji U+1F6DC kept", "\U0001f6dc", '"\U0001f6dc"'),
    ("Unicode 15.0 Kawi letter U+11F00 kept", "\U00011f00", '"\U00011f00"'),
    # Assigned only after Unicode 15.0: still unassigned for Go, so escaped.
    ("Unicode 15.1 CJK ext I U+2EBF0", "\U0002ebf0", r'"\U0002ebf0"'),
    ("Unicode 15.1 IDC U+2FFC", "\u2ffc", r'"\u2ffc"'),
    ("Unicode 15.1 CJK stroke U+31EF", "\u31ef", r'"\u31ef"'),
    ("Unicode 16.0 emoji U+1FAE9", "\U0001fae9", r'"\U0001fae9"'),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [pytest.param(text, expected, id=name) for name, text, expected in GO_QUOTE_CASES],
)
def test_go_quote_matches_strconv_quote(text: str, expected: str) -> None:
    assert go_quote(text) == expected


def test_go_quote_lone_surrogate_is_replacement_char() -> None:
    # Go's JSON decoder turns a lone surrogate escape into U+FFFD, which
    # strconv.Quote prints as is.
    assert go_quote("\ud800") == '"\ufffd"'


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param([], "", id="empty"),
        pytest.param(["a"], '"a"', id="one"),
        pytest.param(["a", "b", "c"], '"a", "b", "c"', id="three"),
        pytest.param(['a"b', "c\\d"], '"a"b", "c\\d"', id="no escaping"),
        pytest.param([""], '""', id="empty item"),
    ],
)
def test_join_quote(items: list[str], expected: str) -> None:
    assert join_quote(items) == expected


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        pytest.param(0, "containers", id="zero is plural"),
        pytest.param(1, "container", id="one is singular"),
        pytest.param(2, "containers", id="two is plural"),
        pytest.param(["x"], "container", id="sized one"),
        pytest.param({"x", "y"}, "containers", id="sized two"),
    ],
)
def test_pluralize(count: object, expected: str) -> None:
    assert pluralize("container", "containers", count) == expected  # type: ignore[arg-type]


def test_setters_and_containers_phrase() -> None:
    assert containers_phrase([]) == ""
    assert containers_phrase(["a"]) == 'container "a"'
    assert containers_phrase(["a", "b"]) == 'containers "a", "b"'
    assert setters("pod", containers_phrase(["a", "b"])) == 'pod and containers "a", "b"'
    assert setters("", containers_phrase(["a"])) == 'container "a"'
    assert setters("pod", "") == "pod"

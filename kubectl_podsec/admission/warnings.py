"""The Warning headers as the API server sends them (pure): deduplicated, and
cut once a response's warnings grow too long, exactly as k8s.io/apiserver
v0.37.2 pkg/endpoints/filters/warning.go does.

Its recorder counts runes (code points). While the total stays within 4096
runes every warning is sent whole. The warning that would take the total past
4096 switches truncation on: every warning so far is sent again cut to its
first 256 runes (nothing marks the cut), and so is each later one until the
count of runes sent reaches 4096 again; after that the rest are dropped.
A text that is empty, or that a header cannot carry (control characters,
invalid UTF-8), is not sent, though it still counts as seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TRUNCATE_AT_TOTAL_RUNES = 4 * 1024
TRUNCATE_ITEM_RUNES = 256
# Go's unicode.IsControl: the C0 and C1 controls and DEL (Unicode category Cc, which is fixed).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _sendable(text: str) -> bool:
    """net.NewWarningHeader: valid UTF-8 (no lone surrogates) and no control characters."""
    if not text.isascii() and _SURROGATE.search(text) is not None:
        return False
    return _CONTROL.search(text) is None


def server_warnings(texts: Iterable[str]) -> tuple[str, ...]:
    """The warnings a response carries after the server's recorder has seen
    `texts`, in the order they were added."""
    sent: list[str] = []
    seen: set[str] = set()
    ordered: list[str] = []
    written, truncating = 0, False
    for text in texts:
        if not text:
            continue
        if written >= TRUNCATE_AT_TOTAL_RUNES and truncating:
            return tuple(sent)
        if text in seen:
            continue
        seen.add(text)
        ordered.append(text)
        if truncating:
            text = text[:TRUNCATE_ITEM_RUNES]
        if not _sendable(text):
            continue
        if written + len(text) <= TRUNCATE_AT_TOTAL_RUNES or truncating:
            written += len(text)
            sent.append(text)
            continue
        # Over the limit: start again, every warning so far cut short.
        truncating, written, sent = True, 0, []
        for earlier in ordered:
            cut = earlier[:TRUNCATE_ITEM_RUNES]
            if _sendable(cut):
                written += len(cut)
                sent.append(cut)
    return tuple(sent)

"""The answers of access reviews and dry-run creates, as the API server gives
them: read from the HTTP status, body and Warning headers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

_WARNING = re.compile(r'^\s*(\d{3})\s+(\S+)\s+"((?:[^"\\]|\\.)*)"')
_RBAC_DENIAL = re.compile(r'^\S+ is forbidden: User ".*" cannot create resource ')


class Access(NamedTuple):
    """A SelfSubjectAccessReview's answer."""

    allowed: bool
    reason: str = ""
    error: str = ""  # evaluationError: the authorizer could not decide


class Answer(NamedTuple):
    """What the API server said to one dry-run create."""

    outcome: str  # accepted | denied | forbidden (by RBAC, before admission) | error
    status: int
    message: str = ""  # the server's Status message when not accepted
    reason: str = ""  # the Status reason (Forbidden, Invalid, AlreadyExists, ...)
    warnings: tuple[str, ...] = ()
    name: str = ""  # the object's name as the server saw it (generated for template pods)
    as_user: str = ""  # who asked, when not the chosen identity

    @property
    def accepted(self) -> bool:
        return self.outcome == "accepted"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"outcome": self.outcome, "status": self.status}
        if self.name:
            out["name"] = self.name
        if self.message:
            out["message"] = self.message
        if self.reason:
            out["reason"] = self.reason
        out["warnings"] = list(self.warnings)
        if self.as_user:
            out["as"] = self.as_user
        return out


def answer(status: int, body: Any, warnings: tuple[str, ...], as_user: str = "") -> Answer:
    """A dry-run create's HTTP answer as an Answer. 409 AlreadyExists means
    admission let it through: the server checks for a clash only after admission."""
    body = body if isinstance(body, Mapping) else {}
    meta = body.get("metadata") if isinstance(body.get("metadata"), Mapping) else {}
    details = body.get("details") if isinstance(body.get("details"), Mapping) else {}
    name = str(meta.get("name") or details.get("name") or "")
    text = tuple(warning_text(w) for w in warnings)
    if 200 <= status < 300:
        return Answer("accepted", status, warnings=text, name=name, as_user=as_user)
    reason, message = str(body.get("reason") or ""), str(body.get("message") or "")
    if status == 409 and reason == "AlreadyExists":
        return Answer("accepted", status, message, reason, text, name, as_user)
    if status >= 500 or status == 429:
        outcome = "error"
    elif status == 403 and _RBAC_DENIAL.search(message):
        outcome = "forbidden"
    else:
        outcome = "denied"
    return Answer(outcome, status, message, reason, text, name, as_user)


def warning_text(header: str) -> str:
    """The text of one Warning header (RFC 7234: `299 - "text"`), unescaped."""
    match = _WARNING.match(header)
    if not match:
        return header.strip()
    return re.sub(r"\\(.)", r"\1", match.group(3))

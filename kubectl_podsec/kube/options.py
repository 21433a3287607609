"""What the command line asks of a connection: which kubeconfig, context,
cluster and user, how long to wait, and who the questions are about (the
identity of --as, --as-group, --as-uid and --sa, sent as Impersonate-* headers)."""

from __future__ import annotations

import re
from typing import NamedTuple

from ..errors import UsageError

_SA_USER = "system:serviceaccount:"


class Impersonation(NamedTuple):
    user: str | None = None
    groups: tuple[str, ...] = ()
    uid: str | None = None

    @property
    def service_account(self) -> tuple[str, str] | None:
        """(namespace, name) when impersonating a service account."""
        if self.user and self.user.startswith(_SA_USER):
            namespace, _, name = self.user[len(_SA_USER):].partition(":")
            if namespace and name:
                return namespace, name
        return None

    def describe(self) -> str:
        return self.user or ""


def impersonation(as_user: str | None, as_groups: tuple[str, ...], as_uid: str | None,
                  sa: str | None) -> Impersonation:
    """The identity from `--as`, `--as-group`, `--as-uid` and `--sa NS/NAME`.

    `--sa` is `--as system:serviceaccount:NS:NAME`. The API server itself adds
    the groups system:serviceaccounts and system:serviceaccounts:NS when it
    impersonates a service account, and only when no group is asked for, so
    none are sent here (`expected_groups` says what the server will use)."""
    if sa is not None:
        if as_user:
            raise UsageError("--sa and --as cannot be used together")
        namespace, sep, name = sa.partition("/")
        if not sep or not namespace or not name or "/" in name:
            raise UsageError(f'--sa: "{sa}" must be NAMESPACE/NAME')
        as_user = f"{_SA_USER}{namespace}:{name}"
    if (as_groups or as_uid) and not as_user:
        raise UsageError("--as-group and --as-uid need --as or --sa")
    return Impersonation(as_user or None, tuple(as_groups), as_uid or None)


def expected_groups(identity: Impersonation) -> tuple[str, ...]:
    """The groups the API server gives an impersonated identity (upstream's rule)."""
    if identity.groups:
        return identity.groups
    sa = identity.service_account
    return ("system:serviceaccounts", f"system:serviceaccounts:{sa[0]}") if sa else ()


class ConnectionOptions(NamedTuple):
    kubeconfig: str | None = None
    context: str | None = None
    cluster: str | None = None
    user: str | None = None
    identity: Impersonation = Impersonation()
    request_timeout: float | None = None  # seconds; None: kubectl's default (no limit)


def parse_timeout(text: str | None) -> float | None:
    """kubectl's --request-timeout: a number of seconds or a duration (1s, 2m, 1h, 500ms); 0 = none."""
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", text)
    if not match:
        raise UsageError(f'--request-timeout: invalid value "{text}": use a duration such as 5s, 1m or 0')
    seconds = float(match.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[match.group(2)]
    return seconds or None

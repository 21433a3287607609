"""Who the API server will take us for, where it cannot say (pure).

SelfSubjectReview answers authoritatively from Kubernetes 1.28 (beta 1.27).
Without it, the best guess comes from the impersonation flags, else from the
credentials: a client certificate's subject (CN is the user, each O a group)
or a service account token's claims. Guesses are labelled as such.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

AUTHENTICATED = "system:authenticated"
SA_PREFIX = "system:serviceaccount:"


def service_account_groups(namespace: str) -> list[str]:
    return ["system:serviceaccounts", f"system:serviceaccounts:{namespace}"]


def from_impersonation(user: str, groups: tuple[str, ...], uid: str | None) -> dict[str, Any]:
    """The identity the server gives an impersonated user: the groups asked
    for, or a service account's own groups when none are; always authenticated."""
    found = list(groups)
    if not found and user.startswith(SA_PREFIX):
        found = service_account_groups(user[len(SA_PREFIX):].partition(":")[0])
    return {"username": user, "uid": uid or "", "groups": [*found, AUTHENTICATED], "extra": {}}


def from_certificate(subject: Any) -> dict[str, Any] | None:
    """From a certificate subject as `ssl` decodes it: ((('commonName', 'alice'),), ...)."""
    names: list[tuple[str, str]] = []
    for rdn in subject or ():
        names += [(str(k), str(v)) for k, v in rdn]
    user = next((v for k, v in names if k == "commonName"), None)
    if not user:
        return None
    groups = [v for k, v in names if k == "organizationName"]
    return {"username": user, "uid": "", "groups": [*groups, AUTHENTICATED], "extra": {}}


def from_token(token: str) -> dict[str, Any] | None:
    """From a service account token's claims (read, not verified); None for
    opaque tokens and for other JWTs, whose mapping only the server knows."""
    parts = token.removeprefix("Bearer ").split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(claims, Mapping):
        return None
    sub = str(claims.get("sub") or "")
    k8s = claims.get("kubernetes.io") if isinstance(claims.get("kubernetes.io"), Mapping) else {}
    namespace = (k8s.get("namespace") if k8s else None) or claims.get("kubernetes.io/serviceaccount/namespace")
    if not sub.startswith(SA_PREFIX) or not namespace:
        return None
    uid = ((k8s.get("serviceaccount") or {}).get("uid") if k8s else None) or \
        claims.get("kubernetes.io/serviceaccount/service-account.uid") or ""
    return {"username": sub, "uid": str(uid),
            "groups": [*service_account_groups(str(namespace)), AUTHENTICATED], "extra": {}}

"""Who may ``use`` which PodSecurityPolicy: an input to the engine, never looked up by it.

Upstream asks the authorizer about two identities (admission.go, isAuthorizedForPolicy):
the pod's service account first, then the requesting user; either one is enough.  The
engine describes each question as a ``UseRequest`` and lets the caller answer it, from
SelfSubjectAccessReviews, SubjectAccessReviews, ``--allow`` flags or a test table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

from .errors import PspInputError

ANY_POLICY = "*"


class Subject(str, Enum):
    """Through whom a policy is authorised."""

    SERVICE_ACCOUNT = "service-account"
    USER = "user"


@dataclass(frozen=True)
class UseRequest:
    """"May ``user`` ``use`` podsecuritypolicies/``policy`` in ``namespace``?"

    For the service account, ``user`` is ``system:serviceaccount:<ns>:<name>`` and
    ``groups`` its two groups; for the requesting user both are empty (the caller knows who
    it is: usually itself).  Upstream tries the ``policy`` then the ``extensions`` API group.
    """

    subject: Subject
    policy: str
    namespace: str
    user: str = ""
    groups: tuple[str, ...] = ()


Authorizer = Callable[[UseRequest], bool]


@dataclass(frozen=True)
class Grants:
    """A static ``Authorizer``: the policy names each subject may use (``*`` for all)."""

    user: frozenset[str]
    service_account: frozenset[str]

    def __init__(self, user: Iterable[str] = (), service_account: Iterable[str] = ()) -> None:
        object.__setattr__(self, "user", _names(user, "user"))
        object.__setattr__(self, "service_account", _names(service_account, "service_account"))

    def __call__(self, request: UseRequest) -> bool:
        names = self.user if request.subject is Subject.USER else self.service_account
        return ANY_POLICY in names or request.policy in names


def _names(values: Iterable[str], what: str) -> frozenset[str]:
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise PspInputError("", f"Grants({what}=...) takes a collection of policy names")
    return frozenset(values)


def service_account_user(namespace: str, name: str) -> tuple[str, tuple[str, ...]]:
    """The user name and groups the API server gives a service account (no system:authenticated)."""
    return (f"system:serviceaccount:{namespace}:{name}",
            ("system:serviceaccounts", f"system:serviceaccounts:{namespace}"))

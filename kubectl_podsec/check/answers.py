"""What the API server said to a dry-run create, classified (pure): admitted,
denied by Pod Security, by PodSecurityPolicy or by another admission plugin or
webhook (named), invalid, forbidden by RBAC, the namespace missing or
terminating, or no answer (a server error).

The texts are the API server's own, v1.37.2: admission.NewForbidden wraps a
plugin's error as `pods "NAME" is forbidden: ERROR`; webhooks and admission
policies name themselves (k8s.io/apiserver pkg/admission/plugin/webhook/errors,
plugin/policy/validating/dispatcher.go); the built-in plugins are recognised
by their messages (k8s.io/kubernetes plugin/pkg/admission/...)."""

from __future__ import annotations

import enum
import re
from typing import Any, NamedTuple

from ..kube.reviews import Answer


class Said(str, enum.Enum):
    """The kind of answer; its value is the report's `said`."""

    ADMITTED = "admitted"
    POD_SECURITY = "deniedByPodSecurity"
    PSP = "deniedByPodSecurityPolicy"
    ADMISSION = "deniedByAdmission"  # another admission plugin or webhook, named in `by`
    INVALID = "invalid"  # the API server's validation (422)
    RBAC = "forbidden"  # RBAC refused the create, before admission
    NAMESPACE_MISSING = "namespaceMissing"
    NAMESPACE_TERMINATING = "namespaceTerminating"
    ERROR = "error"  # no answer: a server error or throttling

    def __str__(self) -> str:
        return self.value


# Which built-in plugin a forbidden message comes from: (plugin, pattern of the
# text after `is forbidden: `), in the order they are tried.
_PLUGINS = (
    ("Priority", r"no PriorityClass with name .* was found$"),
    ("Priority", r"the integer value of priority \(\d+\) must not be provided in pod spec"),
    ("ResourceQuota", r"(exceeded|failed) quota: |status unknown for quota: "),
    ("LimitRanger", r"(minimum|maximum) \S+ usage per |max limit to request ratio per "),
    ("ServiceAccount", r"error looking up service account |no service account specified for pod "
                       r"|is not allowed because service account "),
    ("PodNodeSelector", r"pod node label selector "),
    ("PodTolerationRestriction", r"pod tolerations \(possibly merged with namespace default tolerations\)"),
    ("RuntimeClass", r"pod rejected: RuntimeClass "),
)
_WEBHOOK = re.compile(r'admission webhook "([^"]+)" denied the request')
_POLICY = re.compile(r"ValidatingAdmissionPolicy '([^']+)'(?: with binding '[^']+')? denied request")
_TERMINATING = re.compile(r"unable to create new content in namespace \S+ because it is being terminated")
_NS_MISSING = re.compile(r'^namespaces "[^"]*" not found$')
_PSA = "violates PodSecurity "
_PSP = "PodSecurityPolicy: unable to admit pod"


class ServerSaid(NamedTuple):
    """One answer classified: what kind, and (a denial by another plugin) by whom."""

    said: Said
    by: str = ""  # the plugin, webhook or admission policy that denied it

    @property
    def speaks_of_pod_security(self) -> bool:
        """Whether it says anything about Pod Security's (or PodSecurityPolicy's)
        verdict: an admission, or their own denial. A denial for any other
        reason says nothing about it (Pod Security may not even have run)."""
        return self.said in (Said.ADMITTED, Said.POD_SECURITY, Said.PSP)

    def describe(self) -> str:
        texts = {Said.ADMITTED: "admitted", Said.POD_SECURITY: "denied by Pod Security",
                 Said.PSP: "denied by PodSecurityPolicy", Said.INVALID: "invalid (the API server's validation)",
                 Said.RBAC: "forbidden by RBAC", Said.NAMESPACE_MISSING: "the namespace does not exist",
                 Said.NAMESPACE_TERMINATING: "the namespace is being terminated", Said.ERROR: "no answer"}
        return texts.get(self.said) or f"denied by {self.by}"

    def to_dict(self) -> dict[str, Any]:
        return {"said": self.said.value, **({"by": self.by} if self.by else {})}


def _after_forbidden(message: str) -> str:
    _, sep, rest = message.partition(" is forbidden: ")
    return rest if sep else message


def _admission_plugin(message: str) -> str:
    """The admission plugin, webhook or policy that wrote a denial."""
    webhook = _WEBHOOK.search(message)
    if webhook:
        return f'admission webhook "{webhook.group(1)}"'
    policy = _POLICY.search(message)
    if policy:
        return f"ValidatingAdmissionPolicy '{policy.group(1)}'"
    text = _after_forbidden(message)
    for plugin, pattern in _PLUGINS:
        if re.search(pattern, text):
            return f"the {plugin} admission plugin"
    return "another admission plugin (not named in its message)"


def classify(answer: Answer) -> ServerSaid:
    """What the server said, from its status, reason and message."""
    message = answer.message
    if answer.outcome == "accepted":
        return ServerSaid(Said.ADMITTED)
    if answer.outcome == "error":
        return ServerSaid(Said.ERROR)
    if answer.outcome == "forbidden":
        return ServerSaid(Said.RBAC)
    if answer.status == 422 or answer.reason == "Invalid":
        return ServerSaid(Said.INVALID)
    if answer.status == 404 and _NS_MISSING.match(message):
        return ServerSaid(Said.NAMESPACE_MISSING)
    if _TERMINATING.search(message):
        return ServerSaid(Said.NAMESPACE_TERMINATING)
    if answer.status != 403:  # not an admission denial: a bad request, or something amiss
        return ServerSaid(Said.INVALID if answer.status == 400 else Said.ERROR)
    text = _after_forbidden(message)
    if text.startswith(_PSA):
        return ServerSaid(Said.POD_SECURITY)
    if text.startswith(_PSP):
        return ServerSaid(Said.PSP)
    return ServerSaid(Said.ADMISSION, _admission_plugin(message))

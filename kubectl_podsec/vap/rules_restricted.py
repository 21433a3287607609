"""The restricted checks in CEL, one builder per engine variant (pss/checks/*.py).

Windows pods (`spec.os.name: windows`, exact) are exempt from three checks
from v1.25, and user-namespaced pods (`hostUsers: false`) from two from v1.35,
exactly where the engine's variants say so.
"""

from __future__ import annotations

from collections.abc import Callable

from ..pss.checks import restricted_volumes, seccomp_profile_baseline
from .cel import (
    CONTAINERS, SPEC, containers_phrase, join_quote, message, names, plural, pod_and_containers,
    pod_security_context, security_context, sorted_set, string_list, variable,
)
from .rule import Rule
from .rules_baseline import profile_variables

WINDOWS = f"{SPEC}.?os.?name.orValue('') == 'windows'"
USER_NAMESPACED = f"{SPEC}.?hostUsers.orValue(true) == false"


def exempting(condition: str, builder: Callable[[str], Rule]) -> Callable[[str], Rule]:
    """The later variant that allows every pod for which `condition` holds and
    otherwise delegates to the earlier one, as upstream's variants do."""

    def build(cid: str) -> Rule:
        rule = builder(cid)
        return Rule(rule.check, rule.variables, f"{condition} || ({rule.expression})",
                    rule.message_expression, rule.reason)

    return build


def allow_privilege_escalation_1_8(cid: str) -> Rule:
    bad = f"{cid}_containers"
    value = f"{security_context('c', 'allowPrivilegeEscalation')}.orValue(true)"
    return Rule(
        cid,
        ((bad, names(CONTAINERS, "c", f"{value} != false")),),
        f"{variable(bad)}.size() == 0",
        message("allowPrivilegeEscalation != false",
                f"{containers_phrase(variable(bad))} + ' must set securityContext.allowPrivilegeEscalation=false'"),
        "allowPrivilegeEscalation != false",
    )


def capabilities_restricted_1_22(cid: str) -> Rule:
    caps = security_context("c", "capabilities")
    extra = f"{caps}.?add.orValue([]).filter(a, a != 'NET_BIND_SERVICE')"
    drop, add, added = (f"{cid}_{n}" for n in ("nodrop", "adding", "added"))
    parts = (
        f"({variable(drop)}.size() > 0 ? [{containers_phrase(variable(drop))} + "
        """' must set securityContext.capabilities.drop=["ALL"]'] : []) + """
        f"({variable(add)}.size() > 0 ? [{containers_phrase(variable(add))} + ' must not include ' + "
        f"{join_quote(variable(added))} + ' in securityContext.capabilities.add'] : [])"
    )
    return Rule(
        cid,
        (
            (drop, names(CONTAINERS, "c", f"!('ALL' in {caps}.?drop.orValue([]))")),
            (add, names(CONTAINERS, "c", f"{extra}.size() > 0")),
            (added, sorted_set(f"{CONTAINERS}.map(c, {extra}).flatten()")),
        ),
        f"{variable(drop)}.size() == 0 && {variable(add)}.size() == 0",
        message("unrestricted capabilities", f"({parts}).join('; ')"),
        "unrestricted capabilities",
    )


def restricted_volumes_1_0(cid: str) -> Rule:
    m = restricted_volumes
    # A bad volume is named after the first restricted source it has, in upstream's order.
    order = "[" + ", ".join(f"'{s}'" for s in m.RESTRICTED_SOURCES) + "]"
    type_of = f"({order}.exists(s, s in v) ? {order}.filter(s, s in v)[0] : 'unknown')"
    bad, vol_names, types = (f"{cid}_{n}" for n in ("volumes", "names", "types"))
    return Rule(
        cid,
        (
            (bad, f"{SPEC}.?volumes.orValue([]).filter(v, !v.exists(k, k in {string_list(m.ALLOWED_SOURCES)}))"),
            (vol_names, f"{variable(bad)}.map(v, v.?name.orValue(''))"),
            (types, sorted_set(f"{variable(bad)}.map(v, {type_of})")),
        ),
        f"{variable(bad)}.size() == 0",
        message("restricted volume types",
                f"{plural(variable(bad), 'volume ', 'volumes ')} + {join_quote(variable(vol_names))} + "
                f"{plural(variable(bad), ' uses ', ' use ')} + "
                f"{plural(variable(types), 'restricted volume type ', 'restricted volume types ')} + "
                f"{join_quote(variable(types))}"),
        "restricted volume types",
    )


def run_as_non_root_1_0(cid: str) -> Rule:
    pod_value = pod_security_context("runAsNonRoot")
    value = security_context("c", "runAsNonRoot")
    pod_false, pod_true, explicit, implicit = (f"{cid}_{n}" for n in ("podfalse", "podtrue", "explicit", "implicit"))
    explicit_message = message("runAsNonRoot != true",
                               f"{pod_and_containers(variable(pod_false), variable(explicit))} + "
                               "' must not set securityContext.runAsNonRoot=false'")
    implicit_message = message("runAsNonRoot != true",
                               f"'pod or ' + {containers_phrase(variable(implicit))} + "
                               "' must set securityContext.runAsNonRoot=true'")
    return Rule(
        cid,
        (
            (pod_false, f"{pod_value}.orValue(true) == false"),
            (pod_true, f"{pod_value}.orValue(false) == true"),
            (explicit, names(CONTAINERS, "c", f"{value}.orValue(true) == false")),
            (implicit, names(CONTAINERS, "c", f"!{value}.hasValue() && !{variable(pod_true)}")),
        ),
        f"!{variable(pod_false)} && {variable(explicit)}.size() == 0 && {variable(implicit)}.size() == 0",
        f"({variable(pod_false)} || {variable(explicit)}.size() > 0) ? {explicit_message} : {implicit_message}",
        "runAsNonRoot != true",
    )


def run_as_user_1_23(cid: str) -> Rule:
    pod, bad = f"{cid}_pod", f"{cid}_containers"
    return Rule(
        cid,
        (
            (pod, f"{pod_security_context('runAsUser')}.orValue(1) == 0"),
            (bad, names(CONTAINERS, "c", f"{security_context('c', 'runAsUser')}.orValue(1) == 0")),
        ),
        f"!{variable(pod)} && {variable(bad)}.size() == 0",
        message("runAsUser=0", f"{pod_and_containers(variable(pod), variable(bad))} + ' must not set runAsUser=0'"),
        "runAsUser=0",
    )


def seccomp_profile_restricted_1_19(cid: str) -> Rule:
    valid = string_list(seccomp_profile_baseline.VALID_TYPES)
    pod, bad, types = (variable(f"{cid}_{n}") for n in ("pod", "containers", "types"))
    pod_set, implicit = f"{cid}_podset", f"{cid}_implicit"
    pod_type = f"{SPEC}.securityContext.seccompProfile.?type.orValue('')"
    explicit_message = message("seccompProfile",
                               f"{pod_and_containers(pod, bad)} + "
                               f"' must not set securityContext.seccompProfile.type to ' + {join_quote(types)}")
    implicit_message = message("seccompProfile",
                               f"'pod or ' + {containers_phrase(variable(implicit))} + "
                               """' must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'""")
    return Rule(
        cid,
        profile_variables(cid, "seccompProfile", seccomp_profile_baseline.VALID_TYPES) + (
            (pod_set, f"{pod_security_context('seccompProfile')}.hasValue() && {pod_type} in {valid}"),
            (implicit, names(CONTAINERS, "c",
                             f"!{security_context('c', 'seccompProfile')}.hasValue() && !{variable(pod_set)}")),
        ),
        f"!{pod} && {bad}.size() == 0 && {variable(implicit)}.size() == 0",
        f"({pod} || {bad}.size() > 0) ? {explicit_message} : {implicit_message}",
        "seccompProfile",
    )

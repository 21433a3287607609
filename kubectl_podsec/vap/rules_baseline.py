"""The baseline checks in CEL, one builder per engine variant (pss/checks/*.py).

Each builder takes the check ID (so variables are named after it) and returns
the Rule that passes and fails exactly where the engine's variant does, with
the engine's reason and detail as the message.
"""

from __future__ import annotations

from collections.abc import Callable

from ..pss.checks import app_armor_profile, capabilities_baseline, seccomp_profile_baseline
from .cel import (
    ANNOTATIONS, CONTAINERS, SPEC, containers_phrase, join_quote, literal, message, name, names,
    plural, pod_and_containers, pod_security_context, security_context, setters, sorted_set,
    string_list, variable,
)
from .rule import Rule

RuleBuilder = Callable[[str], Rule]


def privileged_1_0(cid: str) -> Rule:
    bad = f"{cid}_containers"
    return Rule(
        cid,
        ((bad, names(CONTAINERS, "c", f"{security_context('c', 'privileged')}.orValue(false) == true")),),
        f"{variable(bad)}.size() == 0",
        message("privileged", f"{containers_phrase(variable(bad))} + ' must not set securityContext.privileged=true'"),
        "privileged",
    )


def host_namespaces_1_0(cid: str) -> Rule:
    flags = f"{cid}_flags"
    parts = " + ".join(
        f"({SPEC}.?{field}.orValue(false) == true ? ['{field}=true'] : [])"
        for field in ("hostNetwork", "hostPID", "hostIPC")
    )
    return Rule(
        cid, ((flags, parts),), f"{variable(flags)}.size() == 0",
        message("host namespaces", f"{variable(flags)}.join(', ')"), "host namespaces",
    )


def capabilities_baseline_1_0(cid: str) -> Rule:
    allowed = string_list(capabilities_baseline.ALLOWED_1_0)
    add = f"{security_context('c', 'capabilities')}.?add.orValue([])"
    bad, caps = f"{cid}_containers", f"{cid}_added"
    return Rule(
        cid,
        (
            (bad, names(CONTAINERS, "c", f"{add}.exists(a, !(a in {allowed}))")),
            (caps, sorted_set(f"{CONTAINERS}.map(c, {add}.filter(a, !(a in {allowed}))).flatten()")),
        ),
        f"{variable(bad)}.size() == 0",
        message("non-default capabilities",
                f"{containers_phrase(variable(bad))} + ' must not include ' + "
                f"{join_quote(variable(caps))} + ' in securityContext.capabilities.add'"),
        "non-default capabilities",
    )


def host_path_volumes_1_0(cid: str) -> Rule:
    bad = f"{cid}_volumes"
    return Rule(
        cid,
        ((bad, names(f"{SPEC}.?volumes.orValue([])", "v", "has(v.hostPath)")),),
        f"{variable(bad)}.size() == 0",
        message("hostPath volumes",
                f"{plural(variable(bad), 'volume ', 'volumes ')} + {join_quote(variable(bad))}"),
        "hostPath volumes",
    )


def host_ports_1_0(cid: str) -> Rule:
    ports_of = "c.?ports.orValue([]).map(p, p.?hostPort.orValue(0)).filter(h, h != 0)"
    bad, ports = f"{cid}_containers", f"{cid}_ports"
    return Rule(
        cid,
        (
            (bad, names(CONTAINERS, "c", f"{ports_of}.size() > 0")),
            # Sorted as strings, as upstream's string set is.
            (ports, sorted_set(f"{CONTAINERS}.map(c, {ports_of}.map(h, string(h))).flatten()")),
        ),
        f"{variable(bad)}.size() == 0",
        message("hostPort",
                f"{containers_phrase(variable(bad))} + {plural(variable(bad), ' uses ', ' use ')} + "
                f"{plural(variable(ports), 'hostPort ', 'hostPorts ')} + {variable(ports)}.join(', ')"),
        "hostPort",
    )


def _probe_hosts(var: str) -> str:
    handlers = [f"{var}.?{probe}" for probe in ("livenessProbe", "readinessProbe", "startupProbe")]
    handlers += [f"{var}.?lifecycle.?{hook}" for hook in ("postStart", "preStop")]
    hosts = [f"{h}.?{kind}.?host.orValue('')" for h in handlers for kind in ("httpGet", "tcpSocket")]
    return f"[{', '.join(hosts)}].filter(h, h != '')"


def host_probes_and_host_lifecycle_1_34(cid: str) -> Rule:
    bad, hosts = f"{cid}_containers", f"{cid}_hosts"
    return Rule(
        cid,
        (
            # Unlike every other check, the container names are de-duplicated and sorted.
            (bad, sorted_set(names(CONTAINERS, "c", f"{_probe_hosts('c')}.size() > 0"))),
            (hosts, sorted_set(f"{CONTAINERS}.map(c, {_probe_hosts('c')}).flatten()")),
        ),
        f"{variable(bad)}.size() == 0",
        message("probe or lifecycle host",
                f"{containers_phrase(variable(bad))} + {plural(variable(bad), ' uses ', ' use ')} + "
                f"{plural(variable(hosts), 'probe or lifecycle host ', 'probe or lifecycle hosts ')} + "
                f"{join_quote(variable(hosts))}"),
        "probe or lifecycle host",
    )


def _proc_mount(cid: str, relaxed_for_user_namespaces: bool) -> Rule:
    value = f"{security_context('c', 'procMount')}.orValue('Default')"
    bad, types = f"{cid}_containers", f"{cid}_types"
    passes = f"{variable(bad)}.size() == 0"
    if relaxed_for_user_namespaces:
        passes = f"{SPEC}.?hostUsers.orValue(true) == false || {passes}"
    return Rule(
        cid,
        (
            (bad, names(CONTAINERS, "c", f"{value} != 'Default'")),
            (types, sorted_set(f"{CONTAINERS}.map(c, {value}).filter(t, t != 'Default')")),
        ),
        passes,
        message("procMount",
                f"{containers_phrase(variable(bad))} + ' must not set securityContext.procMount to ' + "
                f"{join_quote(variable(types))}"),
        "procMount",
    )


def proc_mount_1_0(cid: str) -> Rule:
    return _proc_mount(cid, relaxed_for_user_namespaces=False)


def proc_mount_1_35(cid: str) -> Rule:
    return _proc_mount(cid, relaxed_for_user_namespaces=True)


def se_linux_options(allowed_types: frozenset[str]) -> RuleBuilder:
    types_literal = string_list(allowed_types)

    def valid(o: str) -> str:
        return (f"({o}.?type.orValue('') in {types_literal} && {o}.?user.orValue('') == '' "
                f"&& {o}.?role.orValue('') == '')")

    def build(cid: str) -> Rule:
        pod_opts = pod_security_context("seLinuxOptions")
        c_opts = security_context("c", "seLinuxOptions")
        pod, bad, opts, types = (f"{cid}_{n}" for n in ("pod", "containers", "all", "types"))
        data = (
            f"({variable(types)}.size() > 0 ? [{plural(variable(types), 'type ', 'types ')} + "
            f"{join_quote(variable(types))}] : []) + "
            f"({variable(opts)}.exists(o, o.?user.orValue('') != '') ? ['user may not be set'] : []) + "
            f"({variable(opts)}.exists(o, o.?role.orValue('') != '') ? ['role may not be set'] : [])"
        )
        return Rule(
            cid,
            (
                (pod, f"{pod_opts}.hasValue() && !{valid(f'{SPEC}.securityContext.seLinuxOptions')}"),
                (bad, names(CONTAINERS, "c",
                            f"{c_opts}.hasValue() && !{valid('c.securityContext.seLinuxOptions')}")),
                (opts, f"({pod_opts}.hasValue() ? [{SPEC}.securityContext.seLinuxOptions] : []) + "
                       f"{CONTAINERS}.filter(c, {c_opts}.hasValue())"
                       ".map(c, c.securityContext.seLinuxOptions)"),
                (types, sorted_set(f"{variable(opts)}.map(o, o.?type.orValue(''))"
                                   f".filter(t, !(t in {types_literal}))")),
            ),
            f"!{variable(pod)} && {variable(bad)}.size() == 0",
            message("seLinuxOptions",
                    f"{pod_and_containers(variable(pod), variable(bad))} + "
                    f"' set forbidden securityContext.seLinuxOptions: ' + ({data}).join('; ')"),
            "seLinuxOptions",
        )

    return build


def profile_variables(cid: str, field: str, valid_types: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """`<cid>_pod`, `<cid>_containers` and `<cid>_types`: which parts set a
    `field` profile (seccompProfile, appArmorProfile) of a type outside
    `valid_types`, as the engine's bad_profiles; an absent profile is never bad."""
    valid = string_list(valid_types)
    pod_profile = pod_security_context(field)
    pod_type = f"{SPEC}.securityContext.{field}.?type.orValue('')"
    c_bad = f"{security_context('c', field)}.hasValue() && !(c.securityContext.{field}.?type.orValue('') in {valid})"
    pod, bad, types = (f"{cid}_{n}" for n in ("pod", "containers", "types"))
    return (
        (pod, f"{pod_profile}.hasValue() && !({pod_type} in {valid})"),
        (bad, names(CONTAINERS, "c", c_bad)),
        (types, sorted_set(f"({variable(pod)} ? [{pod_type}] : []) + {CONTAINERS}.filter(c, {c_bad})"
                           f".map(c, c.securityContext.{field}.?type.orValue(''))")),
    )


def seccomp_profile_baseline_1_0(cid: str) -> Rule:
    m = seccomp_profile_baseline
    keys = (f"([{literal(m.POD_ANNOTATION)}] + "
            f"{CONTAINERS}.map(c, {literal(m.CONTAINER_ANNOTATION_PREFIX)} + {name('c')}))")
    valid = (f"({ANNOTATIONS}[k] in ['runtime/default', 'docker/default'] || "
             f"{ANNOTATIONS}[k].startsWith('localhost/'))")
    bad = f"{cid}_annotations"
    return Rule(
        cid,
        ((bad, sorted_set(f"{keys}.filter(k, k in {ANNOTATIONS} && !{valid})"
                          f".map(k, k + '=' + strings.quote({ANNOTATIONS}[k]))")),),
        f"{variable(bad)}.size() == 0",
        message("seccompProfile",
                f"'forbidden ' + {plural(variable(bad), 'annotation ', 'annotations ')} + "
                f"{variable(bad)}.join(', ')"),
        "seccompProfile",
    )


def seccomp_profile_baseline_1_19(cid: str) -> Rule:
    pod, bad, types = (variable(f"{cid}_{n}") for n in ("pod", "containers", "types"))
    return Rule(
        cid,
        profile_variables(cid, "seccompProfile", seccomp_profile_baseline.VALID_TYPES),
        f"!{pod} && {bad}.size() == 0",
        message("seccompProfile",
                f"{pod_and_containers(pod, bad)} + ' must not set securityContext.seccompProfile.type to ' + "
                f"{join_quote(types)}"),
        "seccompProfile",
    )


def sysctls(allowed: frozenset[str]) -> RuleBuilder:
    def build(cid: str) -> Rule:
        bad = f"{cid}_forbidden"
        # In spec order, neither sorted nor de-duplicated nor quoted.
        return Rule(
            cid,
            ((bad, f"{pod_security_context('sysctls')}.orValue([]).map(s, s.?name.orValue(''))"
                   f".filter(n, !(n in {string_list(allowed)}))"),),
            f"{variable(bad)}.size() == 0",
            message("forbidden sysctls", f"{variable(bad)}.join(', ')"),
            "forbidden sysctls",
        )

    return build


def windows_host_process_1_0(cid: str) -> Rule:
    pod, bad = f"{cid}_pod", f"{cid}_containers"
    return Rule(
        cid,
        (
            (pod, f"{pod_security_context('windowsOptions')}.?hostProcess.orValue(false) == true"),
            (bad, names(CONTAINERS, "c",
                        f"{security_context('c', 'windowsOptions')}.?hostProcess.orValue(false) == true")),
        ),
        f"!{variable(pod)} && {variable(bad)}.size() == 0",
        message("hostProcess",
                f"{pod_and_containers(variable(pod), variable(bad))} + "
                "' must not set securityContext.windowsOptions.hostProcess=true'"),
        "hostProcess",
    )


def app_armor_profile_1_0(cid: str) -> Rule:
    m = app_armor_profile
    pod, bad, types, ann, values = (variable(f"{cid}_{n}")
                                    for n in ("pod", "containers", "types", "annotations", "values"))
    value = f"{ANNOTATIONS}[k]"
    annotations = (f"{ANNOTATIONS}.filter(k, k.startsWith({literal(m.ANNOTATION_PREFIX)}) && "
                   f"!({value} in ['', 'runtime/default'] || {value}.startsWith('localhost/')))"
                   f".map(k, k + '=' + strings.quote({value})).sort()")
    annotation_setter = f"{ann}.size() > 0", plural(ann, "annotation", "annotations")
    who = setters((pod, "'pod'"), (f"{bad}.size() > 0", containers_phrase(bad)), annotation_setter)
    detail = f"{who} + ' must not set AppArmor profile type to ' + {join_quote(values)}"
    return Rule(
        cid,
        profile_variables(cid, "appArmorProfile", m.VALID_TYPES)
        + ((f"{cid}_annotations", annotations), (f"{cid}_values", f"{types} + {ann}")),
        f"!{pod} && {bad}.size() == 0 && {ann}.size() == 0",
        f"{plural(values, 'forbidden AppArmor profile', 'forbidden AppArmor profiles')} + ' (' + {detail} + ')'",
        "forbidden AppArmor profiles",
    )

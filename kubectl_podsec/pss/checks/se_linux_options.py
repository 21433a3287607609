"""seLinuxOptions (baseline, v1.0+; v1.31 allows container_engine_t).

Setting the SELinux type is restricted, and setting a custom SELinux user or
role option is forbidden.
Restricted fields: spec.securityContext.seLinuxOptions.{type,user,role} and
spec.{containers,initContainers}[*].securityContext.seLinuxOptions.{type,user,role}.
Allowed values: type undefined/"", container_t, container_init_t, container_kvm_t
(and container_engine_t from v1.31); user and role undefined/"".
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec, SELinuxOptions
from ..text import containers_phrase, join_quote, pluralize, setters

TYPES_1_0 = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
TYPES_1_31 = TYPES_1_0 | {"container_engine_t"}


def _acceptable(opts: SELinuxOptions, allowed_types: frozenset[str]) -> bool:
    return opts.type in allowed_types and not opts.user and not opts.role


def _se_linux_options(spec: PodSpec, allowed_types: frozenset[str]) -> CheckResult:
    psc = spec.security_context
    # The common case first: nothing to report.
    if psc is None or psc.se_linux_options is None or _acceptable(psc.se_linux_options, allowed_types):
        for c in spec.containers:
            sc = c.security_context
            if sc is not None and sc.se_linux_options is not None and not _acceptable(
                    sc.se_linux_options, allowed_types):
                break
        else:
            return ALLOWED
    bad_types: set[str] = set()
    user = role = False

    def valid(opts: SELinuxOptions) -> bool:
        nonlocal user, role
        ok = True
        if opts.type not in allowed_types:
            bad_types.add(opts.type)
            ok = False
        if opts.user:
            user, ok = True, False
        if opts.role:
            role, ok = True, False
        return ok

    pod_bad = psc is not None and psc.se_linux_options is not None and not valid(
        psc.se_linux_options
    )
    bad = [
        c.name for c in spec.containers
        if c.security_context is not None
        and c.security_context.se_linux_options is not None
        and not valid(c.security_context.se_linux_options)
    ]
    if not pod_bad and not bad:
        return ALLOWED
    data = []
    if bad_types:
        data.append(f"{pluralize('type', 'types', bad_types)} {join_quote(sorted(bad_types))}")
    if user:
        data.append("user may not be set")
    if role:
        data.append("role may not be set")
    who = setters("pod" if pod_bad else "", containers_phrase(bad))
    return forbidden(
        "seLinuxOptions", f"{who} set forbidden securityContext.seLinuxOptions: {'; '.join(data)}"
    )


def se_linux_options_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    return _se_linux_options(spec, TYPES_1_0)


def se_linux_options_1_31(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    return _se_linux_options(spec, TYPES_1_31)


CHECK = Check(
    "seLinuxOptions",
    Level.BASELINE,
    (Variant(0, se_linux_options_1_0), Variant(31, se_linux_options_1_31)),
)

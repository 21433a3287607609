"""Which policy a namespace gets (pure): its labels (from the input's or the
cluster's Namespace objects), else the assumed `--namespace-labels`, else the
cluster defaults of the admission configuration, per mode; and which modes
cannot be known.

A mode is unknown when its level comes from the cluster's defaults
and those were not given (`--admission-config`), or when the namespace's
labels could not be read. Against a cluster a dry-run probe (check/probe.py)
may learn enforce and warn from the server itself; audit never shows in an
answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from .config import DEFAULT_CONFIG, PodSecurityConfig
from .labels import MODES, LabelError, Mode, Policy, policy_from_labels, warn_follows_enforce
from ..pss import Level, LevelVersion, Version

HOW_TO_KNOW = "pass --admission-config (the cluster's defaults), --namespace-labels, or --level"
# Stand-in defaults, one per level: a mode whose level is the same under each
# of them does not depend on the defaults. A labelled level without its
# version label takes the default version, which is `latest` unless
# --admission-config says otherwise (the upstream default, and what nearly
# every cluster keeps): that one assumption is named in the README.
_STAND_INS = tuple(Policy(lv, lv, lv) for lv in (
    LevelVersion(level, Version.latest()) for level in (Level.PRIVILEGED, Level.BASELINE, Level.RESTRICTED)))


class Probed(NamedTuple):
    """What a dry-run probe learnt of a namespace's effective policy: each mode
    it could tell (the rest stay unknown), and why the others could not be."""

    modes: Mapping[Mode, LevelVersion]
    why_not: str = ""


class PolicyChoice(NamedTuple):
    """The policy an object's namespace gets, and where it came from. For the
    modes in `unknown` the `policy` holds the configured defaults, which
    nothing may take as the cluster's: `unknown_reason` says why."""

    policy: Policy | None  # None with --level
    source: str
    label_errors: tuple[LabelError, ...] = ()
    unknown: frozenset[Mode] = frozenset()
    unknown_reason: str = ""


def modes_from_defaults(labels: Mapping[str, str], warn_follows: bool) -> frozenset[Mode]:
    """The modes whose level or version the labels leave to the cluster defaults."""
    policies = [policy_from_labels(labels, d, warn_follows)[0] for d in _STAND_INS]
    return frozenset(m for m in MODES if len({p.for_mode(m) for p in policies}) > 1)


class PolicyResolver:
    """Namespace -> policy: labels from the input's (or the cluster's) Namespace
    objects, else the assumed `--namespace-labels`, else the cluster defaults.
    `unreadable(ns)` says why a namespace's labels could not be read (None when
    they could); `probe(ns)` asks the server what it enforces and warns."""

    def __init__(self, config: PodSecurityConfig = DEFAULT_CONFIG,
                 namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
                 assumed_labels: Mapping[str, str] | None = None,
                 labels_origin: str | Callable[[str], str] = "Namespace object in the input",
                 server_minor: int | None = None,
                 unreadable: Callable[[str], str | None] | None = None,
                 probe: Callable[[str], Probed] | None = None,
                 defaults_unknown_unless_given: bool = False) -> None:
        self.config = config
        self.namespace_labels = {} if namespace_labels is None else namespace_labels  # may be lazy
        self.assumed_labels = assumed_labels
        self.labels_origin = labels_origin
        self.server_minor = server_minor  # the API server's minor version, where known
        self.unreadable = unreadable
        self.probe = probe
        # check: defaults not given are unknown; elsewhere (whoami) the built-in ones are shown
        self.defaults_unknown_unless_given = defaults_unknown_unless_given
        self._cache: dict[str, PolicyChoice] = {}

    @property
    def defaults_known(self) -> bool:
        return self.config.source is not None or not self.defaults_unknown_unless_given

    def defaults_source(self) -> str:
        if self.config.source is None and not self.defaults_unknown_unless_given:
            return "built-in defaults (privileged:latest; pass --admission-config for the cluster's)"
        if self.config.source is None:
            return "cluster defaults (unknown)"
        return f"cluster defaults from {self.config.source}"

    def choose(self, namespace: str) -> PolicyChoice:
        if namespace not in self._cache:
            choice = self._choose(namespace)
            if choice.unknown & {Mode.ENFORCE, Mode.WARN} and self.probe is not None:  # audit never shows
                choice = probed_choice(choice, self.probe(namespace))
            self._cache[namespace] = choice
        return self._cache[namespace]

    def needs_probe(self, namespace: str) -> bool:
        """Whether the server would be asked about this namespace."""
        return self.probe is not None and bool(self._choose(namespace).unknown & {Mode.ENFORCE, Mode.WARN})

    def _choose(self, namespace: str) -> PolicyChoice:
        why_unreadable = self.unreadable(namespace) if self.unreadable is not None else None
        if namespace in self.namespace_labels:
            where = self.labels_origin(namespace) if callable(self.labels_origin) else self.labels_origin
            labels, origin = self.namespace_labels[namespace], f"labels of {where}"
        elif self.assumed_labels is not None:
            labels, origin = self.assumed_labels, "--namespace-labels"
        elif why_unreadable is not None:
            return PolicyChoice(self.config.defaults, "unknown", unknown=frozenset(MODES),
                                unknown_reason=f"the namespace's labels cannot be read ({why_unreadable})")
        else:  # no labels known for it: the defaults, as they are
            labels, origin = {}, self.defaults_source()
        warn_follows = warn_follows_enforce(self.server_minor)
        policy, errors = policy_from_labels(labels, self.config.defaults, warn_follows)
        if origin != self.defaults_source() and not any(k.startswith("pod-security.kubernetes.io/") for k in labels):
            origin = f"{self.defaults_source()} (namespace has no pod-security labels)"
        if self.defaults_known:
            return PolicyChoice(policy, origin, errors)
        unknown = modes_from_defaults(labels, warn_follows)
        reason = "left to the cluster's defaults, which were not given" if unknown else ""
        return PolicyChoice(policy, origin, errors, unknown, reason)


def probed_choice(choice: PolicyChoice, probed: Probed) -> PolicyChoice:
    """The choice with the unknown modes the probe could tell filled in."""
    learnt = {m: lv for m, lv in probed.modes.items() if m in choice.unknown}
    if not learnt:
        reason = choice.unknown_reason + (f"; not probed: {probed.why_not}" if probed.why_not else "")
        return choice._replace(unknown_reason=reason)
    assert choice.policy is not None
    policy = Policy(*(learnt.get(m, choice.policy.for_mode(m)) for m in MODES))
    unknown = choice.unknown - learnt.keys()
    names = ", ".join(m.value for m in MODES if m in learnt)
    source = f"probed ({names})" if choice.source == "unknown" else f"{choice.source}; probed ({names})"
    reason = choice.unknown_reason
    if unknown:
        left = ", ".join(m.value for m in MODES if m in unknown)
        reason = f"{reason}; a dry-run probe cannot tell {left}" + (f" ({probed.why_not})" if probed.why_not else "")
    return PolicyChoice(policy, source, choice.label_errors, frozenset(unknown), reason if unknown else "")

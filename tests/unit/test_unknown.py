"""Unknown policies, what the server said, and warnings as the server cuts them (pure)."""

from __future__ import annotations

import pytest

from kubectl_podsec.admission.config import DEFAULT_CONFIG
from kubectl_podsec.admission.labels import Mode
from kubectl_podsec.admission.policy import PolicyResolver, Probed, modes_from_defaults
from kubectl_podsec.admission.warnings import server_warnings
from kubectl_podsec.check.answers import Said, ServerSaid, classify
from kubectl_podsec.check.checker import Checker
from kubectl_podsec.check.report import Result
from kubectl_podsec.check.probe import read_probes
from kubectl_podsec.kube.reviews import Answer
from kubectl_podsec.pss import Evaluator, LevelVersion

E, A, W = Mode.ENFORCE, Mode.AUDIT, Mode.WARN
P = "pod-security.kubernetes.io/"


@pytest.mark.parametrize("labels,unknown", [
    ({}, {E, A, W}),
    ({P + "enforce": "baseline"}, {A, W}),  # warn follows enforce only where it is stricter than the default
    ({P + "enforce": "restricted"}, {A}),  # raised to restricted whatever the default
    ({P + "enforce": "privileged"}, {A, W}),
    ({P + "enforce": "baseline", P + "warn": "baseline", P + "audit": "privileged"}, set()),
    ({P + "enforce": "nonsense"}, {A, W}),  # an invalid enforce fails closed (restricted); warn does not follow it
    ({P + "audit-version": "v1.30"}, {E, A, W}),  # a version alone leaves the level to the default
])
def test_modes_left_to_the_cluster_defaults(labels: dict[str, str], unknown: set[Mode]) -> None:
    assert modes_from_defaults(labels, warn_follows=True) == unknown


def test_a_1_25_server_never_raises_warn() -> None:
    assert modes_from_defaults({P + "enforce": "restricted"}, warn_follows=False) == {A, W}


def test_the_resolver_says_why_and_learns_from_a_probe() -> None:
    probed = Probed({E: LevelVersion.parse("baseline", "v1.30")}, "warn is privileged or baseline")
    resolver = PolicyResolver(DEFAULT_CONFIG, {}, unreadable=lambda ns: "forbidden" if ns == "web" else None,
                              probe=lambda ns: probed, defaults_unknown_unless_given=True)

    web, other = resolver.choose("web"), resolver.choose("other")

    assert web.source == "probed (enforce)" and web.unknown == {A, W}
    assert web.policy is not None and str(web.policy.enforce) == "baseline:v1.30"
    assert web.unknown_reason == ("the namespace's labels cannot be read (forbidden); a dry-run probe cannot "
                                  "tell audit, warn (warn is privileged or baseline)")
    assert other.source == "cluster defaults (unknown); probed (enforce)"


def test_given_defaults_are_known_and_not_probed() -> None:
    asked: list[str] = []
    resolver = PolicyResolver(DEFAULT_CONFIG._replace(source="cfg.yaml"), {},
                              probe=lambda ns: asked.append(ns) or Probed({}), defaults_unknown_unless_given=True)
    assert resolver.choose("web").unknown == frozenset() and asked == []


def test_no_probe_where_the_labels_say_every_mode_or_with_level() -> None:
    asked: list[str] = []
    full = {P + mode: "baseline" for mode in ("enforce", "audit", "warn")}
    resolver = PolicyResolver(DEFAULT_CONFIG, {"web": full}, probe=lambda ns: asked.append(ns) or Probed({}),
                              defaults_unknown_unless_given=True)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "other"},
           "spec": {"containers": [{"name": "c", "image": "i"}]}}

    known = resolver.choose("web")
    by_level = Checker(Evaluator(), resolver, level=LevelVersion.parse("restricted")).check(pod, None)

    assert known.unknown == frozenset() and isinstance(by_level, Result) and asked == []


def test_whoami_keeps_the_built_in_defaults() -> None:
    choice = PolicyResolver().choose("web")
    assert choice.unknown == frozenset()
    assert choice.source.startswith("built-in defaults (privileged:latest")


# --- the probes' answers --------------------------------------------------------------

DENIED_BASELINE = Answer("denied", 403, 'pods "podsec-probe-x" is forbidden: violates PodSecurity '
                                        '"baseline:v1.30": privileged (container "probe" must not set ...)', "Forbidden")
WARNED = ('would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container '
          '"probe" must set securityContext.allowPrivilegeEscalation=false)')


def test_probes_read_enforce_from_the_denial_and_warn_from_the_warning() -> None:
    learnt = read_probes(DENIED_BASELINE, Answer("accepted", 201, warnings=(WARNED,)))
    assert {m: str(lv) for m, lv in learnt.modes.items()} == {E: "baseline:v1.30", W: "restricted:latest"}


def test_an_admitted_probe_is_privileged_enforce_and_its_warning_names_warn() -> None:
    admitted = read_probes(Answer("accepted", 201, warnings=('would violate PodSecurity "baseline:v1.29": x',)), None)
    silent = read_probes(Answer("accepted", 201), None)
    assert {m: str(lv) for m, lv in admitted.modes.items()} == {E: "privileged:latest", W: "baseline:v1.29"}
    assert {m: str(lv) for m, lv in silent.modes.items()} == {E: "privileged:latest", W: "privileged:latest"}


def test_what_probes_cannot_tell() -> None:
    restricted = Answer("denied", 403, 'pods "x" is forbidden: violates PodSecurity "restricted:latest": y', "Forbidden")
    webhook = Answer("denied", 403, 'admission webhook "gate" denied the request: no', "Forbidden")
    assert read_probes(restricted, None) == Probed({E: LevelVersion.parse("restricted")},
                                                   "under enforce restricted no Pod shows warn's level")
    assert read_probes(DENIED_BASELINE, Answer("accepted", 201)).why_not == (
        "warn is privileged or baseline, which no Pod tells apart")
    assert read_probes(webhook, None) == Probed(
        {}, 'the probe was denied by admission webhook "gate": admission webhook "gate" denied the request: no')


# --- what the server said --------------------------------------------------------------


@pytest.mark.parametrize("status,reason,message,said", [
    (201, "", "", ServerSaid(Said.ADMITTED)),
    (403, "Forbidden", 'pods "p" is forbidden: violates PodSecurity "baseline:latest": x', ServerSaid(Said.POD_SECURITY)),
    (403, "Forbidden", 'pods "p" is forbidden: PodSecurityPolicy: unable to admit pod: []', ServerSaid(Said.PSP)),
    (403, "Forbidden", 'admission webhook "deny.example.com" denied the request: no',
     ServerSaid(Said.ADMISSION, 'admission webhook "deny.example.com"')),
    (403, "Forbidden", "pods \"p\" is forbidden: ValidatingAdmissionPolicy 'only-robot' with binding 'b' "
                       "denied request: no", ServerSaid(Said.ADMISSION, "ValidatingAdmissionPolicy 'only-robot'")),
    (403, "Forbidden", 'pods "p" is forbidden: no PriorityClass with name gold was found',
     ServerSaid(Said.ADMISSION, "the Priority admission plugin")),
    (403, "Forbidden", 'pods "p" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1',
     ServerSaid(Said.ADMISSION, "the ResourceQuota admission plugin")),
    (403, "Forbidden", 'pods "p" is forbidden: error looking up service account ns/x: serviceaccount "x" not found',
     ServerSaid(Said.ADMISSION, "the ServiceAccount admission plugin")),
    (403, "Forbidden", 'pods "p" is forbidden: something new', ServerSaid(
        Said.ADMISSION, "another admission plugin (not named in its message)")),
    (422, "Invalid", 'Pod "p" is invalid: spec.containers[0].securityContext.procMount: Invalid value', ServerSaid(Said.INVALID)),
    (404, "NotFound", 'namespaces "gone" not found', ServerSaid(Said.NAMESPACE_MISSING)),
    (403, "Forbidden", 'pods "p" is forbidden: unable to create new content in namespace x because it is being '
                       'terminated', ServerSaid(Said.NAMESPACE_TERMINATING)),
    (500, "InternalError", "etcd", ServerSaid(Said.ERROR)),
])
def test_answers_are_classified(status: int, reason: str, message: str, said: ServerSaid) -> None:
    outcome = "accepted" if status < 300 else "error" if status >= 500 else "denied"
    assert classify(Answer(outcome, status, message, reason)) == said


def test_rbac_is_forbidden_before_admission() -> None:
    rbac = Answer("forbidden", 403, 'pods is forbidden: User "bob" cannot create resource "pods"', "Forbidden")
    assert classify(rbac) == ServerSaid(Said.RBAC) and not classify(rbac).speaks_of_pod_security


# --- warnings as the server's recorder cuts them -----------------------------------------


def test_warnings_within_the_limit_are_sent_whole_and_once() -> None:
    assert server_warnings(["a" * 4000, "b" * 96, "a" * 4000, ""]) == ("a" * 4000, "b" * 96)


def test_one_warning_over_the_limit_is_cut_to_256_runes() -> None:
    long = "é" * 5000  # runes, not bytes
    assert server_warnings([long]) == ("é" * 256,)


def test_crossing_the_limit_cuts_every_warning_and_drops_the_rest_once_full() -> None:
    first, second = "x" * 3000, "y" * 2000
    assert server_warnings([first, second]) == ("x" * 256, "y" * 256)
    many = [f"{i:03d}" + "z" * 400 for i in range(30)]  # 30 x 403 runes: over 4096 at the 11th
    sent = server_warnings(many)
    # replayed cut (256 each) until the count reaches 4096: 16 warnings, then no more
    assert len(sent) == 16 and all(len(w) == 256 for w in sent) and sent[0].startswith("000")


def test_texts_a_header_cannot_carry_are_not_sent() -> None:
    assert server_warnings(["bad\x07bell", "fine"]) == ("fine",)

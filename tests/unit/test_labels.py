"""Namespace labels to policy, ported from k8s.io/pod-security-admission@v0.37.2 api/helpers_test.go
(TestParseVersion, TestLevelVersionEquals, TestPolicyEquals, TestPolicyToEvaluate), plus the
fallback and error-text rules of api/helpers.go (PolicyToEvaluate, appendErr) that the tests
there only check for presence."""

from __future__ import annotations

import pytest

from kubectl_podsec.admission.labels import (
    ALL_LABELS,
    PRIVILEGED_POLICY,
    LabelError,
    Policy,
    pod_security_labels,
    policy_from_labels,
)
from kubectl_podsec.pss import LEVEL_ERROR, VERSION_ERROR, Level, LevelVersion, Version

PREFIX = "pod-security.kubernetes.io/"
LEVELS = (Level.PRIVILEGED, Level.BASELINE, Level.RESTRICTED)


def make_labels(*kvs: str) -> dict[str, str]:
    """upstream makeLabels: prefixed pod-security labels plus one unrelated label."""
    assert len(kvs) % 2 == 0
    labels = {"other-label": "foo-bar"}
    for key, value in zip(kvs[::2], kvs[1::2]):
        labels[PREFIX + key] = value
    return labels


def lv(level: str, version: str = "latest") -> LevelVersion:
    return LevelVersion.parse(level, version)


PRIV = lv("privileged")


# --- TestParseVersion ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("latest", None),
        ("v1.0", 0),
        ("v1.1", 1),
        ("v1.20", 20),
        ("v1.10000", 10000),
        ("v1.9223372036854775807", 2**63 - 1),  # the largest a Go int (strconv.Atoi) holds
    ],
)
def test_parse_version_successes(text: str, minor: int | None) -> None:
    assert Version.parse(text) == Version(minor)
    assert str(Version.parse(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        # upstream failures
        "foo", "", "v2.0", "v1", "1.1",
        # regex ^v1\.([0-9]|[1-9][0-9]*)$ and Atoi
        "v1.05", "v1.00", "v1.0\n", "v1.0 ", " v1.0", "V1.0", "v1.", "v1.-1", "v1.+1", "v1.1.0",
        "Latest", "LATEST", "latest\n", "v1.9223372036854775808", "v1.\u0661",
    ],
    ids=repr,
)
def test_parse_version_failures(text: str) -> None:
    with pytest.raises(ValueError) as err:
        Version.parse(text)
    assert str(err.value) == 'must be "latest" or "v1.x"' == VERSION_ERROR


def test_latest_is_newer_than_every_version() -> None:
    latest = Version.latest()
    assert Version(0).older(latest)
    assert Version(10000).older(latest)
    assert not latest.older(Version(10000))
    assert not latest.older(latest)
    assert Version(1).older(Version(2)) and not Version(2).older(Version(1))


@pytest.mark.parametrize("text", ["privileged", "baseline", "restricted"])
def test_parse_level(text: str) -> None:
    assert str(Level.parse(text)) == text


@pytest.mark.parametrize("text", ["", "Baseline", "RESTRICTED", " baseline", "baseline ", "foo"], ids=repr)
def test_parse_level_failures(text: str) -> None:
    with pytest.raises(ValueError) as err:
        Level.parse(text)
    assert str(err.value) == "must be one of privileged, baseline, restricted" == LEVEL_ERROR


@pytest.mark.parametrize(
    ("level", "version", "text"),
    [
        ("restricted", "latest", "restricted:latest"),
        ("baseline", "v1.27", "baseline:v1.27"),
        ("restricted", "v1.99", "restricted:v1.99"),  # printed as given, not as resolved
    ],
)
def test_level_version_string(level: str, version: str, text: str) -> None:
    assert str(LevelVersion.parse(level, version)) == text


# --- TestLevelVersionEquals ------------------------------------------------------------

VERSIONS = (Version.latest(), Version(18), Version(30))
OTHER_VERSIONS = (Version(16), Version(13))


def test_level_version_equivalent_to_itself() -> None:
    for level in LEVELS:
        for version in VERSIONS:
            a = LevelVersion(level, version)
            assert a.equivalent(LevelVersion(level, version)), str(a)


def test_different_levels_not_equivalent() -> None:
    for l1 in LEVELS:
        for l2 in LEVELS:
            if l1 is not l2:
                assert not LevelVersion(l1, Version.latest()).equivalent(LevelVersion(l2, Version.latest()))


def test_different_non_privileged_versions_not_equivalent() -> None:
    for level in (Level.BASELINE, Level.RESTRICTED):
        for v1 in VERSIONS:
            for v2 in OTHER_VERSIONS:
                assert not LevelVersion(level, v1).equivalent(LevelVersion(level, v2))


def test_different_privileged_versions_equivalent() -> None:
    for v1 in VERSIONS:
        for v2 in OTHER_VERSIONS:
            assert LevelVersion(Level.PRIVILEGED, v1).equivalent(LevelVersion(Level.PRIVILEGED, v2))


# --- TestPolicyEquals --------------------------------------------------------------


def test_policy_equals() -> None:
    privileged = Policy(PRIV, PRIV, PRIV)
    assert privileged.fully_privileged
    privileged2 = Policy(lv("privileged", "v1.20"), PRIV, PRIV)
    assert privileged2.fully_privileged
    baseline = Policy(PRIV, lv("baseline"), PRIV)
    assert not baseline.fully_privileged

    assert privileged.equivalent(privileged2), "ignore privileged versions"
    assert baseline.equivalent(baseline), "baseline policy equals itself"
    assert not privileged.equivalent(baseline), "privileged != baseline"


# --- TestPolicyToEvaluate ------------------------------------------------------------


def policy(enforce: LevelVersion, audit: LevelVersion, warn: LevelVersion) -> Policy:
    return Policy(enforce=enforce, audit=audit, warn=warn)


POLICY_TO_EVALUATE = [
    pytest.param(make_labels("enforce", "baseline"), policy(lv("baseline"), PRIV, lv("baseline")), False,
                 id="simple enforce"),
    pytest.param(make_labels("warn", "restricted"), policy(PRIV, PRIV, lv("restricted")), False,
                 id="simple warn"),
    pytest.param(make_labels("audit", "baseline"), policy(PRIV, lv("baseline"), PRIV), False,
                 id="simple audit"),
    pytest.param(make_labels("enforce", "baseline", "warn", "restricted"),
                 policy(lv("baseline"), PRIV, lv("restricted")), False, id="enforce & warn"),
    pytest.param(make_labels("enforce", "baseline", "enforce-version", "v1.22"),
                 policy(lv("baseline", "v1.22"), PRIV, lv("baseline", "v1.22")), False, id="enforce version"),
    pytest.param(make_labels("enforce", "baseline", "enforce-version", "v1.22", "warn-version", "latest"),
                 policy(lv("baseline", "v1.22"), PRIV, lv("baseline", "latest")), False,
                 id="enforce version & warn-version"),
    pytest.param(make_labels("enforce", "baseline", "warn-version", "v1.23"),
                 policy(lv("baseline"), PRIV, lv("baseline", "v1.23")), False, id="enforce & warn-version"),
    pytest.param(make_labels("enforce", "baseline", "enforce-version", "v1.20",
                             "warn", "restricted", "warn-version", "v1.21",
                             "audit", "restricted", "audit-version", "v1.22"),
                 policy(lv("baseline", "v1.20"), lv("restricted", "v1.22"), lv("restricted", "v1.21")), False,
                 id="fully specd"),
    pytest.param(make_labels("enforce", "baseline", "warn", "privileged"),
                 policy(lv("baseline"), PRIV, PRIV), False, id="enforce no warn"),
    pytest.param(make_labels("enforce", "baseline", "warn", "foo"),
                 policy(lv("baseline"), PRIV, PRIV), True, id="enforce warn error"),
    pytest.param(make_labels("enforce", "foo"), policy(lv("restricted"), PRIV, PRIV), True, id="enforce error"),
]


@pytest.mark.parametrize(("labels", "expected", "expect_err"), POLICY_TO_EVALUATE)
def test_policy_to_evaluate(labels: dict[str, str], expected: Policy, expect_err: bool) -> None:
    actual, errors = policy_from_labels(labels, PRIVILEGED_POLICY)
    assert bool(errors) is expect_err
    assert actual == expected


# --- fallbacks, warn auto-raise and defaults (api/helpers.go PolicyToEvaluate) ----------


@pytest.mark.parametrize(
    ("labels", "defaults", "expected"),
    [
        pytest.param({}, PRIVILEGED_POLICY, PRIVILEGED_POLICY, id="no labels"),
        pytest.param(None, PRIVILEGED_POLICY, PRIVILEGED_POLICY, id="labels None"),
        pytest.param({"other-label": "x"}, PRIVILEGED_POLICY, PRIVILEGED_POLICY, id="only other labels"),
        pytest.param({}, policy(lv("baseline", "v1.25"), lv("restricted"), lv("baseline")),
                     policy(lv("baseline", "v1.25"), lv("restricted"), lv("baseline")), id="no labels keeps defaults"),
        pytest.param(make_labels("enforce", "restricted"),
                     policy(lv("baseline"), PRIV, lv("baseline", "v1.20")),
                     policy(lv("restricted"), PRIV, lv("restricted", "latest")),
                     id="raise above a default warn, version follows enforce"),
        pytest.param(make_labels("enforce", "restricted", "warn-version", "v1.24"),
                     PRIVILEGED_POLICY, policy(lv("restricted"), PRIV, lv("restricted", "v1.24")),
                     id="raise keeps explicit warn-version"),
        pytest.param(make_labels("enforce", "baseline"),
                     policy(PRIV, PRIV, lv("restricted", "v1.20")),
                     policy(lv("baseline"), PRIV, lv("restricted", "v1.20")),
                     id="no raise below a stricter default warn"),
        pytest.param(make_labels("enforce", "baseline"),
                     policy(PRIV, PRIV, lv("baseline", "v1.20")),
                     policy(lv("baseline"), PRIV, lv("baseline", "v1.20")),
                     id="no raise to an equal default warn"),
        pytest.param(make_labels("enforce-version", "v1.22"),
                     policy(lv("restricted"), PRIV, PRIV),
                     policy(lv("restricted", "v1.22"), PRIV, PRIV),
                     id="no raise without an enforce level label"),
        pytest.param(make_labels("enforce", "restricted", "enforce-version", "v1.22"),
                     PRIVILEGED_POLICY, policy(lv("restricted", "v1.22"), PRIV, lv("restricted", "v1.22")),
                     id="raise copies enforce version"),
        pytest.param(make_labels("enforce", "restricted", "warn", "privileged"),
                     PRIVILEGED_POLICY, policy(lv("restricted"), PRIV, PRIV), id="explicit warn wins"),
        pytest.param(make_labels("audit-version", "v1.25"),
                     PRIVILEGED_POLICY, policy(PRIV, lv("privileged", "v1.25"), PRIV), id="version label alone"),
        pytest.param(make_labels("enforce", "restricted"),
                     PRIVILEGED_POLICY, policy(lv("restricted"), PRIV, lv("restricted")), id="audit never raised"),
    ],
)
def test_policy_from_labels_defaults_and_raise(
    labels: dict[str, str] | None, defaults: Policy, expected: Policy
) -> None:
    actual, errors = policy_from_labels(labels, defaults)
    assert errors == ()
    assert actual == expected


def _err(label: str, value: str, kind: str) -> str:
    detail = LEVEL_ERROR if kind == "level" else VERSION_ERROR
    return f'metadata.labels[{PREFIX}{label}]: Invalid value: "{value}": {detail}'


@pytest.mark.parametrize(
    ("labels", "defaults", "expected", "errors"),
    [
        pytest.param(make_labels("enforce", "x"), PRIVILEGED_POLICY, policy(lv("restricted"), PRIV, PRIV),
                     ['metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "x": '
                      "must be one of privileged, baseline, restricted"],
                     id="bad enforce fails closed, no warn raise"),
        pytest.param(make_labels("audit", "x"), policy(lv("baseline"), lv("restricted"), PRIV),
                     policy(lv("baseline"), PRIV, PRIV), [_err("audit", "x", "level")],
                     id="bad audit fails open over a stricter default"),
        pytest.param(make_labels("warn", "x"), policy(PRIV, PRIV, lv("restricted")),
                     policy(PRIV, PRIV, PRIV), [_err("warn", "x", "level")],
                     id="bad warn fails open over a stricter default"),
        pytest.param(make_labels("enforce", "baseline", "warn", "Restricted"), PRIVILEGED_POLICY,
                     policy(lv("baseline"), PRIV, PRIV), [_err("warn", "Restricted", "level")],
                     id="bad warn label blocks the raise"),
        pytest.param(make_labels("enforce", "baseline", "enforce-version", "v1.05"),
                     policy(PRIV, PRIV, PRIV),
                     policy(lv("baseline"), PRIV, lv("baseline")),
                     ['metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "v1.05": '
                      'must be "latest" or "v1.x"'],
                     id="bad enforce-version becomes latest"),
        pytest.param(make_labels("audit", "baseline", "audit-version", "v2.0"),
                     policy(PRIV, lv("privileged", "v1.10"), PRIV),
                     policy(PRIV, lv("baseline"), PRIV), [_err("audit-version", "v2.0", "version")],
                     id="bad audit-version becomes latest over a default version"),
        pytest.param(make_labels("warn", "baseline", "warn-version", "v1.0\n"), PRIVILEGED_POLICY,
                     policy(PRIV, PRIV, lv("baseline")),
                     ['metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "v1.0\\n": '
                      'must be "latest" or "v1.x"'],
                     id="trailing newline quoted like Go %q"),
        pytest.param(make_labels("enforce", 'a"b\\c'), PRIVILEGED_POLICY, policy(lv("restricted"), PRIV, PRIV),
                     ['metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "a\\"b\\\\c": '
                      "must be one of privileged, baseline, restricted"],
                     id="quotes and backslashes escaped"),
        pytest.param(make_labels("warn-version", "x", "warn", "x", "audit-version", "x", "audit", "x",
                                 "enforce-version", "x", "enforce", "x"),
                     PRIVILEGED_POLICY, policy(lv("restricted"), PRIV, PRIV),
                     [_err("enforce", "x", "level"), _err("enforce-version", "x", "version"),
                      _err("audit", "x", "level"), _err("audit-version", "x", "version"),
                      _err("warn", "x", "level"), _err("warn-version", "x", "version")],
                     id="errors in upstream order"),
    ],
)
def test_policy_from_labels_errors(
    labels: dict[str, str], defaults: Policy, expected: Policy, errors: list[str]
) -> None:
    actual, errs = policy_from_labels(labels, defaults)
    assert actual == expected
    assert [str(e) for e in errs] == errors
    assert all(isinstance(e, LabelError) for e in errs)


def test_pod_security_labels_in_upstream_order() -> None:
    labels = {**make_labels("warn-version", "v1.1", "enforce", "baseline", "audit", "restricted"), "x": "y"}
    assert list(pod_security_labels(labels)) == [
        PREFIX + "enforce", PREFIX + "audit", PREFIX + "warn-version",
    ]
    assert ALL_LABELS == tuple(
        PREFIX + k for k in
        ("enforce", "enforce-version", "audit", "audit-version", "warn", "warn-version")
    )
    assert pod_security_labels(None) == {}


@pytest.mark.parametrize(("server_minor", "raised"), [(None, True), (26, True), (37, True), (25, False), (24, False)])
def test_warn_follows_enforce_from_kubernetes_1_26(server_minor: int | None, raised: bool) -> None:
    """kubernetes/kubernetes#113491 (1.26): before it, an unset warn stayed at its default."""
    from kubectl_podsec.admission.labels import warn_follows_enforce

    policy, errors = policy_from_labels(make_labels("enforce", "restricted"), PRIVILEGED_POLICY,
                                        warn_follows_enforce(server_minor))

    assert errors == ()
    assert policy.warn == (lv("restricted") if raised else PRIV)

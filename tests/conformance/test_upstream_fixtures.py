"""The engine against the upstream fixture files (specs/pss.md §6).

Every `<level>/v1.<minor>/{pass,fail}/*.yaml` under the pinned module's test/testdata is
defaulted like the API server does (admission.default_pod) and evaluated at `<level>:v1.<minor>`:
pass files must be allowed; fail files denied with the check's expected substring in the message.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from kubectl_podsec.admission.verdicts import default_pod
from kubectl_podsec.pss import LevelVersion, evaluate

TOTAL_YAML_FILES = 4537

# (level, first minor, last minor, pass files, fail files), from the counts in pss.md §6.
_COUNT_RANGES = (
    ("baseline", 0, 33, 11, 29),
    ("baseline", 34, 34, 14, 34),
    ("baseline", 35, 37, 15, 34),
    ("restricted", 0, 7, 14, 53),
    ("restricted", 8, 18, 14, 57),
    ("restricted", 19, 21, 16, 62),
    ("restricted", 22, 22, 16, 66),
    ("restricted", 23, 28, 17, 69),
    ("restricted", 29, 33, 19, 69),
    ("restricted", 34, 34, 22, 74),
    ("restricted", 35, 37, 23, 76),
)
EXPECTED_COUNTS = {
    (level, minor, outcome): count
    for level, first, last, passes, fails in _COUNT_RANGES
    for minor in range(first, last + 1)
    for outcome, count in (("pass", passes), ("fail", fails))
}

CHECK_IDS = (
    "allowPrivilegeEscalation",
    "appArmorProfile",
    "capabilities_baseline",
    "capabilities_restricted",
    "hostNamespaces",
    "hostPathVolumes",
    "hostPorts",
    "hostProbesAndHostLifecycle",
    "privileged",
    "procMount",
    "procMount_restricted",
    "restrictedVolumes",
    "runAsNonRoot",
    "runAsUser",
    "seLinuxOptions",
    "seccompProfile_baseline",
    "seccompProfile_restricted",
    "sysctls",
    "windowsHostProcess",
)
CHECK_ID_BY_STEM = {check_id.lower(): check_id for check_id in CHECK_IDS}

# expectErrorSubstring registered by the upstream generators; the others use the check ID.
EXPECTED_SUBSTRING = {
    "appArmorProfile": "forbidden AppArmor profile",
    "capabilities_baseline": "capabilities",
    "capabilities_restricted": "unrestricted capabilities",
    "hostNamespaces": "host namespaces",
    "hostPathVolumes": "hostPath",
    "hostPorts": "hostPort",
    "hostProbesAndHostLifecycle": "probe or lifecycle host",
    "procMount": "procMount",
    "procMount_restricted": "procMount",
    "restrictedVolumes": "restricted volume types",
    "seccompProfile_baseline": "seccompProfile",
    "seccompProfile_restricted": "seccompProfile",
    "seLinuxOptions": "seLinuxOptions",
    "sysctls": "forbidden sysctl",
    "windowsHostProcess": "hostProcess",
}


def expected_substring(fixture: Path) -> str:
    """`capabilities_baseline0.yaml` -> "capabilities"; unknown stems raise KeyError."""
    check_id = CHECK_ID_BY_STEM[re.sub(r"[0-9]+$", "", fixture.stem)]
    return EXPECTED_SUBSTRING.get(check_id, check_id)


def fixture_mismatch(fixture: Path, level: str, minor: int, outcome: str) -> str | None:
    """Why the engine disagrees with what the fixture's path promises, or None."""
    pod = default_pod(yaml.safe_load(fixture.read_text()))
    result = evaluate(LevelVersion.parse(level, f"v1.{minor}"), pod["metadata"], pod["spec"])
    if outcome == "pass":
        return None if result.allowed else f"denied: {result.forbidden_detail}"
    if result.allowed:
        return "allowed"
    try:
        substring = expected_substring(fixture)
    except KeyError:
        return f"no check ID for the file name {fixture.name!r}"
    if substring not in result.forbidden_detail:
        return f"message lacks {substring!r}: {result.forbidden_detail}"
    return None


def test_fixture_layout_is_complete(fixture_dir: Path) -> None:
    files = list(fixture_dir.glob("*/v1.*/*/*.yaml"))
    directories = {(path.parts[-4], int(path.parts[-3].removeprefix("v1.")), path.parts[-2]) for path in files}
    assert directories == set(EXPECTED_COUNTS), "fixture directories differ from pss.md §6"
    assert len(files) == TOTAL_YAML_FILES
    assert sorted(path.name for path in fixture_dir.iterdir() if path.is_file()) == ["README.md"]


@pytest.mark.parametrize(
    ("level", "minor", "outcome"),
    sorted(EXPECTED_COUNTS),
    ids=[f"{level}/v1.{minor}/{outcome}" for level, minor, outcome in sorted(EXPECTED_COUNTS)],
)
def test_fixture_directory(fixture_dir: Path, level: str, minor: int, outcome: str) -> None:
    fixtures = sorted((fixture_dir / level / f"v1.{minor}" / outcome).glob("*.yaml"))
    assert len(fixtures) == EXPECTED_COUNTS[level, minor, outcome], "file count differs from pss.md §6"
    mismatches = {
        fixture.name: reason
        for fixture in fixtures
        if (reason := fixture_mismatch(fixture, level, minor, outcome)) is not None
    }
    assert not mismatches, f"{len(mismatches)} of {len(fixtures)} {level}:v1.{minor} {outcome} fixtures:\n" + "\n".join(
        f"  {name}: {reason}" for name, reason in mismatches.items()
    )

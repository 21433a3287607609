"""Packaging tests: the frozen one-dir binary, the krew manifest, and installation by real krew.

Every test here is marked `packaging` and runs in the normal `scripts/test` run. The session
builds the archive (scripts/build-binary) and krew (scripts/build-krew) first; both are cached
outside the repository, keyed by the sources and the krew version, so only the first run is slow
(about 3 minutes). They are skipped only when PODSEC_SKIP_PACKAGING=1, which the run then reports
loudly at the end; a build that fails makes them ERROR with its log tail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .artifacts import (ARCH, OS_NAME, BuildError, Krew, archive_name, build, extract,
                        runtime_constraints)

HERE = Path(__file__).resolve().parent
SKIP_PACKAGING = os.environ.get("PODSEC_SKIP_PACKAGING") == "1"
SKIP_MESSAGE = ("PODSEC_SKIP_PACKAGING=1: packaging tests (frozen binary, krew install) are "
                "SKIPPED")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "packaging: builds the frozen binary and krew; PODSEC_SKIP_PACKAGING=1 skips")


def pytest_report_header() -> str | None:
    return f"!!! {SKIP_MESSAGE} !!!" if SKIP_PACKAGING else None


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SKIP_PACKAGING:
        terminalreporter.write_sep("!", SKIP_MESSAGE, red=True, bold=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.packaging)
            if SKIP_PACKAGING:
                item.add_marker(pytest.mark.skip(reason=SKIP_MESSAGE))


def _build_or_fail(script: str, *args: str) -> Path:
    """The script's output path; an ERROR (never a skip) with its log tail when it fails."""
    try:
        return Path(build(script, *args))
    except BuildError as error:
        failure = str(error)
    pytest.fail(failure, pytrace=False)


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This machine's archive, fresh from scripts/build-binary (cached by source hash), with the
    test environment's versions of the runtime dependencies, so that its output can be compared
    with `python -m kubectl_podsec` byte for byte."""
    out = tmp_path_factory.mktemp("dist")
    constraints = out / "constraints.txt"
    constraints.write_text(runtime_constraints())
    path = _build_or_fail("build-binary", "--out", str(out), "--constraint", str(constraints))
    assert path.name == archive_name(OS_NAME, ARCH)
    return path


@pytest.fixture(scope="session")
def krew_bin() -> Path:
    """The directory holding kubectl-krew and validate-krew-manifest (scripts/build-krew)."""
    return _build_or_fail("build-krew")


@pytest.fixture(scope="session")
def bundle(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The archive unpacked: LICENSE and kubectl-podsec/ with the executable."""
    return extract(archive, tmp_path_factory.mktemp("bundle"))


@pytest.fixture
def krew(krew_bin: Path, tmp_path: Path) -> Krew:
    """krew with an empty KREW_ROOT of its own."""
    return Krew(krew_bin, tmp_path / "krew-root")

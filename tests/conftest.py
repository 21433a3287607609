"""Shared test helpers."""

from __future__ import annotations

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture
def examples() -> pathlib.Path:
    return ROOT / "examples"


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"kubectl-podsec tests; repo {ROOT}"]


def update_goldens() -> bool:
    """Golden files are rewritten only when asked: PODSEC_UPDATE_GOLDEN=1."""
    return os.environ.get("PODSEC_UPDATE_GOLDEN") == "1"


GOLDEN = ROOT / "tests" / "golden"


def compare_golden(name: str, actual: str) -> None:
    """`actual` must equal tests/golden/NAME; PODSEC_UPDATE_GOLDEN=1 rewrites it.
    On a difference the actual text is left beside it as NAME.actual."""
    path = GOLDEN / name
    if update_goldens():
        path.write_text(actual)
    assert path.exists(), f"missing golden {path}; run with PODSEC_UPDATE_GOLDEN=1"
    expected = path.read_text()
    if actual != expected:
        (GOLDEN / (name + ".actual")).write_text(actual)
    assert actual == expected, f"output differs from {path} (see {path}.actual)"

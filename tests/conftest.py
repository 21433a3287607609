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

"""Checker.check_many (admission of every object, then validation of each) gives
check()'s results, object by object, with each object's InputError in its place: on
every object of real runs (namespace policies, --level, PodSecurityPolicies, an
older server without validation, exemptions) and hostile input."""

from __future__ import annotations

import pathlib
from collections.abc import Mapping
from typing import Any

import pytest
from click.testing import CliRunner

from kubectl_podsec.check.checker import Checker
from kubectl_podsec.check.report import Result
from kubectl_podsec.cli.main import cli
from kubectl_podsec.errors import InputError
from kubectl_podsec.manifests import Source
from tests.conftest import ROOT
from tests.hostile import make_case, write_files
from tests.unit.test_result_json import CONFIG, ODD

Call = tuple[Checker, Mapping[str, Any], "Source | None"]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """Every object a run checks, with its checker."""
    seen: list[Call] = []
    check = Checker.check

    def recorded(self: Checker, obj: Mapping[str, Any], source: Source | None) -> Any:
        seen.append((self, obj, source))
        return check(self, obj, source)

    monkeypatch.setattr(Checker, "check", recorded)
    return seen


def one_by_one(checker: Checker, objects: list[tuple[Mapping[str, Any], Source | None]]) -> list[Any]:
    out: list[Any] = []
    for obj, source in objects:
        try:
            out.append(checker.check(obj, source))
        except InputError as err:
            out.append(err)
    return out


def comparable(items: list[Any]) -> list[Any]:
    return [(type(i), i.where, i.message) if isinstance(i, InputError) else i for i in items]


def assert_same(calls: list[Call]) -> int:
    """check_many of what each checker checked, against check() one by one; the results."""
    checkers = {id(c): c for c, _, _ in calls}
    results = 0
    for key, checker in checkers.items():
        objects = [(obj, source) for c, obj, source in calls if id(c) == key]
        many = checker.check_many(objects)
        assert comparable(many) == comparable(one_by_one(checker, objects))
        results += sum(type(i) is Result for i in many)
    return results


def run(*args: str) -> None:
    CliRunner().invoke(cli, ["check", *args, "-o", "json"], catch_exceptions=False)


@pytest.mark.parametrize("flags", [
    [], ["--level", "restricted"], ["--server-version", "v1.24"],
    ["--psp-file", str(ROOT / "examples" / "psp" / "policies.yaml"), "--psp-allow", "restricted"],
    ["--admission-config", "CONFIG"],
], ids=["namespaces", "restricted", "no-validation", "psp", "config"])
def test_every_object_of_a_run(calls: list[Call], tmp_path: pathlib.Path, flags: list[str]) -> None:
    (tmp_path / "odd.yaml").write_text(ODD)
    (tmp_path / "config.yaml").write_text(CONFIG)
    flags = [str(tmp_path / "config.yaml") if f == "CONFIG" else f for f in flags]
    run("-R", "-f", str(ROOT / "examples"), "-f", str(tmp_path / "odd.yaml"), *flags)
    checked = list(calls)  # checking again below records again
    assert assert_same(checked) >= 10
    validated = [r for c, o, s in checked if type(r := c.check(o, s)) is Result and r.validation is not None]
    assert bool(validated) == (flags[:1] in ([], ["--level"], ["--admission-config"]))


def test_hostile_input(calls: list[Call], tmp_path: pathlib.Path) -> None:
    for seed in range(40):
        run(*write_files(make_case(seed), str(tmp_path)))
    checked = list(calls)  # checking again below records again
    assert assert_same(checked) >= 40
    assert any(isinstance(i, InputError) for c, o, s in checked for i in one_by_one(c, [(o, s)]))

"""The house rules of style.md, checked: pure layers stay pure and typed, and
only the cluster module talks to Kubernetes."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "kubectl_podsec"
PURE = ["pss", "psp", "validation", "admission.py", "admission_config.py", "labels.py", "workloads.py",
        "report.py", "rollout.py", "render", "resources.py", "dry_run.py", "permissions.py",
        "identity.py", "owners.py", "psp_admission.py", "seccomp_skew.py"]
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def _modules(parts: list[str]) -> list[pathlib.Path]:
    found: list[pathlib.Path] = []
    for part in parts:
        path = PACKAGE / part
        found += sorted(path.rglob("*.py")) if path.is_dir() else ([path] if path.exists() else [])
    return found


def _imports(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", _modules(PURE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_layers_import_only_the_standard_library(path: pathlib.Path) -> None:
    allowed = STDLIB | {"kubectl_podsec"}
    if path.parent.name == "render":
        allowed |= {"yaml", "colorama"}  # renderers format; they do no I/O
    assert _imports(path) <= allowed


@pytest.mark.parametrize("path", _modules(PURE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_layers_do_not_print_or_exit(path: pathlib.Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            assert name not in ("print", "sys.exit", "exit", "input"), f"{path}:{node.lineno} calls {name}"


def test_only_the_cluster_module_imports_kubernetes() -> None:
    offenders = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                 if "kubernetes" in _imports(p) and p.name != "cluster.py"]
    assert offenders == []


def test_checks_are_registered_explicitly() -> None:
    from kubectl_podsec.pss.registry import CHECKS

    modules = {p.stem for p in (PACKAGE / "pss" / "checks").glob("*.py") if p.stem != "__init__"}
    assert len(CHECKS) == len(modules) == 19
    assert {c.variants[0].check.__module__.rsplit(".", 1)[1] for c in CHECKS} <= modules | {"proc_mount"}


def test_the_package_type_checks_strictly() -> None:
    pytest.importorskip("mypy", reason="mypy is in the test extras; install with pip install -e '.[test]'")
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr

"""The house rules of style.md, checked by folder: the engines stay pure, only
kube/ talks to an API server, commands stay click only, and the root stays small."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "kubectl_podsec"
ENGINES = ("pss", "psp", "admission", "vap", "validation")  # pure: the standard library, each other and errors only
ROOT_MODULES = {"__init__.py", "__main__.py", "errors.py", "manifests.py"}
NETWORK = ("http.client", "ssl", "socket", "kubernetes", "urllib3", "urllib.request")
GENERATED = {"pss/go_printable.py"}
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def _modules(*rooms: str) -> list[pathlib.Path]:
    return [p for room in rooms for p in sorted((PACKAGE / room).rglob("*.py"))]


def _room(path: pathlib.Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: pathlib.Path) -> set[str]:
    """Absolute names of every module imported, relative imports resolved."""
    package = ["kubectl_podsec", *path.relative_to(PACKAGE).parent.parts]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names.add(target)
                names |= {f"{target}.{a.name}" for a in node.names} if not node.module else set()
            elif node.module:
                names.add(node.module)
    return names


def _rooms_imported(path: pathlib.Path) -> set[str]:
    return {n.split(".")[1] for n in _imports(path) if n.startswith("kubectl_podsec.") and n.count(".") >= 1}


ids = lambda p: str(p.relative_to(PACKAGE))  # noqa: E731


@pytest.mark.parametrize("path", _modules(*ENGINES), ids=ids)
def test_engines_import_only_the_standard_library_each_other_and_errors(path: pathlib.Path) -> None:
    outside = {n for n in _imports(path) if not n.startswith("kubectl_podsec")}
    assert {n.split(".")[0] for n in outside} <= STDLIB
    assert _rooms_imported(path) <= {*ENGINES, "errors"}


@pytest.mark.parametrize("path", _modules(*ENGINES, "render"), ids=ids)
def test_pure_layers_do_not_print_or_exit(path: pathlib.Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            assert name not in ("print", "sys.exit", "exit", "input"), f"{path}:{node.lineno} calls {name}"


@pytest.mark.parametrize("path", _modules("render"), ids=ids)
def test_renderers_format_and_talk_to_no_cluster(path: pathlib.Path) -> None:
    outside = {n.split(".")[0] for n in _imports(path) if not n.startswith("kubectl_podsec")}
    assert outside <= STDLIB | {"yaml", "colorama"}
    assert "kube" not in _rooms_imported(path) and "cli" not in _rooms_imported(path)


def test_only_kube_speaks_to_an_api_server() -> None:
    offenders = sorted(f"{ids(p)} imports {n}" for p in PACKAGE.rglob("*.py") if _room(p) != "kube"
                       for n in _imports(p) if any(n == x or n.startswith(x + ".") for x in NETWORK))
    assert offenders == []


def test_the_root_keeps_only_the_entry_points_errors_and_input() -> None:
    assert {p.name for p in PACKAGE.glob("*.py")} <= ROOT_MODULES


def test_checks_are_registered_explicitly() -> None:
    from kubectl_podsec.pss.registry import CHECKS

    modules = {p.stem for p in (PACKAGE / "pss" / "checks").glob("*.py") if p.stem != "__init__"}
    assert len(CHECKS) == len(modules) == 19
    assert {c.variants[0].check.__module__.rsplit(".", 1)[1] for c in CHECKS} <= modules | {"proc_mount"}


def test_the_package_type_checks_strictly() -> None:
    pytest.importorskip("mypy", reason="mypy is in the test extras; install with pip install -e '.[test]'")
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr

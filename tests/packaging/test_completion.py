"""Shell completion, as the README documents it: `_KUBECTL_PODSEC_COMPLETE=<shell>_source
kubectl-podsec` prints a script for bash, zsh and fish, from source and from the frozen binary."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .artifacts import python_podsec

SHELLS = ("bash", "zsh", "fish")
VAR = "_KUBECTL_PODSEC_COMPLETE"
# What each script must register: the executable on PATH, `kubectl-podsec` (a script that names
# "kubectl podsec" completes the commands `kubectl` and `podsec` instead, and in bash takes over
# kubectl's own completion).
REGISTRATION = {
    "bash": re.compile(r"^\s*complete -o nosort -F \S+ kubectl-podsec$", re.M),
    "zsh": re.compile(r"^#compdef kubectl-podsec$", re.M),
    "fish": re.compile(r"^complete --no-files --command kubectl-podsec ", re.M),
}


@pytest.mark.parametrize("shell", SHELLS)
def test_each_shell_gets_a_script(shell: str) -> None:
    result = python_podsec([], env={VAR: f"{shell}_source"})
    assert result.returncode == 0, result.stderr
    assert f"{VAR}={shell}_complete" in result.stdout  # the script calls back into the plugin
    assert result.stderr == ""


@pytest.mark.parametrize("shell", SHELLS)
def test_frozen_binary_prints_the_same_script(bundle: Path, shell: str) -> None:
    exe = bundle / "kubectl-podsec" / "kubectl-podsec"
    env = {**os.environ, VAR: f"{shell}_source"}
    frozen = subprocess.run([str(exe)], capture_output=True, text=True, env=env, timeout=60)
    source = python_podsec([], env={VAR: f"{shell}_source"})
    assert (frozen.returncode, frozen.stdout) == (0, source.stdout)


@pytest.mark.parametrize("shell", SHELLS)
def test_script_registers_for_the_executable(shell: str) -> None:
    script = python_podsec([], env={VAR: f"{shell}_source"}).stdout
    assert REGISTRATION[shell].search(script), script


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_commands_and_options(bundle: Path) -> None:
    """The bash script, sourced in a real bash, completes through the frozen binary on PATH."""
    script = python_podsec([], env={VAR: "bash_source"}).stdout
    function = re.search(r"complete -o nosort -F (\S+)", script)
    assert function, script
    probe = (f"{script}\n"
             "COMP_WORDS=(kubectl-podsec ch); COMP_CWORD=1\n"
             f"{function.group(1)} kubectl-podsec; echo \"${{COMPREPLY[*]}}\"\n"
             "COMPREPLY=(); COMP_WORDS=(kubectl-podsec check --lev); COMP_CWORD=2\n"
             f"{function.group(1)} kubectl-podsec; echo \"${{COMPREPLY[*]}}\"\n")
    env = {**os.environ, "PATH": f"{bundle / 'kubectl-podsec'}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", probe], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["check", "--level"]

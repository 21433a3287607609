"""Flag errors of the cluster commands: exit 2 with one line, before any connection."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kubectl_podsec.cli.main import cli


@pytest.mark.parametrize("args,message", [
    (["check", "-A", "-n", "x"], "error: -A and -n cannot be used together"),
    (["check", "-f", "examples", "-A"], "error: -A, -l and --kind choose objects in the cluster; they do not go with -f"),
    (["check", "-f", "examples", "--kind", "pods"], "error: -A, -l and --kind choose objects in the cluster"),
    (["check", "-f", "examples", "-n", "a,b"], "error: with -f, -n takes one namespace"),
    (["check", "--kind", "services"], 'error: --kind: "services" is not a kind with a pod spec'),
    (["check", "--sa", "robot"], 'error: --sa: "robot" must be NAMESPACE/NAME'),
    (["check", "--sa", "ns/robot", "--as", "bob"], "error: --sa and --as cannot be used together"),
    (["whoami", "--as-group", "g"], "error: --as-group and --as-uid need --as or --sa"),
    (["whoami", "--request-timeout", "soon"], 'error: --request-timeout: invalid value "soon"'),
    (["check", "--kubeconfig", "/no/such/kubeconfig"], "error: --kubeconfig /no/such/kubeconfig: no such file"),
])
def test_flag_errors(args: list[str], message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import ROOT

    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, args, env={"KUBECONFIG": "/no/such/kubeconfig"}, catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""


def test_whoami_rejects_a_and_n() -> None:
    result = CliRunner().invoke(cli, ["whoami", "-A", "-n", "x"])
    assert result.exit_code == 2 and "-A and -n cannot be used together" in result.stderr

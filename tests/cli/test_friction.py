"""Small things a new user trips over: what the report says when nothing
could be read, errors as objects in -o json, colour and usage errors, file
name completion for -f, the --sa help, and the grammar of messages."""

from __future__ import annotations

import io
import json
import pathlib

import click
import pytest
from click.testing import CliRunner

from kubectl_podsec.cli.main import cli
from tests.unit.fake_apiserver import Reply, Seen, running, status

VERSION = {"major": "1", "minor": "37", "gitVersion": "v1.37.2"}


def refusing_everything(seen: Seen) -> Reply:
    if seen.path == "/version":
        return Reply(200, VERSION)
    if seen.path == "/apis/policy/v1beta1":  # not served since 1.25, by anyone
        return status(404, "NotFound", "the server could not find the requested resource")
    return status(403, "Forbidden", f'{seen.path.rsplit("/", 1)[-1]} is forbidden: User "me" cannot list it')


def test_check_all_namespaces_that_may_read_nothing_says_so(tmp_path: pathlib.Path) -> None:
    with running() as fake:
        fake.reply = refusing_everything  # type: ignore[method-assign]
        result = CliRunner().invoke(cli, ["check", "-A", "--kubeconfig", fake.kubeconfig(tmp_path)])

    assert result.exit_code == 3
    assert "Nothing could be read from the cluster (see the errors above)." in result.stdout
    assert "No objects with a pod spec" not in result.stdout
    assert "forbidden: User \"me\" cannot list it" in result.stderr


@pytest.mark.parametrize("output", ["json", "yaml"])
def test_report_errors_are_objects_with_a_source_like_skipped(tmp_path: pathlib.Path, output: str) -> None:
    import yaml

    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i}]}\n"
                   "---\napiVersion: v1\nkind: Pod\nmetadata: [1]\n")
    ns = tmp_path / "ns.yaml"
    ns.write_text("apiVersion: v1\nkind: Namespace\n"
                  "metadata: {name: ns, labels: {pod-security.kubernetes.io/enforce: bogus}}\n")

    result = CliRunner().invoke(cli, ["check", "-f", str(bad), "-f", str(ns), "-o", output])

    report = json.loads(result.stdout) if output == "json" else yaml.safe_load(result.stdout)
    assert result.exit_code == 2
    assert report["errors"] == [
        {"source": {"file": str(ns)},
         "message": f'{ns}: Namespace "ns" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: '
                    'Invalid value: "bogus": must be one of privileged, baseline, restricted'},
        {"source": {"file": str(bad), "document": 1, "line": 6},
         "message": f"{bad}: document 1 (line 6): Pod: metadata is not an object"}]
    assert [f"error: {e['message']}" for e in report["errors"]] == result.stderr.splitlines()
    assert report["skipped"][0]["source"] == {"file": str(ns), "document": 0, "line": 1}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("environ,no_color,colour", [
    ({"TERM": "xterm-256color"}, False, True),
    ({"TERM": "dumb"}, False, False),
    ({"TERM": "xterm", "NO_COLOR": "1"}, False, False),
    ({"TERM": "xterm"}, True, False),
])
def test_colour_only_on_a_terminal_that_can_show_it(monkeypatch: pytest.MonkeyPatch, environ: dict[str, str],
                                                     no_color: bool, colour: bool) -> None:
    from kubectl_podsec.terminal.console import Console

    monkeypatch.delenv("NO_COLOR", raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)

    assert Console(_Terminal(), _Terminal(), no_color=no_color).color is colour


def test_click_usage_errors_read_like_the_tools_own() -> None:
    result = CliRunner().invoke(cli, ["check", "--no-such-flag"])

    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "error: No such option '--no-such-flag'."
    assert "Error:" not in result.stderr


@pytest.mark.parametrize("command", [["check"], ["fix"], ["psp", "which"], ["psp", "mutated"]])
def test_filename_options_complete_file_names(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
                                              command: list[str]) -> None:
    group = _command(command)
    option = next(p for p in group.params if "-f" in getattr(p, "opts", ()))
    completions = option.shell_complete(click.Context(group), "")

    assert completions and {c.type for c in completions} <= {"file", "dir"}


def _command(path: list[str]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None
        command = found
    return command


@pytest.mark.parametrize("command,help_text", [
    (["whoami"], "Act as this service account (--as system:serviceaccount:NS:NAME)."),
    (["rollout", "ns"], "Act as this service account (--as system:serviceaccount:NS:NAME)."),
    (["version"], "Act as this service account (--as system:serviceaccount:NS:NAME)."),
    (["psp", "which"], "Act as this service account (--as system:serviceaccount:NS:NAME)."),
    (["check"], "Act as this service account (--as system:serviceaccount:NS:NAME), "
                "and give the pods checked this service account."),
])
def test_sa_help_speaks_of_the_command_it_is_on(command: list[str], help_text: str) -> None:
    option = next(p for p in _command(command).params if "--sa" in getattr(p, "opts", ()))

    assert getattr(option, "help", None) == help_text

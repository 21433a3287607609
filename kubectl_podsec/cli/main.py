"""The command tree, and the one place where failures become exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from .. import __version__
from ..errors import AlreadyReported, ExitCode, PodsecError
from ..terminal.console import Console
from .options import common_options

COMPLETE_VAR = "_KUBECTL_PODSEC_COMPLETE"

# Each command's module is imported only when that command runs (or help lists
# them all), so a command never pays for the imports of the others.
COMMANDS = {
    "check": "check",
    "fix": "fix",
    "policy": "policy",
    "psp": "psp",
    "rollout": "rollout",
    "version": "version",
    "whoami": "whoami",
}


class Podsec(click.Group):
    """A group whose `main` maps every failure to a documented exit code, so
    tests that invoke it in-process see exactly what a user sees; its commands
    are loaded lazily."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = __import__(f"{__package__}.{COMMANDS[cmd_name]}", fromlist=["_"])
            self.add_command(getattr(module, cmd_name))
        return self.commands.get(cmd_name)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        complete_var = complete_var or COMPLETE_VAR
        # Completion scripts register for the executable (kubectl-podsec); help says `kubectl podsec`.
        prog_name = prog_name or ("kubectl-podsec" if os.environ.get(complete_var) else "kubectl podsec")
        console = Console()  # --debug and --no-color set it as they are parsed
        code = run_guarded(lambda: super(Podsec, self).main(
            args=argv, prog_name=prog_name, complete_var=complete_var, standalone_mode=False,
            obj=console, **extra), console)
        sys.exit(int(code))


def run_guarded(call: Any, console: Console) -> int:
    try:
        result = call()
        return result if isinstance(result, int) else ExitCode.OK
    except (click.exceptions.Abort, KeyboardInterrupt):
        sys.stderr.write("Interrupted.\n")
        return ExitCode.INTERRUPTED
    except click.UsageError as err:
        sys.stderr.write(f"error: {_usage_text(err)}\n")
        if err.ctx is not None:
            sys.stderr.write(f"Try '{err.ctx.command_path} --help' for help.\n")
        return ExitCode.USAGE
    except click.ClickException as err:
        sys.stderr.write(f"error: {err.format_message()}\n")
        return ExitCode.USAGE
    except BrokenPipeError:
        return ExitCode.OK
    except AlreadyReported as err:
        return err.exit_code
    except PodsecError as err:
        if console.debug:
            _print_traceback()
        sys.stderr.write(f"error: {err}\n")
        return err.exit_code
    except Exception as err:  # the one catch-all: an internal error, never a bare traceback
        if console.debug:
            _print_traceback()
        sys.stderr.write(f"error: internal error: {type(err).__name__}: {str(err)[:300]} "
                         "(rerun with --debug for the traceback)\n")
        return ExitCode.INTERNAL


def _usage_text(err: click.UsageError) -> str:
    """Click's usage error in the tool's own words: `--flag: what is wrong`."""
    if isinstance(err, click.BadParameter) and err.param is not None and err.param.opts:
        return f"{max(err.param.opts, key=len)}: {err.message}"
    return err.format_message()


def _print_traceback() -> None:
    import traceback  # only with --debug

    traceback.print_exc()


@click.group(cls=Podsec, context_settings={"help_option_names": ["-h", "--help"],
                                          "max_content_width": 100})
@click.version_option(__version__, "--version", message="kubectl-podsec %(version)s")
@common_options
def cli() -> None:
    """Pod Security, before you deploy: which policy a pod gets, whether it is
    admitted, and how to roll enforcement out safely."""



def main() -> None:
    cli.main()

"""The command tree, and the one place where failures become exit codes."""

from __future__ import annotations

import sys
import traceback

import click

from .. import __version__
from ..errors import ExitCode, PodsecError
from .check import check
from .version import version


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", message="kubectl-podsec %(version)s")
def cli() -> None:
    """Pod Security, before you deploy: which policy a pod gets, whether it is
    admitted, and how to roll enforcement out safely."""


cli.add_command(check)
cli.add_command(version)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="kubectl podsec", standalone_mode=False)
    except click.exceptions.Abort:
        sys.stderr.write("Interrupted.\n")
        code = ExitCode.INTERRUPTED
    except click.ClickException as err:
        err.show()
        code = ExitCode.USAGE
    except click.exceptions.Exit as done:
        code = done.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        code = ExitCode.INTERRUPTED
    except BrokenPipeError:
        code = ExitCode.OK
    except PodsecError as err:
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"error: {err}\n")
        code = err.exit_code
    except Exception as err:  # the one catch-all: an internal error, never a bare traceback
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"error: internal error: {type(err).__name__}: {err} "
                         "(rerun with --debug for the traceback)\n")
        code = ExitCode.USAGE
    sys.exit(int(code or 0))

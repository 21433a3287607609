"""`kubectl podsec version`."""

from __future__ import annotations

import json

import click

from .. import __version__
from ..pss import NEWEST_MINOR
from .options import common_options, output_option


@click.command()
@output_option(("table", "json", "yaml"))
@common_options
def version(output: str, no_color: bool, debug: bool) -> None:
    """The tool's version and the newest Pod Security Standards version it knows."""
    info = {"clientVersion": __version__, "newestPolicyVersion": f"v1.{NEWEST_MINOR}"}
    if output == "json":
        click.echo(json.dumps(info, indent=2))
    elif output == "yaml":
        click.echo("".join(f"{k}: {v}\n" for k, v in info.items()), nl=False)
    else:
        click.echo(f"kubectl-podsec {__version__}\nPod Security Standards: up to v1.{NEWEST_MINOR}")
